"""Time the admin's issue queue and issue page with 100,000 issues across 50 clients.

Seeds 50 clients, each with a team, an agreement and 2,000 issues with two SLA clocks
(bulk_create), into a throwaway database. A share of the issues is open (the newest of
each client), the rest closed with stopped clocks, as on a desk that has run for years.
Then asks for the pages through Django's test Client, as a team member on three clients'
teams and as an administrator who sees every client, and prints per page the median and
90th-percentile server time, the median CPU time spent in Python, the SQL time and the
number of queries, and the load average of the machine around the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/adminbench \\
        .venv/bin/python benchmarks/admin_queue.py            # test_adminbench on PostgreSQL
    .venv/bin/python benchmarks/admin_queue.py --issues 20000  # SQLite in a temp folder

The database (``test_<name>`` next to the one in DATABASE_URL, or a temporary SQLite file)
is created, migrated and dropped by the script, unless ``--keepdb`` keeps it for the next
run. It is not part of the test run.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = Path(tempfile.mkdtemp(prefix="admin-queue-bench-"))
# Everything the app writes goes to the scratch folder; DEBUG's query log stays off.
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'unused.sqlite3'}")
os.environ["DEBUG"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
# The viewers are logged in directly; the second factor is timed by its own tests.
os.environ["TWO_FACTOR_ENFORCED"] = "false"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Min, OuterRef, Subquery  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from clients.models import Client as Organisation  # noqa: E402
from clients.models import Team  # noqa: E402
from sla.models import Agreement, PriorityTarget, SlaClock, SupportCalendar, Tier  # noqa: E402
from tickets import services  # noqa: E402
from tickets.choices import OPEN_STATUSES, Priority, Status  # noqa: E402
from tickets.models import Issue  # noqa: E402

BATCH = 5_000
CLIENTS = 50
MEMBER_CLIENTS = 3
TARGETS = {"P1": (60, 240), "P2": (240, 960), "P3": (480, 2400), "P4": (960, None)}
WORDS = ["zaaksysteem", "export", "inloggen", "koppeling", "formulier", "logo", "rapport",
         "betaling", "agenda", "archief", "melding", "kaart"]  # fmt: skip


def _database_create(*, keep: bool) -> str:
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict["TEST"]["NAME"] = str(SCRATCH / "bench.sqlite3")
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)


def _clients() -> tuple[list[Organisation], list[User], User]:
    """Create the clients, their teams and agreements, a contact each, and the two viewers.

    Return the clients, their contacts and the team member.
    """
    calendar = SupportCalendar.objects.create(
        name="Kantooruren", weekly_hours={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    member = User.objects.create_user("bench-member", "member@example.org", is_staff=True)
    member.groups.add(Group.objects.get(name="Team members"))
    administrator = User.objects.create_user("bench-admin", "admin@example.org", is_staff=True)
    administrator.groups.add(Group.objects.get(name="Administrators"))
    clients, contacts = [], []
    for n in range(CLIENTS):
        code = "B" + "".join(chr(65 + int(digit)) for digit in f"{n:02d}")
        client = Organisation.objects.create(code=code, name=f"Gemeente {code.title()}")
        lead = User.objects.create_user(f"lead-{code}", f"lead-{code}@example.org", is_staff=True)
        team = Team.objects.create(client=client, name=f"Team {code}", lead=lead)
        team.members.add(lead, *([member] if n < MEMBER_CLIENTS else []))
        agreement = Agreement.objects.create(
            client=client, name=f"SLA {code}", tier=Tier.BASIS, calendar=calendar,
            valid_from=timezone.localdate().replace(year=2020),
        )  # fmt: skip
        PriorityTarget.objects.bulk_create(
            PriorityTarget(
                agreement=agreement,
                priority=priority,
                first_response_minutes=response,
                resolution_minutes=resolution,
            )
            for priority, (response, resolution) in TARGETS.items()
        )
        clients.append(client)
        contacts.append(
            User.objects.create_user(f"contact-{code}", f"c-{code}@example.org", client=client)
        )
    return clients, contacts, member


def _seed(clients, contacts, member: User, *, per_client: int, open_share: float, template) -> None:
    """Write ``per_client`` issues for each client with two clocks; the newest are open."""
    now = timezone.now()
    priorities = list(Priority.values)
    open_count = int(per_client * open_share)
    rows = [
        (client, contact, n)
        for client, contact in zip(clients, contacts, strict=True)
        for n in range(1, per_client + 1)
    ]
    for first in range(0, len(rows), BATCH):
        chunk = rows[first : first + BATCH]
        issues = Issue.objects.bulk_create(
            Issue(
                client_id=client.pk,
                reference=f"{client.code}-2024-{n:05d}",
                year=2024,
                sequence=n,
                title=f"Melding {n}: {WORDS[n % len(WORDS)]} werkt niet",
                description=f"Beschrijving van melding {n} over {WORDS[(n * 7) % len(WORDS)]}.",
                priority=priorities[n % 4],
                requested_priority=priorities[n % 4],
                status=(
                    OPEN_STATUSES[n % len(OPEN_STATUSES)]
                    if n > per_client - open_count
                    else Status.CLOSED
                ),
                requester_id=contact.pk,
                assignee_id=member.pk if client.pk == clients[0].pk and n % 3 == 0 else None,
                created_at=now - timedelta(minutes=37 * (per_client - n) + 5),
                updated_at=now - timedelta(minutes=37 * (per_client - n)),
                last_activity_at=now - timedelta(minutes=37 * (per_client - n)),
                opened_at=now - timedelta(minutes=37 * (per_client - n) + 5),
            )
            for client, contact, n in chunk
        )
        SlaClock.objects.bulk_create(
            _clock(issue, clock, now) for issue in issues for clock in template
        )


def _clock(issue: Issue, clock: SlaClock, now) -> SlaClock:
    is_open = issue.status in OPEN_STATUSES
    # Open issues fall due from an hour ago to days ahead, so that some are breached,
    # some at risk and most on track; closed ones stopped when they were closed.
    due_at = issue.created_at + timedelta(seconds=clock.target_seconds * 3)
    return SlaClock(
        issue_id=issue.pk,
        kind=clock.kind,
        state="running" if is_open else "met",
        target_seconds=clock.target_seconds,
        used_seconds=0 if is_open else clock.target_seconds // 2,
        started_at=issue.created_at,
        resumed_at=issue.created_at if is_open else None,
        stopped_at=None if is_open else issue.created_at + timedelta(hours=2),
        due_at=due_at,
        warn_at=due_at - timedelta(seconds=clock.target_seconds // 2),
        next_check_at=due_at if is_open else None,
        snapshot=clock.snapshot,
    )


def _time(client: Client, url: str, query: dict, repeat: int) -> dict:
    """Return the median and p90 server time, the median time in Python, queries and rows.

    The time in Python is the CPU time of this process: on a machine busy with other
    work it shows what the page costs apart from waiting for the database or a core.
    """
    client.get(url, query)  # warm caches: templates, calendars, the database's pages
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, query)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    return {
        "median": statistics.median(timings) * 1000,
        "p90": statistics.quantiles(timings, n=10)[-1] * 1000,
        "python": statistics.median(cpu) * 1000,
        "sql": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "queries": len(queries),
        "rows": response.content.count(b'class="action-select"'),
    }


def _populate(args) -> None:
    """Seed the clients, people and issues."""
    clients, contacts, member = _clients()
    first = services.issue_create(
        client=clients[0], requester=contacts[0], title="Eerste melding",
        description="Met echte SLA-klokken.", priority="P3",
    )  # fmt: skip
    for n in range(3):
        services.comment_create(issue=first, author=member, body=f"Antwoord {n}")
        services.comment_create(issue=first, author=member, body=f"Notitie {n}", is_internal=True)
    template = list(SlaClock.objects.filter(issue=first))
    started = time.perf_counter()
    _seed(
        clients, contacts, member, per_client=args.issues // CLIENTS,
        open_share=args.open_share, template=template,
    )  # fmt: skip
    _copy_clocks_to_issues()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")


def _copy_clocks_to_issues() -> None:
    """Give the bulk-written issues their agreement and the copy of their clocks.

    Without the agreement, beat's roll-over would move every open issue onto it, one by one.
    """
    counting = SlaClock.objects.filter(
        issue=OuterRef("pk"), stopped_at__isnull=True, resumed_at__isnull=False
    ).values("issue")
    Issue.objects.update(
        agreement_id=Subquery(
            Agreement.objects.filter(client_id=OuterRef("client_id")).values("pk")[:1]
        ),
        sla_due_at=Subquery(counting.annotate(at=Min("due_at")).values("at")),
        sla_warn_at=Subquery(counting.annotate(at=Min("warn_at")).values("at")),
    )


def _measure(args, name: str) -> None:
    """Time each page and print a line per page."""
    member = User.objects.get(username="bench-member")
    administrator = User.objects.get(username="bench-admin")
    first = Issue.objects.order_by("pk").first()
    total = Issue.objects.count()
    opened = Issue.objects.filter(status__in=OPEN_STATUSES).count()
    print(
        f"database: {connection.vendor} ({name}); {total} issues, {opened} open, "
        f"{SlaClock.objects.count()} clocks across {CLIENTS} clients; "
        f"{args.repeat} timed requests per figure"
    )
    queue = reverse("admin:tickets_issue_changelist")
    page = reverse("admin:tickets_issue_change", args=[first.pk])
    scenarios = [
        ("member", "queue: open, nearest breach first", queue, {}),
        ("member", "queue: my open issues", queue, {"assignee": "mine"}),
        ("member", "queue: breaching within 1 hour", queue, {"sla": "due_soon"}),
        (
            "member",
            "queue: search text, all statuses",
            queue,
            {"q": "archief", "status": "all"},
        ),
        ("member", "issue page", page, {}),
        ("admin", "queue: open, nearest breach first", queue, {}),
        ("admin", "queue: unassigned", queue, {"assignee": "none"}),
        ("admin", "queue: breaching within 1 hour", queue, {"sla": "due_soon"}),
        ("admin", "queue: all statuses, page 20", queue, {"status": "all", "p": "20"}),
        ("admin", "queue: search reference prefix", queue, {"q": "BAB-2024-019"}),
        ("admin", "queue: search whole reference", queue, {"q": "BAB-2024-01990"}),
        ("admin", "queue: search text, all statuses", queue, {"q": "archief", "status": "all"}),
        ("admin", "issue page", page, {}),
    ]
    browsers = {"member": Client(), "admin": Client()}
    browsers["member"].force_login(member)
    browsers["admin"].force_login(administrator)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'as':<7} {'page':<36} {'median ms':>9} {'p90 ms':>7} {'python ms':>9} "
        f"{'sql ms':>6} {'queries':>7} {'rows':>5}"
    )
    for who, label, url, query in scenarios:
        t = _time(browsers[who], url, query, args.repeat)
        print(
            f"{who:<7} {label:<36} {t['median']:>9.1f} {t['p90']:>7.1f} {t['python']:>9.1f} "
            f"{t['sql']:>6.1f} {t['queries']:>7} {t['rows']:>5}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000, help="issues in all")
    parser.add_argument("--open-share", type=float, default=0.1, help="share of open issues")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per figure")
    parser.add_argument(
        "--keepdb", action="store_true", help="keep the seeded database and use it next time"
    )
    args = parser.parse_args()

    old_name = connection.settings_dict["NAME"]
    name = _database_create(keep=args.keepdb)
    try:
        if not Issue.objects.exists():
            _populate(args)
        _measure(args, name)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
