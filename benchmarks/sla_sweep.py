"""Time the SLA sweep over a large table of clocks on PostgreSQL and print the figures.

Seeds ``--count`` open issues with two clocks each (a first-response and a resolution
clock, mostly far from due) into a scratch database created next to the one in
DATABASE_URL, makes ``--due`` of them due now, and times the due-set query and whole
sweeps. The scratch database is dropped afterwards unless ``--keep`` is given.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/sla_sweep.py --count 1000000
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The sweep runs at this instant; all seeded times are relative to it.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="open issues to seed")
    parser.add_argument("--due", type=int, default=100, help="clocks due at the sweep")
    parser.add_argument("--repeat", type=int, default=20, help="timings of the due-set query")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


def _scratch_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_execute(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def _seed(*, count: int, due: int) -> None:
    from django.db import connection

    from sla import policy
    from tests.factories import (
        ContactFactory,
        StaffFactory,
        TeamFactory,
        agreement_with_targets,
    )

    lead = StaffFactory(username="lead", email="lead@example.org")
    team = TeamFactory(lead=lead, members=[StaffFactory(username="engineer")])
    agreement = agreement_with_targets(team.client)
    requester = ContactFactory(client=team.client)
    spec = policy.always_open_spec("Europe/Amsterdam")
    spec["weekly_hours"] = {str(d): [["09:00", "17:00"]] for d in range(5)}
    spec["closed_dates"] = [f"{y}-12-25" for y in (2026, 2027, 2028)] * 11
    snapshot = json.dumps(
        {
            "agreement": {"id": agreement.pk, "name": agreement.name, "tier": agreement.tier},
            "priority": "P3",
            "first_response_minutes": 480,
            "resolution_minutes": 2400,
            "is_round_the_clock": False,
            "calendar": spec,
        }
    )
    params = {
        "client": team.client.pk,
        "code": team.client.code,
        "requester": requester.pk,
        "agreement": agreement.pk,
        "count": count,
        "due": due,
        "now": NOW,
        "snapshot": snapshot,
    }
    with connection.cursor() as cursor:
        # Server-side bulk inserts: generate_series builds every row inside PostgreSQL.
        cursor.execute(
            """
            INSERT INTO tickets_issue (
                client_id, reference, year, sequence, title, description, description_html,
                category, component,
                priority, requested_priority, status, requester_id, agreement_id, channel,
                created_at, updated_at, last_activity_at, opened_at, sla_missed, version
            )
            SELECT %(client)s, %(code)s || '-2026-' || g, 2026, g, 'Issue ' || g, 'Seeded',
                   '<p>Seeded</p>', 'incident', '', 'P3', 'P3',
                   CASE WHEN g %% 7 = 0 THEN 'waiting_on_client' ELSE 'in_progress' END,
                   %(requester)s, %(agreement)s, 'portal',
                   %(now)s - interval '1 day', %(now)s, %(now)s,
                   %(now)s - interval '1 day', FALSE, 1
            FROM generate_series(1, %(count)s) AS g
            """,
            params,
        )
        # Per issue: a response clock (stopped in time for 70%, else counting) and a
        # resolution clock (paused while waiting on the client, else counting), with due
        # times spread over the next two weeks; the last `due` issues fall due now.
        cursor.execute(
            """
            INSERT INTO sla_slaclock (
                issue_id, kind, state, target_seconds, used_seconds, started_at, resumed_at,
                stopped_at, due_at, warn_at, next_check_at, warned_at, breached_at, snapshot
            )
            SELECT i.id, 'response',
                   CASE WHEN i.sequence %% 10 < 7 THEN 'met' ELSE 'running' END,
                   28800, 0, i.created_at,
                   CASE WHEN i.sequence %% 10 < 7 THEN NULL ELSE i.created_at END,
                   CASE WHEN i.sequence %% 10 < 7 THEN i.created_at + interval '1 hour' END,
                   d.due_at, d.due_at - interval '2 hours',
                   CASE WHEN i.sequence %% 10 >= 7 THEN d.due_at - interval '2 hours' END,
                   NULL::timestamptz, NULL::timestamptz, %(snapshot)s::jsonb
            FROM tickets_issue i
            CROSS JOIN LATERAL (
                SELECT %(now)s + (i.sequence %% 20160 + 180) * interval '1 minute' AS due_at
            ) d
            WHERE i.sequence <= %(count)s - %(due)s
            UNION ALL
            SELECT i.id, 'resolution',
                   CASE WHEN i.status = 'waiting_on_client' THEN 'paused' ELSE 'running' END,
                   144000, 3600, i.created_at,
                   CASE WHEN i.status = 'waiting_on_client' THEN NULL ELSE i.created_at END,
                   NULL::timestamptz,
                   CASE WHEN i.status = 'waiting_on_client' THEN NULL ELSE d.due_at END,
                   CASE WHEN i.status = 'waiting_on_client' THEN NULL
                        ELSE d.due_at - interval '10 hours' END,
                   CASE WHEN i.status = 'waiting_on_client' THEN NULL
                        ELSE d.due_at - interval '10 hours' END,
                   NULL, NULL, %(snapshot)s::jsonb
            FROM tickets_issue i
            CROSS JOIN LATERAL (
                SELECT %(now)s + (i.sequence %% 20160 + 720) * interval '1 minute' AS due_at
            ) d
            WHERE i.sequence <= %(count)s - %(due)s
            UNION ALL
            SELECT i.id, 'response', 'running', 28800, 0, i.created_at, i.created_at, NULL,
                   %(now)s + interval '1 hour', %(now)s - interval '1 minute',
                   %(now)s - interval '1 minute', NULL, NULL, %(snapshot)s::jsonb
            FROM tickets_issue i
            WHERE i.sequence > %(count)s - %(due)s
            """,
            params,
        )
        cursor.execute("ANALYZE tickets_issue")
        cursor.execute("ANALYZE sla_slaclock")


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from sla.models import SlaClock
    from sla.selectors import sla_clocks_due
    from sla.services import sla_clocks_sweep
    from sla.tasks import sla_clock_notices_task

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The sweep hands each batch's emails over as one task on commit; a worker fans them
    # out and sends them later. Collect them here instead, so that the figures are the
    # sweep's and nothing reaches a real broker.
    queued = []
    sla_clock_notices_task.delay = lambda notices: queued.extend(notices)

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    _seed(count=args.count, due=args.due)
    clocks = SlaClock.objects.count()
    print(
        f"seeded {args.count:,} open issues, {clocks:,} clocks, {args.due} due "
        f"in {time.perf_counter() - started:.1f} s"
    )

    timings = []
    for _ in range(args.repeat):
        seconds, due = _timed(lambda: list(sla_clocks_due(now=NOW)))
        timings.append(seconds)
    print(
        f"due-set query ({len(due)} rows): median {statistics.median(timings) * 1000:.2f} ms, "
        f"max {max(timings) * 1000:.2f} ms over {args.repeat} runs"
    )
    print("plan:")
    print(sla_clocks_due(now=NOW).explain(analyze=True, buffers=True))

    seconds, sent = _timed(lambda: sla_clocks_sweep(now=NOW))
    print(
        f"sweep with {args.due} due: {sent} notices recorded, {len(queued)} emails queued, "
        f"in {seconds * 1000:.1f} ms"
    )
    seconds, sent = _timed(lambda: sla_clocks_sweep(now=NOW + timedelta(seconds=30)))
    print(f"sweep with nothing due: {sent} notices in {seconds * 1000:.2f} ms")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('sla_slaclock_next_check')), "
            "pg_size_pretty(pg_relation_size('sla_slaclock_due')), "
            "pg_size_pretty(pg_total_relation_size('sla_slaclock'))"
        )
        next_check, due_index, table = cursor.fetchone()
    print(f"sizes: next_check index {next_check}, due index {due_index}, table {table}")
    connection.close()


def main() -> None:
    args = _parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1/postgres"
        )
    name = f"paqt_bench_sla_{os.getpid()}"
    _admin_execute(url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _scratch_url(url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")
    try:
        _run(args)
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            from django.db import connections

            connections.close_all()
            _admin_execute(url, f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
