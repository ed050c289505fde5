"""Time the portal's issue list for one client with 10,000 and 100,000 issues and print the figures.

Seeds issues with two SLA clocks each (bulk_create) into a throwaway database, then asks
for the list page through Django's test Client, as a logged-in contact, and prints per
page the median and 90th-percentile server time, the median time spent in SQL, the number
of queries and of rows shown, for the default list and for search, filter, sort and
last-page variants.

    .venv/bin/python benchmarks/portal_list.py                    # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/portal_list.py --repeat 30    # test_<name> on PostgreSQL

The database (a temporary SQLite file, or ``test_<name>`` next to the one in DATABASE_URL)
is created, migrated and dropped by the script. It is not part of the test run.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = Path(tempfile.mkdtemp(prefix="portal-list-bench-"))
# Everything the app writes (secret key, mail, uploads, broker) goes to the scratch folder,
# and timings are taken without DEBUG's query log.
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'unused.sqlite3'}")
os.environ["DEBUG"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from clients.models import Client as Organisation  # noqa: E402
from clients.models import Team  # noqa: E402
from sla.models import Agreement, PriorityTarget, SlaClock, SupportCalendar, Tier  # noqa: E402
from tickets import services  # noqa: E402
from tickets.choices import Priority, Status  # noqa: E402
from tickets.models import Issue  # noqa: E402

BATCH = 5_000
TARGETS = {"P1": (60, 240), "P2": (240, 960), "P3": (480, 2400), "P4": (960, None)}
STATUSES = list(Status)
WORDS = ("zaaksysteem", "export", "inloggen", "koppeling", "formulier", "archief")


def _database_create() -> str:
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict["TEST"]["NAME"] = str(SCRATCH / "bench.sqlite3")
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def _organisation() -> User:
    client = Organisation.objects.create(code="BNC", name="Gemeente Benchmark")
    staff = User.objects.create_user("bench-staff", "staff@example.org", is_staff=True)
    team = Team.objects.create(client=client, name="Team Benchmark", lead=staff)
    team.members.add(staff)
    calendar = SupportCalendar.objects.create(
        name="Kantooruren", weekly_hours={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    agreement = Agreement.objects.create(
        client=client,
        name="SLA Benchmark",
        tier=Tier.BASIS,
        calendar=calendar,
        valid_from=datetime(2020, 1, 1).date(),
    )
    for priority, (response, resolution) in TARGETS.items():
        PriorityTarget.objects.create(
            agreement=agreement,
            priority=priority,
            first_response_minutes=response,
            resolution_minutes=resolution,
        )
    return User.objects.create_user("bench-contact", "contact@example.org", client=client)


def _seed(contact: User, *, start: int, stop: int, template: list[SlaClock]) -> None:
    """Write issues ``start`` up to ``stop`` of the contact's client, each with two clocks."""
    origin = datetime(2024, 1, 1, 8, tzinfo=UTC)
    priorities = list(Priority.values)
    for first in range(start, stop, BATCH):
        numbers = range(first, min(first + BATCH, stop))
        issues = Issue.objects.bulk_create(
            Issue(
                client_id=contact.client_id,
                reference=f"BNC-2024-{n:06d}",
                year=2024,
                sequence=n,
                title=f"Melding {n}: {WORDS[n % len(WORDS)]} werkt niet",
                description=f"Beschrijving van melding {n} over {WORDS[(n * 7) % len(WORDS)]}.",
                priority=priorities[n % 4],
                requested_priority=priorities[n % 4],
                status=STATUSES[n % len(STATUSES)],
                requester_id=contact.pk,
                created_at=origin + timedelta(minutes=17 * n),
                updated_at=origin + timedelta(minutes=17 * n + (n % 500)),
                last_activity_at=origin + timedelta(minutes=17 * n),
                opened_at=origin + timedelta(minutes=17 * n),
            )
            for n in numbers
        )
        SlaClock.objects.bulk_create(
            SlaClock(
                issue_id=issue.pk,
                kind=clock.kind,
                state=clock.state,
                target_seconds=clock.target_seconds,
                used_seconds=clock.used_seconds,
                started_at=issue.created_at,
                resumed_at=issue.created_at,
                due_at=issue.created_at + timedelta(hours=8),
                warn_at=issue.created_at + timedelta(hours=6),
                next_check_at=issue.created_at + timedelta(hours=6),
                snapshot=clock.snapshot,
            )
            for issue in issues
            for clock in template
        )


SCENARIOS = {
    "default (newest first)": {},
    "sort by last update": {"sort": "-updated"},
    "search in text": {"q": "archief"},
    "status + priority": {"status": ["in_progress", "waiting_on_client"], "priority": "P1"},
    "only mine": {"mine": "on"},
    "last page": {"page": "last"},
}


def _time(client: Client, query: dict, repeat: int) -> dict:
    """Return the median and 90th-percentile request time, the median SQL time, and counts."""
    url = reverse("portal:issue-list")
    client.get(url, query)  # warm caches: templates, calendars, the database's pages
    totals, sql = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, query)
            totals.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        sql.append(sum(float(q["time"]) for q in queries.captured_queries))
    return {
        "median": statistics.median(totals) * 1000,
        "p90": statistics.quantiles(totals, n=10)[-1] * 1000,
        "sql": statistics.median(sql) * 1000,
        "queries": len(queries),
        "rows": response.content.count(b'<td class="ref"'),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per figure")
    args = parser.parse_args()

    # No setup_test_environment(): its template instrumentation, which lets tests read
    # response.context, would be timed too.
    old_name = connection.settings_dict["NAME"]
    name = _database_create()
    try:
        contact = _organisation()
        first = services.issue_create(
            client=contact.client,
            requester=contact,
            title="Eerste melding",
            description="Met echte SLA-klokken.",
            priority="P3",
        )
        template = list(SlaClock.objects.filter(issue=first))
        client = Client()
        client.force_login(contact)
        seeded = 1
        print(f"database: {connection.vendor} ({name}); {args.repeat} timed requests per figure")
        print(
            f"{'issues':>8}  {'scenario':<24} {'median ms':>9} {'p90 ms':>7} {'sql ms':>7} q   rows"
        )
        for size in sorted(args.sizes):
            started = time.perf_counter()
            _seed(contact, start=seeded + 1, stop=size + 1, template=template)
            seeded = size
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            seconds = time.perf_counter() - started
            print(f"{size:>8}  (seeded in {seconds:.1f} s)")
            for label, query in SCENARIOS.items():
                f = _time(client, query, args.repeat)
                print(
                    f"{size:>8}  {label:<24} {f['median']:>9.1f} {f['p90']:>7.1f} {f['sql']:>7.1f}"
                    f" {f['queries']} {f['rows']:>6}"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
