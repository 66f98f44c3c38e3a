"""Undo handlers are registered by create_app, not by the side effect of importing a module."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: importing every area module registers nothing; create_app registers every
# area's handlers; a second app changes nothing.
SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from contrib.core import undo
import contrib.assistant.services, contrib.assistant.flags
import contrib.clustering.adjustments, contrib.clustering.adjustments_undo, contrib.duplicates.services
import contrib.moderation.hiding, contrib.moderation.reports, contrib.moderation.report_queue
import contrib.plaidoyer.undo_handlers
import contrib.prioritisation.plenary, contrib.prioritisation.proposal_life, contrib.proposals.services
after_imports = sorted(undo._registry)
from contrib import create_app
config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test"}
app = create_app(config)
def snapshot():
    return {a: [r.label, r.undo is not None, r.redo is not None, r.role.name] for a, r in undo._registry.items()}
first = snapshot()
create_app(config)
second = snapshot()
print(json.dumps({"after_imports": after_imports, "first": first, "second": second,
                  "on_app": app.extensions["contrib.undo"] is undo._registry}))
"""

# One act of each area that has undoable acts (a control that the registry is really filled).
UNDOABLE = [
    "moderation:contribution:hide",
    "reports:contribution:restore",
    "clustering:cluster:rename",
    "duplicates:group:confirm",
    "proposals:proposal:merge",
    "prioritisation:session:close",
    "plaidoyer:section:add",
]


@pytest.mark.once  # an in-memory database of its own: nothing to learn from the PostgreSQL pass
def test_create_app_registers_every_handler_and_imports_register_none(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    registry = json.loads(result.stdout.strip().splitlines()[-1])
    assert registry["after_imports"] == []
    assert registry["on_app"]
    first = registry["first"]
    missing = [action for action in UNDOABLE if action not in first]
    assert not missing, f"not registered: {missing}; registered: {sorted(first)}"
    assert all(first[action][1] and first[action][2] for action in UNDOABLE)  # undo and redo
    assert first["clustering:run:launch"][1:3] == [False, False]  # described, not undoable
    assert registry["second"] == first
