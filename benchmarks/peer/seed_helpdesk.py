"""Seed django-helpdesk like ``benchmarks/admin_queue.py`` seeds this project, and count queries.

Run by ``benchmarks/helpdesk_compare.py`` with the Python of the throwaway virtualenv that
holds django-helpdesk, from ``benchmarks/peer`` (so that ``helpdesk_site`` imports):

    PEER_DATABASE=bench_peer python seed_helpdesk.py --issues 100000 --open-share 0.4

Migrates the database, writes one queue per client (50) with the same number of tickets
each, the newest share of them open, and the first ticket with six follow-ups (three
public replies, three private notes), as the first issue of the other side has. Then logs
a staff member in and counts the queries of the ticket list, its rows JSON at 25 and 100
rows, and the ticket page, with Django's test client. Prints one line of JSON last: the
session cookie, the ids the benchmark asks for and the query counts.
"""

import argparse
import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

BATCH = 5_000
CLIENTS = 50
WORDS = ["zaaksysteem", "export", "inloggen", "koppeling", "formulier", "logo", "rapport",
         "betaling", "agenda", "archief", "melding", "kaart"]  # fmt: skip
# Open and reopened count as open in django-helpdesk's default list; the rest are done.
OPEN_STATUSES = [Ticket.OPEN_STATUS, Ticket.REOPENED_STATUS]


def _seed(*, issues: int, open_share: float) -> None:
    now = timezone.now()
    staff = User.objects.create_user("bench-staff", "staff@example.org", is_staff=True)
    User.objects.create_superuser("bench-admin", "admin@example.org", None)
    per_queue = issues // CLIENTS
    open_count = int(per_queue * open_share)
    queues = [
        Queue.objects.create(title=f"Gemeente {n:02d}", slug=f"gemeente-{n:02d}")
        for n in range(CLIENTS)
    ]
    rows = [(queue, n) for queue in queues for n in range(1, per_queue + 1)]
    for first in range(0, len(rows), BATCH):
        Ticket.objects.bulk_create(
            Ticket(
                queue_id=queue.pk,
                title=f"Melding {n}: {WORDS[n % len(WORDS)]} werkt niet",
                description=f"Beschrijving van melding {n} over {WORDS[(n * 7) % len(WORDS)]}.",
                priority=1 + n % 4,
                status=(
                    OPEN_STATUSES[n % 2] if n > per_queue - open_count else Ticket.CLOSED_STATUS
                ),
                submitter_email=f"contact-{queue.slug}@example.org",
                assigned_to_id=staff.pk if queue.pk == queues[0].pk and n % 3 == 0 else None,
                created=now - timedelta(minutes=37 * (per_queue - n) + 5),
                modified=now - timedelta(minutes=37 * (per_queue - n)),
            )
            for queue, n in rows[first : first + BATCH]
        )
    first_ticket = Ticket.objects.order_by("pk").first()
    FollowUp.objects.bulk_create(
        FollowUp(
            ticket=first_ticket,
            title="Antwoord" if public else "Notitie",
            comment=f"{'Antwoord' if public else 'Notitie'} {n}",
            public=public,
            user=staff,
            date=now - timedelta(minutes=10 - n),
        )
        for n in range(3)
        for public in (True, False)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _queries(client: Client, ticket: Ticket) -> dict:
    """Count the queries of the list page, its rows at 25 and 100, and the ticket page."""
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/helpdesk/tickets/")
    counts["list_page"] = len(queries)
    rows_url = _rows_url(page.content.decode())
    for length in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(rows_url, {"draw": 1, "start": 0, "length": length})
        assert len(response.json()["data"]) == length, response.content[:200]
        counts[f"rows_{length}"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/helpdesk/tickets/{ticket.pk}/")
    counts["ticket_page"] = len(queries)
    return counts


def _rows_url(html: str) -> str:
    marker = "/helpdesk/datatables_ticket_list/"
    start = html.index(marker)
    return html[start : html.index('"', start)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--open-share", type=float, default=0.4)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Ticket.objects.exists():
        _seed(issues=args.issues, open_share=args.open_share)
    staff = User.objects.get(username="bench-staff")
    ticket = Ticket.objects.order_by("pk").first()
    client = Client()
    client.force_login(staff)
    figures = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "ticket": ticket.pk,
        "queue": ticket.queue_id,
        "issues": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        "queries": _queries(client, ticket),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
