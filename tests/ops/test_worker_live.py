"""A real worker and beat against Redis make /readyz report the worker alive."""

import pytest

from ops.models import WorkerHeartbeat
from tests.live import wait_for, worker_process  # noqa: F401 - a fixture

pytestmark = [pytest.mark.live_services]


def test_worker_with_beat_runs_the_heartbeat_and_readyz_turns_ready(
    worker_process,  # noqa: F811
    client,
    settings,
):
    settings.READYZ_TOKEN = "monitoring-secret"
    assert client.get("/readyz").status_code == 503
    worker = worker_process(beat=True)
    worker.start()
    wait_for(
        lambda: WorkerHeartbeat.objects.exists(),
        timeout=60,
        message="beat and worker did not record a heartbeat",
    )
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer monitoring-secret")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"]["detail"].lower().startswith("redis")


def test_a_task_sent_by_the_app_is_executed_by_a_separate_worker(worker_process):  # noqa: F811
    from ops.tasks import heartbeat_task

    worker = worker_process()
    worker.start()
    heartbeat_task.delay()
    wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=60, message=worker.log)
