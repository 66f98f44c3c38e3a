"""A queued task is found again after its code moves: huey's key is the task's name under one fixed module."""

from contrib import tasks
from tests.conftest import make_app


def test_every_task_is_keyed_by_its_name_not_by_the_module_it_lives_in(tmp_path, migrated_database):
    app = make_app(migrated_database, TASK_QUEUE=f"sqlite:///{tmp_path}/queue.sqlite3")
    keys = sorted(tasks.queue(app)._registry._registry)
    assert keys  # control: the declared tasks are registered
    assert keys == sorted(f"contrib.tasks.{name}" for name in tasks._tasks)
    assert "contrib.tasks.mail.send" in keys
