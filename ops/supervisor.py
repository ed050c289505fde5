"""Keep a Celery worker running: start it again when it exits or stops beating, and say so."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

# Seconds to wait before each start after an exit; a worker that ran for STEADY_SECONDS
# starts the list again. A worker that cannot start at all (a typo in its settings) is
# tried twice a minute, not in a tight loop.
BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30)
STEADY_SECONDS = 60
# How often the heartbeat is read, and how long a worker gets to stop on SIGTERM.
CHECK_SECONDS = 15
STOP_SECONDS = 20


class Supervisor:
    """Run ``command`` (a Celery worker) as a child process, and start it again when needed.

    The worker is started again when it exits, after a back-off, and when it hangs: its
    heartbeat (``heartbeat_age()``, in seconds, None before the first) is older than
    ``stale_after`` seconds while the broker answers (``broker_ok()``), counted from the
    later of the worker's start and the broker's return. Each event is one line on ``out``.
    ``clock`` and ``sleep`` are injected for the tests.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        name: str,
        heartbeat_age: Callable[[], float | None],
        broker_ok: Callable[[], bool],
        stale_after: float,
        out: TextIO = sys.stderr,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll: float = 1.0,
    ):
        self.command = list(command)
        self.name = name
        self.heartbeat_age = heartbeat_age
        self.broker_ok = broker_ok
        self.stale_after = stale_after
        self.out = out
        self.clock = clock
        self.sleep = sleep
        self.poll = poll
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.starts = 0

    def say(self, message: str) -> None:
        print(f"[supervisor] {message}", file=self.out, flush=True)

    def stop(self, *_args) -> None:
        """Stop supervising and stop the worker (the handler of SIGTERM and SIGINT)."""
        self.stopping = True
        self._signal(signal.SIGTERM)

    def run(self, *, max_starts: int | None = None) -> int:
        """Supervise until stopped, or for ``max_starts`` starts; return the last exit code."""
        code = 0
        backoff = 0
        while not self.stopping and (max_starts is None or self.starts < max_starts):
            started_at = self.clock()
            self.process = subprocess.Popen(self.command, start_new_session=True)  # noqa: S603
            self.starts += 1
            hung = self._watch(started_at)
            code = self.process.wait()
            self._reap()
            if self.stopping:
                break
            if self.clock() - started_at >= STEADY_SECONDS:
                backoff = 0
            delay = BACKOFF_SECONDS[min(backoff, len(BACKOFF_SECONDS) - 1)]
            backoff += 1
            if hung:
                reason = "was stopped because it hung"
            elif code < 0:
                reason = f"was killed by {signal.Signals(-code).name}"
            else:
                reason = f"exited with code {code}"
            self.say(f"The Celery worker {self.name} {reason}; starting it again in {delay} s.")
            self._pause(delay)
        return code

    def _watch(self, started_at: float) -> bool:
        """Wait for the worker to exit; stop it and return True if it stops beating."""
        reference = started_at
        broker_was_ok = True
        next_check = started_at + CHECK_SECONDS
        kill_at = None
        while self.process.poll() is None:
            self.sleep(self.poll)
            now = self.clock()
            if self.stopping:
                # A worker that does not finish its warm shutdown in time is killed.
                kill_at = kill_at if kill_at is not None else now + STOP_SECONDS
                if now >= kill_at:
                    self._signal(signal.SIGKILL)
                continue
            if now < next_check:
                continue
            next_check = now + CHECK_SECONDS
            try:
                broker_ok = self.broker_ok()
                age = self.heartbeat_age() if broker_ok else None
            except Exception as exc:  # noqa: BLE001 - the database may be away too; look again later
                self.say(f"Cannot read the heartbeat of {self.name}: {exc}")
                continue
            if not broker_ok:
                broker_was_ok = False
                continue
            if not broker_was_ok:
                # No heartbeat can run while the broker is away; its return starts the count.
                reference, broker_was_ok = now, True
            silent = now - reference if age is None else min(age, now - reference)
            if silent > self.stale_after:
                self.say(
                    f"The Celery worker {self.name} ran no heartbeat for {int(silent)} s while "
                    "the broker answers: it hangs (or beat is not running); stopping it."
                )
                self._end()
                return True
        return False

    def _pause(self, seconds: float) -> None:
        deadline = self.clock() + seconds
        while not self.stopping and self.clock() < deadline:
            self.sleep(min(self.poll, seconds))

    def _signal(self, sig: int) -> None:
        """Send ``sig`` to the worker; SIGKILL to its pool processes as well.

        The worker stops its pool itself on SIGTERM (a warm shutdown).
        """
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if sig == signal.SIGKILL:
                    os.killpg(self.process.pid, sig)
                else:
                    self.process.send_signal(sig)

    def _end(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)

    def _reap(self) -> None:
        """Kill what is left of the worker's process group: pool processes of a killed worker."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
