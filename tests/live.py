"""Fixtures that run real Celery worker processes against the test database and Redis."""

import contextlib
import os
import shutil
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

    def env(self) -> dict:
        """Return the environment that points a worker's broker and cache at this server."""
        return {"REDIS_URL": self.url(), "CELERY_BROKER_URL": self.url()}

    def stop(self, *, lose_data: bool = False) -> None:
        """Shut the server down as an operator would: clients see their connections drop.

        ``lose_data`` removes what it kept, as a Redis without persistence loses it.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if lose_data:
            shutil.rmtree(self.directory / "appendonlydir", ignore_errors=True)


def _database_url() -> str:
    """Return a DATABASE_URL for the test database pytest-django created."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def _group_gone(group: int, timeout: float) -> bool:
    """Wait up to ``timeout`` s for every process of ``group`` to end; return whether they did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class WorkerProcess:
    """A `celery worker` subprocess that can be started, killed and started again.

    ``supervised`` runs it under ``manage.py run_worker``, as make run and compose do; the
    worker is then the supervisor's child, in a process group of its own.
    """

    def __init__(
        self,
        tmp_path: Path,
        *,
        beat: bool = False,
        extra_env: dict | None = None,
        supervised: bool = False,
        concurrency: int = 1,
    ):
        self.tmp_path = tmp_path
        self.beat = beat
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.supervised = supervised
        self.name = f"test-{os.getpid()}@{socket.gethostname()}"
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
        worker_args = [
            "--loglevel", "INFO", "--concurrency", str(self.concurrency), "--pool", "prefork",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if self.beat:
            worker_args += ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")]
        if self.supervised:
            args = [sys.executable, "manage.py", "run_worker", "--name", self.name, "--"]
        else:
            args = [sys.executable, "-m", "celery", "-A", "paqt_support", "worker"]
            args += ["--hostname", self.name]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            args + worker_args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        groups = self._groups()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self._reap(groups)

    def stop(self) -> None:
        groups = self._groups()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40 if self.supervised else 20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap(groups)

    def _groups(self) -> list[int]:
        """Return the process groups to clean up: this process's, and its children's."""
        if self.process is None:
            return []
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        with contextlib.suppress(OSError):
            return [pid, *(int(child) for child in children.read_text().split())]
        return [pid]

    def _reap(self, groups: list[int], timeout: float = 10.0) -> None:
        """Wait until the worker's pool processes are gone too, killing them if need be.

        A pool process that outlives the main one keeps its database connection open, and
        the test database then cannot be dropped at the end of the run.
        """
        for group in groups:
            if not _group_gone(group, timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                _group_gone(group, timeout)

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


def _publish_to(url: str) -> None:
    """Make this process's Celery app publish to the broker at ``url`` from now on."""
    from paqt_support.celery import app

    app.conf.broker_url = url
    # kombu keeps a pool per broker address; these forget the current one.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(private_redis, settings):
    """Yield a RedisServer of this test's own that this process's broker and cache use.

    Start workers with ``own_redis.env()`` in their environment to use it too.
    """
    from paqt_support.celery import app

    shared_broker = app.conf.broker_url
    _publish_to(private_redis.url())
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "paqt_support.cache.FailOpenRedisCache",
            "LOCATION": private_redis.url(),
        }
    }
    yield private_redis
    _publish_to(shared_broker)


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
