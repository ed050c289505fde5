"""Fixtures that run real Celery worker processes against the test database and Redis."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_redis_url() -> str:
    """Return the URL of a Redis that is not there: a closed port, refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


class RedisServer:
    """A redis-server of the test's own, on a free port, that a test may stop and start.

    The Redis of REDIS_URL is shared with other test runs on the machine and is never
    stopped. With ``persistent`` the server keeps its data across a restart in an
    append-only file, as docker-compose.yml runs it; without, a restart empties it.
    """

    def __init__(self, directory: Path, *, persistent: bool = True):
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def is_up(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        command = [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
            "--dir", str(self.directory), "--logfile", "redis.log", "--save", "",
            "--appendonly", "yes" if self.persistent else "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
        wait_for(self.is_up, timeout=30, message="the test's Redis did not start")

    def stop(self) -> None:
        """Shut the server down as an operator would: clients see their connections drop."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        self.process.wait(timeout=30)


def _database_url() -> str:
    """Return a DATABASE_URL for the test database pytest-django created."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess that can be started, killed and started again."""

    def __init__(self, tmp_path: Path, *, beat: bool = False, extra_env: dict | None = None):
        self.tmp_path = tmp_path
        self.beat = beat
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = tmp_path / "worker.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            # Links the worker signs (acknowledge links) must verify in the test process.
            "SECRET_KEY": settings.SECRET_KEY,
            "VAR_DIR": str(self.tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        args = [
            sys.executable, "-m", "celery", "-A", "paqt_support", "worker",
            "--loglevel", "INFO", "--concurrency", "1", "--pool", "prefork",
            "--hostname", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if self.beat:
            args += ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self._reap_group()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()

    def _reap_group(self, timeout: float = 10.0) -> None:
        """Wait until the worker's pool processes are gone too, killing them if need be.

        A pool process that outlives the main one keeps its database connection open, and
        the test database then cannot be dropped at the end of the run.
        """
        if self.process is None:
            return
        for last_resort in (False, True):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)
            if not last_resort:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.2, message=""):
    """Poll ``condition`` until it returns a truthy value; fail the test after ``timeout`` s.

    ``message`` may be a callable, so that a worker's log is read only when it is needed.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    text = message() if callable(message) else message
    pytest.fail(text or f"condition not met within {timeout} s", pytrace=False)


@pytest.fixture
def private_redis(tmp_path):
    """Yield a running RedisServer of this test's own; it is stopped afterwards."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_process(tmp_path, transactional_db):
    """Yield a factory of worker processes; every one started is stopped afterwards."""
    from paqt_support.celery import app

    # Messages left in the broker by an earlier test must not run against this one's data.
    app.control.purge()
    started: list[WorkerProcess] = []

    def make(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()
