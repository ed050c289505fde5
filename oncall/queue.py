"""Queue an escalation step by the task's stable name.

The step task runs the services, and the services queue the step task; naming the task
instead of importing it keeps the services free of the tasks module. A process that has
not loaded the task (a web server) sends it to the broker by name, as a worker would.
"""

from datetime import datetime

from paqt_support.celery import app

STEP_TASK = "oncall.escalation_step"


def step_task_queue(
    *, escalation_id: int, token: str, countdown: float = 0.0, expires: float = 60.0
) -> None:
    """Queue the step of ``escalation_id`` whose move carries ``token``."""
    app.signature(STEP_TASK, args=(escalation_id, str(token))).apply_async(
        countdown=countdown, expires=expires
    )


def step_task_queue_at(*, escalation_id: int, token: str, due_at: datetime, now: datetime) -> None:
    """Queue the step to run at ``due_at``, and drop it if a worker gets it a minute late."""
    delay = max(0.0, (due_at - now).total_seconds())
    step_task_queue(escalation_id=escalation_id, token=token, countdown=delay, expires=delay + 60)
