"""`make bench` runs every bench/bench_*.py in turn and stops at the first failure: each script must at
least import against today's code (two of them once imported a helper that had moved, and the whole
bench stopped at its first script)."""

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(path.stem for path in BENCH.glob("bench_*.py"))


def test_the_bench_folder_has_the_scripts_make_bench_runs():
    assert len(SCRIPTS) >= 10 and "bench_pages" in SCRIPTS  # control: the glob finds the folder


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_bench_script_imports(name):
    module = importlib.import_module(f"bench.{name}")
    assert Path(module.__file__).parent == BENCH
