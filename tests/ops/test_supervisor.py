"""The supervisor restarts the worker when it exits or hangs, says so, and stops it on request."""

import io
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ops.models import WorkerHeartbeat
from ops.supervisor import Supervisor

PREFIX = "[supervisor] The Celery worker worker@test"


class FakeTime:
    """A clock that each sleep moves on by the seconds asked, while really sleeping 10 ms.

    ``at(moment, action)`` runs ``action`` once the clock has passed ``moment``.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.alarms: list[tuple[float, object]] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        for alarm in [a for a in self.alarms if a[0] <= self.now]:
            self.alarms.remove(alarm)
            alarm[1]()
        time.sleep(0.01)

    def at(self, moment: float, action) -> None:
        self.alarms.append((moment, action))


def child(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def supervise(command, *, heartbeat_age=lambda: None, broker_ok=lambda: True, stale_after=1000):
    fake = FakeTime()
    out = io.StringIO()
    supervisor = Supervisor(
        command,
        name="worker@test",
        heartbeat_age=heartbeat_age,
        broker_ok=broker_ok,
        stale_after=stale_after,
        out=out,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    return supervisor, out, fake


def test_a_worker_that_exits_is_started_again_after_a_growing_pause_and_said_so():
    supervisor, out, _ = supervise(child("import sys; sys.exit(3)"))
    assert supervisor.run(max_starts=3) == 3
    assert out.getvalue().splitlines() == [
        f"{PREFIX} exited with code 3; starting it again in {delay} s." for delay in (1, 2, 4)
    ]


def test_the_pause_starts_again_from_one_second_after_a_worker_ran_steadily(tmp_path):
    # Each run lasts until a file appears, which the fake clock makes over a minute after
    # the run started, however slowly the machine sleeps.
    steady = tmp_path / "steady"
    supervisor, out, fake = supervise(
        child(
            "import os, time\n"
            f"while not os.path.exists({str(steady)!r}): time.sleep(0.01)\n"
            f"os.remove({str(steady)!r})"
        )
    )
    fake.at(61, steady.touch)
    fake.at(140, steady.touch)
    supervisor.run(max_starts=2)
    assert out.getvalue().splitlines() == [
        f"{PREFIX} exited with code 0; starting it again in 1 s.",
        f"{PREFIX} exited with code 0; starting it again in 1 s.",
    ]


def test_a_worker_without_heartbeat_while_the_broker_answers_is_stopped_and_started_again():
    supervisor, out, fake = supervise(child("import time; time.sleep(60)"), stale_after=30)
    supervisor.run(max_starts=1)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{PREFIX} ran no heartbeat for ")
    assert "it hangs" in lines[0]
    assert lines[1] == f"{PREFIX} was stopped because it hung; starting it again in 1 s."
    assert fake.now < 60


def test_a_worker_killed_by_a_signal_is_said_to_be(tmp_path):
    supervisor, out, _ = supervise(child("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    supervisor.run(max_starts=1)
    assert out.getvalue() == f"{PREFIX} was killed by SIGKILL; starting it again in 1 s.\n"


def test_a_worker_that_beats_is_left_alone():
    supervisor, out, _ = supervise(
        child("import time; time.sleep(1)"), heartbeat_age=lambda: 5.0, stale_after=30
    )
    assert supervisor.run(max_starts=1) == 0
    assert "hangs" not in out.getvalue()


def test_silence_while_the_broker_is_away_is_not_a_hang_and_its_return_starts_the_count(
    tmp_path,
):
    fake_time = {}
    done = tmp_path / "done"

    def broker_ok() -> bool:
        return fake_time["clock"]() >= 120

    # The worker runs until the supervisor's clock has passed 125 s: 120 s without a
    # broker, longer than the 100 s after which silence is a hang, and then a few with
    # one. The margin leaves the worker a second of real time to notice.
    supervisor, out, fake = supervise(
        child(f"import os, time\nwhile not os.path.exists({str(done)!r}): time.sleep(0.01)"),
        broker_ok=broker_ok,
        stale_after=100,
    )
    fake_time["clock"] = fake.clock
    fake.at(125, done.touch)
    assert supervisor.run(max_starts=1) == 0
    assert fake.now > 125
    assert "hangs" not in out.getvalue()


def test_stopping_the_supervisor_stops_the_worker_and_starts_nothing_again():
    supervisor, out, _ = supervise(child("import time; time.sleep(60)"))
    threading.Timer(0.5, supervisor.stop).start()
    assert supervisor.run() == -15
    assert supervisor.starts == 1
    assert out.getvalue() == ""


def test_a_worker_that_ignores_sigterm_is_killed():
    ignores = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    supervisor, _out, _ = supervise(child(ignores))
    threading.Timer(0.5, supervisor.stop).start()
    assert supervisor.run() == -9


@pytest.mark.django_db
def test_worker_alive_passes_for_a_recent_heartbeat_and_fails_for_an_old_one(settings):
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="worker@a", beat_at=now)
    out = io.StringIO()
    call_command("worker_alive", "--name", "worker@a", stdout=out)
    assert "ran the heartbeat 0 s ago" in out.getvalue()
    WorkerHeartbeat.objects.filter(hostname="worker@a").update(
        beat_at=now - settings.WORKER_STALE_AFTER - timedelta(seconds=1)
    )
    with pytest.raises(CommandError, match="last ran the heartbeat"):
        call_command("worker_alive", "--name", "worker@a")
    with pytest.raises(CommandError, match="has not run the heartbeat task yet"):
        call_command("worker_alive", "--name", "worker@b")
