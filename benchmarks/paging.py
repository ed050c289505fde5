"""Benchmark the time from filing an urgent out-of-hours issue to its first page, per channel.

Run from the project root, with PostgreSQL and Redis running:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/paging.py [--issues 20] [--channel email|webhook|sms|all]
        [--down-for SECONDS] [--lost-messages]

It creates a scratch database (``test_`` + the name in DATABASE_URL) and drops it after,
starts an aiosmtpd SMTP sink and a recording HTTP server (the chat webhook and the SMS
gateway) in this process and a Celery worker with beat as a separate process, seeds a 24/7
client with the demo rota and policy and treats the office as closed. For each channel it
gives the on-call engineers that channel alone, files the issues one at a time through
``tickets.services.issue_create`` and times each from just before the call to the moment
the sink has received the page. It prints the median (p50), p95 (nearest rank) and maximum
per channel, and exits 1 when a p95 is 2 s or more.

``--down-for`` keeps the channel failing (SMTP 451, HTTP 500) for that many seconds after
each filing and times from the moment it works again (target: p95 under 60 s).
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
import threading
import time
from pathlib import Path
from unittest import mock

# Run as a plain script, the project root is not on sys.path.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

import django  # noqa: E402

TARGET_P95_SECONDS = 2.0
RECOVERY_TARGET_P95_SECONDS = 60.0
PAGE_TIMEOUT_SECONDS = 60.0
SWEEP_INTERVAL_SECONDS = 15.0
CHANNELS = ("email", "webhook", "sms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20, help="issues to file (default 20)")
    parser.add_argument(
        "--channel", choices=[*CHANNELS, "all"], default="all", help="channel (default all)"
    )
    parser.add_argument(
        "--down-for",
        type=float,
        default=0.0,
        help="seconds the channel fails after each filing; time from its return",
    )
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
    from tests.oncall.http import RecordingServer
    from tests.oncall.smtp import SmtpSink

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    sink = SmtpSink().start()
    http = RecordingServer().start()
    scratch = Path(tempfile.mkdtemp(prefix="paqt-paging-"))
    worker = WorkerProcess(
        scratch,
        beat=True,
        extra_env={
            "EMAIL_URL": sink.url,
            "SECRET_KEY": settings.SECRET_KEY,
            "SMS_GATEWAY_URL": http.url("/sms"),
        },
    )
    channels = CHANNELS if args.channel == "all" else (args.channel,)
    results = {}
    try:
        file_issue, engineers = _seed()
        app.control.purge()
        worker.start()
        _wait_for_worker(worker)
        for channel in channels:
            _use_channel(channel, engineers=engineers, webhook_url=http.url("/webhook"))
            print(f"\n{channel}:", flush=True)
            results[channel] = _measure(
                file_issue=file_issue,
                arrival=_arrival(channel, sink=sink, http=http),
                fault=_fault(channel, sink=sink, http=http),
                count=args.issues,
                lost=args.lost_messages,
                down_for=args.down_for,
            )
    finally:
        worker.stop()
        sink.stop()
        http.stop()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
    return _report(results, lost=args.lost_messages, down_for=args.down_for)


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

    return file_issue, list(staff.values())


def _use_channel(channel: str, *, engineers, webhook_url: str) -> None:
    """Page every on-call engineer through ``channel`` alone."""
    from oncall.models import PagingProfile

    for number, user in enumerate(engineers):
        PagingProfile.objects.update_or_create(
            user=user,
            defaults={
                "channels": [channel],
                "phone": f"+3161234560{number}",
                "webhook_url": webhook_url,
            },
        )


def _arrival(channel: str, *, sink, http):
    """Return a function giving when the first page about a reference arrived, or None."""
    if channel == "email":
        return lambda reference: next(
            (m.at for m in sink.handler.pages() if reference in m.subject), None
        )
    path, key = ("/webhook", "text") if channel == "webhook" else ("/sms", "body")
    return lambda reference: next(
        (r.at for r in http.received(path) if reference in r.body.get(key, "")), None
    )


def _fault(channel: str, *, sink, http):
    """Return a function that makes ``channel`` fail until the monotonic instant given."""
    if channel == "email":

        def fail_until(until: float) -> None:
            sink.handler.refuse_until = until

        return fail_until

    def fail_http_until(until: float) -> None:
        http.failures = None

        def restore() -> None:
            time.sleep(max(0.0, until - time.monotonic()))
            http.failures = 0

        threading.Thread(target=restore, daemon=True).start()

    return fail_http_until


def _wait_for_worker(worker) -> None:
    from ops.models import WorkerHeartbeat
    from ops.tasks import heartbeat_task

    heartbeat_task.delay()
    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.exists():
        if time.monotonic() > deadline:
            raise SystemExit("The worker did not start:\n" + worker.log())
        time.sleep(0.1)


def _measure(*, file_issue, arrival, fault, count: int, lost: bool, down_for: float) -> list[float]:
    latencies = []
    for number in range(1, count + 1):
        started = time.monotonic()
        if down_for:
            # Times count from the channel's return: what matters after an outage.
            fault(started + down_for)
            started += down_for
        if lost:
            with mock.patch("oncall.services.moves.step_schedule"):
                issue = file_issue(number)
        else:
            issue = file_issue(number)
        deadline = started + PAGE_TIMEOUT_SECONDS + RECOVERY_TARGET_P95_SECONDS
        arrived = None
        while arrived is None:
            arrived = arrival(issue.reference)
            if arrived is None:
                if time.monotonic() > deadline:
                    raise SystemExit(f"No page for {issue.reference} in time")
                time.sleep(0.005)
        latencies.append(max(0.0, arrived - started))
        print(f"  {issue.reference}: {arrived - started:6.3f} s", flush=True)
        # Filing right after a page would always land just after a sweep: file at a
        # random point of the sweep's interval instead.
        time.sleep(random.uniform(0, SWEEP_INTERVAL_SECONDS) if lost else 0.2)
    return latencies


def _report(results: dict[str, list[float]], *, lost: bool, down_for: float) -> int:
    if lost:
        mode = "sweep only (first task lost)"
    elif down_for:
        mode = f"from the channel's return after {down_for:.0f} s down"
    else:
        mode = "task queued on commit"
    target = RECOVERY_TARGET_P95_SECONDS if down_for else TARGET_P95_SECONDS
    print(f"\nFiling to first page, {mode}:")
    print(f"  {'channel':8} {'issues':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    missed = False
    for channel, latencies in results.items():
        ordered = sorted(latencies)
        p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
        missed |= p95 >= target
        print(
            f"  {channel:8} {len(ordered):6d} {statistics.median(ordered):7.3f}s "
            f"{p95:7.3f}s {ordered[-1]:7.3f}s"
        )
    if lost:
        return 0
    print(f"  target p95 < {target:.0f} s: {'MISSED' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
