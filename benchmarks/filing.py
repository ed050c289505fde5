"""Benchmark filing issues through the service: throughput, and the queries one filing takes.

Run from the project root (SQLite by default; set DATABASE_URL for PostgreSQL):

    .venv/bin/python benchmarks/filing.py [--issues 300] [--compare REV]

It creates a scratch database (``test_`` + the configured name) and drops it after, seeds a
24/7 client with the demo's rota and policy, and files ``--issues`` issues one after another
through ``tickets.services.issue_create``: every fourth a P1 at night, which starts an
escalation, the rest P2 to P4 in office hours. Everything that comes with a filing is
included: the number, the timeline, the SLA clocks, the paging rule and the access log;
tasks are queued to no broker (they would run elsewhere). It prints filings per second and
the queries of one office-hours and one night-time filing.

``--compare REV`` runs the same measurement on git revision REV, checked out into a
temporary worktree, in the same run, alternating with this checkout for ``--rounds``
rounds, and prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

import django  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
# A Monday morning (office hours) and the Sunday night before.
OFFICE = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)
NIGHT = datetime(2026, 3, 1, 3, 0, tzinfo=AMS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=300, help="issues to file (default 300)")
    parser.add_argument("--compare", metavar="REV", help="also measure git revision REV")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of a comparison (3)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(_measure(args.issues)))
        return 0
    if not args.compare:
        _print("this checkout", _measure(args.issues))
        return 0
    # Alternating rounds, each in a fresh process, spread a busy machine over both sides.
    with _worktree(args.compare) as tree:
        here, there = [], []
        for _round in range(args.rounds):
            here.append(_run(ROOT, args.issues))
            there.append(_run(tree, args.issues))
    here_median, there_median = _median(here), _median(there)
    _print("this checkout", here_median)
    _print(args.compare, there_median)
    ratio = here_median["per_second"] / there_median["per_second"]
    print(f"\nratio this checkout / {args.compare} (medians of {args.rounds}): {ratio:.2f}x")
    return 0


def _median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda figures: figures["per_second"])[len(runs) // 2]


def _measure(count: int) -> dict:
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        file_issue = _seed()
        # Tasks go to no broker: this measures the request's share of a filing.
        with mock.patch("celery.app.task.Task.apply_async"):
            for warm in range(5):
                file_issue(warm, OFFICE, "P3")
            with CaptureQueriesContext(connection) as office:
                file_issue(5, OFFICE, "P3")
            with CaptureQueriesContext(connection) as night:
                file_issue(6, NIGHT, "P1")
            started = time.perf_counter()
            for number in range(count):
                urgent = number % 4 == 0
                file_issue(
                    number + 7,
                    NIGHT + timedelta(seconds=number) if urgent else OFFICE,
                    "P1" if urgent else ("P2", "P3", "P4")[number % 3],
                )
            elapsed = time.perf_counter() - started
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return {
        "issues": count,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "queries_office": len(office.captured_queries),
        "queries_night": len(night.captured_queries),
        "database": connection.vendor,
    }


def _seed():
    from oncall.demo import seed_oncall_demo
    from sla.models import Tier
    from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
    from tickets import services as ticket_services

    staff = {name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    team = TeamFactory(members=[staff["eva"]])
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority="P1").update(is_round_the_clock=True)
    contact = ContactFactory(client=team.client)
    seed_oncall_demo(staff=staff)

    def file_issue(number: int, now: datetime, priority: str):
        return ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title=f"Benchmark-melding {number}",
            description="Het zaaksysteem geeft een foutmelding bij het openen van een zaak.",
            priority=priority,
            now=now,
        )

    return file_issue


@contextmanager
def _worktree(rev: str):
    scratch = Path(tempfile.mkdtemp(prefix="paqt-filing-"))
    tree = scratch / "tree"
    try:
        subprocess.run(  # noqa: S603 - our own git, our own arguments
            ["git", "worktree", "add", "--detach", str(tree), rev],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        shutil.copy(Path(__file__), tree / "benchmarks" / "filing.py")
        yield tree
    finally:
        subprocess.run(  # noqa: S603
            ["git", "worktree", "remove", "--force", str(tree)],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)


def _run(tree: Path, count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="paqt-filing-var-") as var:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "benchmarks/filing.py", "--issues", str(count), "--json"],
            cwd=tree,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "VAR_DIR": var},
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _print(label: str, figures: dict) -> None:
    print(f"\nFiling through the service, {label} ({figures['database']}):")
    print(
        f"  {figures['issues']} issues in {figures['seconds']:.2f} s: {figures['per_second']:.1f}/s"
    )
    print(
        f"  queries per filing: {figures['queries_office']} in office hours, "
        f"{figures['queries_night']} for a P1 at night (pages)"
    )


if __name__ == "__main__":
    sys.exit(main())
