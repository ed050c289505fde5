"""Benchmark the time from filing an urgent out-of-hours issue to its first page by email.

Run from the project root, with PostgreSQL and Redis running:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/paging.py [--issues 20] [--lost-messages]

It creates a scratch database (``test_`` + the name in DATABASE_URL) and drops it after,
starts an aiosmtpd SMTP sink in this process and a Celery worker with beat as a separate
process, seeds a 24/7 client with the demo rota and policy and treats the office as closed.
Then it files the issues one at a time through ``tickets.services.issue_create`` and times
each from just before the call to the moment the sink has received the page. It prints the
median, p95 (nearest rank) and maximum, and exits 1 when p95 is 5 s or more.

``--lost-messages`` keeps the first step's task from being queued, as if Redis had lost it,
so that the beat-driven sweep alone delivers the pages (no target: it shows the sweep's
latency, up to its 15 s interval).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

# Run as a plain script, the project root is not on sys.path.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

import django  # noqa: E402

TARGET_P95_SECONDS = 5.0
PAGE_TIMEOUT_SECONDS = 60.0
SWEEP_INTERVAL_SECONDS = 15.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20, help="issues to file (default 20)")
    parser.add_argument(
        "--lost-messages",
        action="store_true",
        help="do not queue the first step's task; the sweep alone delivers",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        print("Set DATABASE_URL (PostgreSQL) and REDIS_URL; see the docstring.", file=sys.stderr)
        return 2
    django.setup()
    # aiosmtpd logs every SMTP command at INFO; the figures are what this script is for.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    from django.conf import settings
    from django.db import connection

    from paqt_support.celery import app
    from tests.live import WorkerProcess
    from tests.oncall.smtp import SmtpSink

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    sink = SmtpSink().start()
    scratch = Path(tempfile.mkdtemp(prefix="paqt-paging-"))
    worker = WorkerProcess(
        scratch,
        beat=True,
        extra_env={"EMAIL_URL": sink.url, "SECRET_KEY": settings.SECRET_KEY},
    )
    try:
        file_issue = _seed()
        app.control.purge()
        worker.start()
        _wait_for_worker(worker)
        latencies = _measure(
            file_issue=file_issue, sink=sink, count=args.issues, lost=args.lost_messages
        )
    finally:
        worker.stop()
        sink.stop()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
    return _report(latencies, lost=args.lost_messages)


def _seed():
    """Create a 24/7 client and the demo's on-call set-up; return a function filing a P1."""
    from oncall.demo import seed_oncall_demo
    from oncall.models import OncallSettings
    from sla.models import Tier
    from tests.factories import (
        ContactFactory,
        StaffFactory,
        TeamFactory,
        agreement_with_targets,
    )
    from tickets import services as ticket_services
    from tickets.choices import Priority

    staff = {name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    team = TeamFactory()
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    contact = ContactFactory(client=team.client)
    seed_oncall_demo(staff=staff)
    OncallSettings.objects.update(office_closed=True)

    def file_issue(number: int):
        return ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title=f"Benchmark storing {number}",
            description="Het burgerportaal geeft een 502 voor alle bezoekers.",
            priority=Priority.P1,
        )

    return file_issue


def _wait_for_worker(worker) -> None:
    from ops.models import WorkerHeartbeat
    from ops.tasks import heartbeat_task

    heartbeat_task.delay()
    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.exists():
        if time.monotonic() > deadline:
            raise SystemExit("The worker did not start:\n" + worker.log())
        time.sleep(0.1)


def _measure(*, file_issue, sink, count: int, lost: bool) -> list[float]:
    latencies = []
    for number in range(1, count + 1):
        started = time.monotonic()
        if lost:
            with mock.patch("oncall.services.moves.step_schedule"):
                issue = file_issue(number)
        else:
            issue = file_issue(number)
        deadline = started + PAGE_TIMEOUT_SECONDS
        page = None
        while page is None:
            page = next((m for m in sink.handler.pages() if issue.reference in m.subject), None)
            if page is None:
                if time.monotonic() > deadline:
                    raise SystemExit(f"No page for {issue.reference} in {PAGE_TIMEOUT_SECONDS} s")
                time.sleep(0.005)
        latencies.append(page.at - started)
        print(f"  {issue.reference}: {page.at - started:6.3f} s", flush=True)
        # Filing right after a page would always land just after a sweep: file at a
        # random point of the sweep's interval instead.
        time.sleep(random.uniform(0, SWEEP_INTERVAL_SECONDS) if lost else 0.2)
    return latencies


def _report(latencies: list[float], *, lost: bool) -> int:
    ordered = sorted(latencies)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    mode = "sweep only (first task lost)" if lost else "task queued on commit"
    print(f"\nFiling to first page, {len(ordered)} issues, {mode}:")
    print(f"  median {statistics.median(ordered):.3f} s")
    print(f"  p95    {p95:.3f} s")
    print(f"  min    {ordered[0]:.3f} s   max {ordered[-1]:.3f} s")
    if lost:
        return 0
    verdict = "met" if p95 < TARGET_P95_SECONDS else "MISSED"
    print(f"  target p95 < {TARGET_P95_SECONDS:.0f} s: {verdict}")
    return 0 if p95 < TARGET_P95_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
