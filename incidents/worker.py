"""Work for the Celery worker, sent by task name.

The tasks modules call the services; the services send tasks. Sending by name keeps the
services from importing the modules that define the tasks (which would be an import circle).
Each app's `ready()` imports its tasks module, so a name is always known to this process and
`CELERY_TASK_ALWAYS_EAGER` (tests, the laptop without a worker) still runs the task in place.
"""

from __future__ import annotations

from celery import current_app


def send_task(name: str, *args) -> None:
    """Sends the task `name` ("incidents.tasks.translate_incident") with `args`, now."""
    current_app.tasks[name].delay(*args)


def send_task_on_commit(name: str, *args) -> None:
    """Sends the task `name` once the current transaction commits (at once outside one)."""
    current_app.tasks[name].delay_on_commit(*args)
