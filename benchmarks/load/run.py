"""Run the working-day load test: gunicorn and two Celery workers on PostgreSQL and Redis.

    .venv/bin/python benchmarks/load/run.py --redis-url redis://127.0.0.1:6379/9 \\
        [--duration 300] [--users 50] [--web-workers 2] [--database load_bench] [--keepdb]

Seeds a PostgreSQL database next to the one in ``DATABASE_URL`` as
``benchmarks/admin_queue.py`` does (100,000 issues, 40% open), logs contacts and staff in
(staff with their second factor verified), and starts gunicorn (``--web-workers``, 2) and
two Celery workers, the first with beat, on the Redis database of ``--redis-url``, which it
empties first. Then runs ``benchmarks/load/locustfile.py`` headless with ``--users`` users
for ``--duration`` seconds and prints a table per page kind (requests, errors, median and
95th percentile), the resident memory of the web and worker processes after the run, and
what the largest share of a web worker's memory is: the modules it imports, measured with
tracemalloc in a fresh process, grouped by package.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import served

ROOT = served.ROOT
VAR = ROOT / "var" / "load"
PORT = 8763
SECRET_KEY = secrets.token_urlsafe(40)
STAFF_SESSIONS = 10
# The libraries a web worker loads, biggest dependents first, in the order they are measured.
IMPORTED_LIBRARIES = ["django.db.models", "rest_framework", "drf_spectacular", "celery",
                      "kombu", "redis", "psycopg", "holidays", "markdown_it", "nh3", "jsonschema",
                      "yaml"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (300)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (50)")
    parser.add_argument("--issues", type=int, default=100_000, help="issues seeded (100,000)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--redis-url", required=True, help="a Redis database of its own: it is emptied first"
    )
    parser.add_argument("--database", default="load_bench", help="database name")
    parser.add_argument("--keepdb", action="store_true", help="keep the seeded database")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--imports", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(_prepare(args)))
        return 0
    if args.imports:
        print(json.dumps(_import_shares()))
        return 0
    if not re.fullmatch(r"[a-z0-9_]+", args.database):
        sys.exit("--database takes lower-case letters, digits and underscores.")
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    server = url.rsplit("/", 1)[0]
    VAR.mkdir(parents=True, exist_ok=True)
    env = served.site_env(
        database_url=f"{server}/{args.database}",
        var_dir=VAR / "site",
        secret_key=SECRET_KEY,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.redis_url,
    )
    exists = served.psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'")  # noqa: S608 - checked name
    if not (args.keepdb and exists.strip()):
        served.psql(server, f'DROP DATABASE IF EXISTS "{args.database}"')
        served.psql(server, f'CREATE DATABASE "{args.database}"')
    try:
        people = _run_json(
            [sys.executable, __file__, "--prepare", "--issues", str(args.issues)], env
        )
        people_file = VAR / "people.json"
        people_file.write_text(json.dumps(people))
        _redis_flush(args.redis_url)
        processes = _start(args, env)
        try:
            _locust(args, people_file)
            memory = {name: _rss(process.pid) for name, process in processes.items()}
        finally:
            _stop(processes.values())
    finally:
        if not args.keepdb:
            served.psql(server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _print_table(VAR / "locust_stats.csv")
    _print_memory(memory, _run_json([sys.executable, __file__, "--imports"], env))
    return 0


def _prepare(args) -> dict:
    """Seed, and return the people the locust users act as, with their sessions and issues."""
    served.seed(issues=args.issues, open_share=0.4)

    from django.conf import settings

    from accounts.models import User
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Issue

    open_issues = Issue.objects.filter(status__in=OPEN_STATUSES)
    contacts = []
    for contact in User.objects.filter(username__startswith="contact-").order_by("pk"):
        browser = _browser()
        browser.force_login(contact)
        references = list(
            open_issues.filter(client_id=contact.client_id).values_list("reference", flat=True)[:50]
        )
        contacts.append({"session": served.session_of(browser), "references": references})
    staff = []
    for n in range(STAFF_SESSIONS):
        # Half the staff work three clients' queue, half the administrator's all-clients one.
        user = User.objects.get(username="bench-member" if n % 2 == 0 else "bench-admin")
        issues = open_issues.filter(client__team__members=user) if n % 2 == 0 else open_issues
        staff.append(
            {
                "session": served.session_of(served.verified_browser(user)),
                "issues": list(issues.order_by("?").values_list("pk", flat=True)[:200]),
            }
        )
    return {"session_cookie": settings.SESSION_COOKIE_NAME, "contacts": contacts, "staff": staff}


def _browser():
    from django.test import Client

    return Client()


def _redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _start(args, env: dict) -> dict[str, subprocess.Popen]:
    celery = str(ROOT / ".venv" / "bin" / "celery")
    processes = {
        "web": served.gunicorn(port=PORT, workers=args.web_workers, env=env),
        "worker 1 (with beat)": subprocess.Popen(  # noqa: S603
            [celery, "-A", "paqt_support", "worker", "--beat", "--concurrency", "1",
             "--hostname", "load1@%h", "--loglevel", "WARNING",
             "--schedule", str(VAR / "celerybeat-schedule")],
            cwd=ROOT, env=env, start_new_session=True,
        ),
        "worker 2": subprocess.Popen(  # noqa: S603
            [celery, "-A", "paqt_support", "worker", "--concurrency", "1",
             "--hostname", "load2@%h", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, start_new_session=True,
        ),
    }  # fmt: skip
    served.wait_for(PORT)
    return processes


def _stop(processes) -> None:
    """Stop each process; one still busy with a task after half a minute is killed."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # A worker's warm shutdown waits for its task; its pool shares its session.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _locust(args, people_file: Path) -> None:
    subprocess.run(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(Path(__file__).parent / "locustfile.py"),
         "--headless", "--users", str(args.users), "--spawn-rate", "5",
         "--run-time", f"{args.duration}s", "--host", f"http://127.0.0.1:{PORT}",
         "--csv", str(VAR / "locust"), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env={**os.environ, "LOAD_PEOPLE": str(people_file)}, check=False,
    )  # fmt: skip


def _run_json(command: list[str], env: dict) -> dict:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        sys.exit(f"{' '.join(command[1:3])} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _rss(pid: int) -> list[float]:
    """Return the resident memory in MiB of ``pid`` and then of each of its children."""
    import psutil

    parent = psutil.Process(pid)
    return [p.memory_info().rss / 2**20 for p in [parent, *parent.children(recursive=True)]]


def _import_shares() -> dict:
    """Return the MiB that each step of starting a web worker allocates, in a fresh process.

    The libraries come first, each adding what it and its own imports allocate; then
    Django's setup (every installed app with its models and admin), the WSGI handler with
    its middleware, and the URLconf (views, forms, serializers), as the first request does.
    """
    import importlib
    import tracemalloc

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")
    tracemalloc.start()
    shares: dict[str, float] = {}

    def step(name: str, action) -> None:
        before = tracemalloc.get_traced_memory()[0]
        action()
        shares[name] = (tracemalloc.get_traced_memory()[0] - before) / 2**20

    for library in IMPORTED_LIBRARIES:
        step(library, lambda library=library: importlib.import_module(library))
    step("django.setup(): installed apps, models, admin", django.setup)
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver

    step("WSGI handler and middleware", get_wsgi_application)
    step("URLconf: views, forms, serializers", lambda: get_resolver().url_patterns)
    tracemalloc.stop()
    return shares


def _print_table(stats: Path) -> None:
    with stats.open() as lines:
        rows = list(csv.DictReader(lines))
    print(f"\n{'page kind':<28} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for row in rows:
        print(
            f"{row['Name']:<28} {row['Request Count']:>9} {row['Failure Count']:>7} "
            f"{row['50%']:>8} {row['95%']:>8}"
        )


def _print_memory(memory: dict[str, list[float]], shares: dict[str, float]) -> None:
    print("\nresident memory after the run (MiB)")
    for name, sizes in memory.items():
        children = ", ".join(f"{size:.0f}" for size in sizes[1:]) or "none"
        print(f"  {name}: main process {sizes[0]:.0f}, children {children}")
    total = sum(shares.values())
    print(
        f"\nstarting a web worker in a fresh process: {total:.1f} MiB allocated by Python "
        "(tracemalloc); the rest of its resident memory is the interpreter, shared libraries "
        "and what requests leave in the heap"
    )
    for name, size in sorted(shares.items(), key=lambda item: -item[1])[:8]:
        print(f"  {name:<46} {size:>6.1f} MiB {size / total:>5.0%}")


if __name__ == "__main__":
    sys.exit(main())
