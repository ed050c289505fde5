"""Create (or bring up to date) a believable demo: clients, teams, agreements, users, issues."""

import json
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clients.demo_history import seed_history
from clients.models import Client, Team
from oncall.demo import seed_oncall_demo, seed_paging_profiles_demo
from paqt_support.exceptions import ApplicationError
from sla.models import Agreement, Closure, LiberationDay, PriorityTarget, SupportCalendar, Tier
from tickets import services
from tickets.choices import Category, Priority, Status
from tickets.models import Channel, Issue

DEFAULT_PASSWORD = "demo-support-2026"  # noqa: S105 - a demo, documented in the README

WEEKDAYS = range(5)

CALENDARS = {
    "basis": ("Basis: ma-vr 09:00-17:00", {str(d): [["09:00", "17:00"]] for d in WEEKDAYS}),
    "plus": ("Plus: ma-vr 08:00-18:00", {str(d): [["08:00", "18:00"]] for d in WEEKDAYS}),
    "office": ("Kantoor: ma-vr 08:30-17:30", {str(d): [["08:30", "17:30"]] for d in WEEKDAYS}),
}

MEANINGS = {
    Priority.P1: "Productie ligt stil, beveiligingsincident of gegevens in gevaar.",
    Priority.P2: "Een belangrijke functie werkt niet en er is geen omweg.",
    Priority.P3: "Een fout waarvoor een omweg bestaat, of een vraag.",
    Priority.P4: "Een wens, wijzigingsverzoek of iets cosmetisch.",
}

HOUR = 60
DAY = 8 * HOUR
# Business minutes (response, resolution, 24/7) per tier, after the defaults of the domain.
TARGETS = {
    Tier.BASIS: {
        Priority.P1: (1 * HOUR, 4 * HOUR, False),
        Priority.P2: (4 * HOUR, 2 * DAY, False),
        Priority.P3: (1 * DAY, 5 * DAY, False),
        Priority.P4: (2 * DAY, None, False),
    },
    Tier.PLUS: {
        Priority.P1: (30, 4 * HOUR, False),
        Priority.P2: (2 * HOUR, 1 * DAY, False),
        Priority.P3: (4 * HOUR, 3 * DAY, False),
        Priority.P4: (1 * DAY, None, False),
    },
    Tier.ROUND_THE_CLOCK: {
        Priority.P1: (30, 4 * HOUR, True),
        Priority.P2: (2 * HOUR, 1 * DAY, False),
        Priority.P3: (4 * HOUR, 3 * DAY, False),
        Priority.P4: (1 * DAY, None, False),
    },
}

CLIENTS = [
    ("VRB", "Gemeente Vrijburg", Tier.PLUS, "plus"),
    ("NRV", "Gemeente Noorderveen", Tier.BASIS, "basis"),
    ("HLD", "Gemeente Heuvelland", Tier.ROUND_THE_CLOCK, "basis"),
]

# username, first, last, role, client code (contacts) or the team codes (staff)
STAFF = [
    ("admin", "Ada", "Beheer", "administrator", []),
    ("anna", "Anna", "de Vries", "team_lead", ["VRB"]),
    ("bram", "Bram", "Jansen", "team_member", ["VRB", "NRV"]),
    ("chantal", "Chantal", "Bakker", "team_lead", ["NRV", "HLD"]),
    ("daan", "Daan", "Visser", "team_member", ["HLD"]),
    ("eva", "Eva", "Smit", "devops", ["HLD"]),
    ("frank", "Frank", "Mulder", "devops", []),
]
CONTACTS = [
    ("jan.vrb", "Jan", "de Jong", "client_admin", "VRB"),
    ("petra.vrb", "Petra", "van Dijk", "client_contact", "VRB"),
    ("lisa.nrv", "Lisa", "Meijer", "client_admin", "NRV"),
    ("tom.nrv", "Tom", "de Boer", "client_contact", "NRV"),
    ("sanne.hld", "Sanne", "Hendriks", "client_admin", "HLD"),
    ("mark.hld", "Mark", "Peters", "client_contact", "HLD"),
]
GROUPS = {
    "team_member": "Team members",
    "team_lead": "Team leads",
    "devops": "DevOps engineers",
    "administrator": "Administrators",
}

# (client, requester, title, description, priority, category, component, days ago, story)
ISSUES = [
    (
        "VRB",
        "petra.vrb",
        "Zaaksysteem geeft foutmelding bij uploaden documenten",
        "Sinds vanochtend krijgen medewerkers bij het uploaden van een PDF de melding "
        "**Er ging iets mis**. Kleine bestanden lukken wel.\n\n- Browser: Firefox\n- Zaaktype: "
        "Omgevingsvergunning",
        Priority.P2,
        Category.INCIDENT,
        "Open Zaak",
        1,
        "replied",
    ),
    (
        "VRB",
        "jan.vrb",
        "Nieuwe medewerker toegang geven tot Open Formulieren",
        "Kunnen jullie uitleggen hoe wij zelf een nieuwe beheerder toevoegen?",
        Priority.P3,
        Category.QUESTION,
        "Open Formulieren",
        6,
        "waiting",
    ),
    (
        "VRB",
        "petra.vrb",
        "Logo op het aanvraagformulier vervangen",
        "Graag het nieuwe gemeentelogo (bijgevoegd in de huisstijlgids) gebruiken.",
        Priority.P4,
        Category.CHANGE_REQUEST,
        "Open Formulieren",
        20,
        "resolved",
    ),
    (
        "NRV",
        "tom.nrv",
        "Meldingen openbare ruimte komen niet binnen",
        "Burgers krijgen een bevestiging, maar de meldingen verschijnen niet in de backoffice.",
        Priority.P2,
        Category.INCIDENT,
        "Signalen",
        0,
        "new",
    ),
    (
        "NRV",
        "lisa.nrv",
        "Exportfunctie rapportage per wijk",
        "Wij willen graag een CSV-export van meldingen per wijk.",
        Priority.P4,
        Category.CHANGE_REQUEST,
        "Signalen",
        12,
        "in_progress",
    ),
    (
        "HLD",
        "sanne.hld",
        "Burgerportaal onbereikbaar",
        "Het burgerportaal geeft een 502 Bad Gateway voor alle bezoekers.",
        Priority.P1,
        Category.INCIDENT,
        "Mijn Heuvelland",
        3,
        "resolved",
    ),
    (
        "HLD",
        "mark.hld",
        "Vraag over bewaartermijnen in het zaaksysteem",
        "Welke bewaartermijn staat er ingesteld voor zaaktype Melding?",
        Priority.P3,
        Category.QUESTION,
        "Open Zaak",
        2,
        "new",
    ),
]


class Command(BaseCommand):
    help = "Create the demo clients, teams, agreements, users and issues. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password for every demo account (default: {DEFAULT_PASSWORD})",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the accounts as JSON on stdout"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="do nothing but list the accounts when the demo exists already",
        )

    def handle(self, *args, password: str, json: bool, once: bool, **options):
        # The demo's accounts, an administrator among them, share a password printed in the
        # README: in production they would be the first way in.
        if settings.IS_PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run when DJANGO_ENV=production: demo data is for local "
                "mode and docker-compose.demo.yml."
            )
        if len(password) < 8:
            raise CommandError("--password must be at least 8 characters long.")
        already = Client.objects.filter(code__in=[c[0] for c in CLIENTS]).exists()
        if not (once and already):
            with transaction.atomic():
                accounts = self._seed(password)
        else:
            accounts = self._accounts()
            admin = User.objects.filter(username=STAFF[0][0]).first()
            if admin is None or not admin.check_password(password):
                password = "(set earlier with seed_demo --password)"  # noqa: S105
        if json:
            self.stdout.write(_json_dumps({"password": password, "accounts": accounts}))
        else:
            self._print_table(accounts, password)

    def _seed(self, password: str) -> list[dict]:
        calendars = {}
        for key, (name, hours) in CALENDARS.items():
            calendars[key], _ = SupportCalendar.objects.update_or_create(
                name=name,
                defaults={"weekly_hours": hours, "liberation_day": LiberationDay.LUSTRUM},
            )
        for calendar in calendars.values():
            year = timezone.localdate().year
            Closure.objects.get_or_create(
                calendar=calendar,
                starts_on=date(year, 12, 28),
                ends_on=date(year, 12, 31),
                defaults={"reason": "Kerstsluiting"},
            )

        groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUPS.items()}
        staff = {}
        for username, first, last, role, _codes in STAFF:
            user = self._user(username, first, last, password, is_staff=True, client=None)
            if role == "administrator":
                user.is_superuser = True
                user.save(update_fields=["is_superuser"])
            user.groups.add(groups[role])
            staff[username] = user

        seed_oncall_demo(staff=staff)
        seed_paging_profiles_demo(staff=staff)

        clients = {}
        for code, name, tier, calendar_key in CLIENTS:
            client, _ = Client.objects.update_or_create(code=code, defaults={"name": name})
            clients[code] = client
            team, _ = Team.objects.update_or_create(
                client=client, defaults={"name": f"Team {name.split()[-1]}"}
            )
            members = [staff[s[0]] for s in STAFF if code in s[4]]
            team.members.add(*members)
            lead = next((staff[s[0]] for s in STAFF if code in s[4] and s[3] == "team_lead"), None)
            if lead and team.lead_id != lead.pk:
                team.lead = lead
                team.save(update_fields=["lead"])
            self._agreement(client, tier, calendars[calendar_key])

        contacts = {}
        for username, first, last, role, code in CONTACTS:
            user = self._user(username, first, last, password, is_staff=False, client=clients[code])
            if user.is_client_admin != (role == "client_admin"):
                user.is_client_admin = role == "client_admin"
                user.save(update_fields=["is_client_admin"])
            contacts[username] = user

        seed_history(clients=clients, contacts=contacts, now=timezone.now())
        for spec in ISSUES:
            self._issue(clients, contacts, staff, *spec)
        return self._accounts()

    def _user(self, username, first, last, password, *, is_staff, client) -> User:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username.replace('.', '-')}@example.org",
                "is_staff": is_staff,
                "client": client,
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _agreement(self, client: Client, tier: str, calendar: SupportCalendar) -> None:
        agreement, _ = Agreement.objects.update_or_create(
            client=client,
            name=f"SLA {client.name} ({Tier(tier).label})",
            defaults={"tier": tier, "calendar": calendar, "valid_from": date(2025, 1, 1)},
        )
        for priority, (response, resolution, round_the_clock) in TARGETS[tier].items():
            PriorityTarget.objects.update_or_create(
                agreement=agreement,
                priority=priority,
                defaults={
                    "first_response_minutes": response,
                    "resolution_minutes": resolution,
                    "is_round_the_clock": round_the_clock,
                    "description": MEANINGS[priority],
                },
            )

    def _issue(
        self,
        clients,
        contacts,
        staff,
        code,
        requester,
        title,
        description,
        priority,
        category,
        component,
        days_ago,
        story,
    ) -> None:
        client = clients[code]
        if Issue.objects.filter(client=client, title=title).exists():
            return
        team = client.team
        engineer = team.lead or team.members.first()
        filed = timezone.now() - timedelta(days=days_ago, hours=2)
        try:
            issue = services.issue_create(
                client=client,
                requester=contacts[requester],
                title=title,
                description=description,
                priority=priority,
                category=category,
                component=component,
                now=filed,
            )
            if story == "new":
                return
            at = filed + timedelta(minutes=25)
            services.issue_assign(issue=issue, actor=engineer, assignee=engineer, now=at)
            services.issue_change_status(
                issue=issue, actor=engineer, status=Status.TRIAGED, channel=Channel.ADMIN, now=at
            )
            services.comment_create(
                issue=issue,
                author=engineer,
                body="Dank voor je melding. We kijken ernaar en laten zo snel mogelijk iets weten.",
                channel=Channel.ADMIN,
                now=at + timedelta(minutes=5),
            )
            services.comment_create(
                issue=issue,
                author=engineer,
                body="Lijkt op de proxy-instellingen van de laatste release; logs opgevraagd.",
                is_internal=True,
                channel=Channel.ADMIN,
                now=at + timedelta(minutes=7),
            )
            if story == "replied":
                return
            if story == "waiting":
                services.issue_change_status(
                    issue=issue,
                    actor=engineer,
                    status=Status.WAITING_ON_CLIENT,
                    channel=Channel.ADMIN,
                    now=at + timedelta(hours=1),
                )
                return
            services.issue_change_status(
                issue=issue,
                actor=engineer,
                status=Status.IN_PROGRESS,
                channel=Channel.ADMIN,
                now=at + timedelta(hours=1),
            )
            if story == "resolved":
                services.comment_create(
                    issue=issue,
                    author=engineer,
                    body="Opgelost in release 2.4.1. Wil je controleren of het nu werkt?",
                    channel=Channel.ADMIN,
                    now=at + timedelta(hours=3),
                )
                services.issue_change_status(
                    issue=issue,
                    actor=engineer,
                    status=Status.RESOLVED,
                    channel=Channel.ADMIN,
                    now=at + timedelta(hours=3, minutes=1),
                )
        except ApplicationError as exc:
            raise CommandError(f"demo issue {title!r}: {exc.message}") from exc

    def _accounts(self) -> list[dict]:
        accounts = []
        roles = {s[0]: s[3] for s in STAFF} | {c[0]: c[3] for c in CONTACTS}
        users = (
            User.objects.filter(username__in=roles)
            .select_related("client")
            .prefetch_related("teams__client")
            .order_by("-is_staff", "client__code", "username")
        )
        for user in users:
            accounts.append(
                {
                    "username": user.username,
                    "role": roles[user.username],
                    "client": user.client.code if user.client else None,
                    "clients": sorted(t.client.code for t in user.teams.all()),
                    "is_staff": user.is_staff,
                }
            )
        return accounts

    def _print_table(self, accounts: list[dict], password: str) -> None:
        self.stdout.write(self.style.SUCCESS("Demo accounts") + f"  (password: {password})")
        for a in accounts:
            where = a["client"] or ", ".join(a["clients"]) or "-"
            self.stdout.write(f"  {a['username']:<12} {a['role']:<15} {where}")


def _json_dumps(data) -> str:
    return json.dumps(data, indent=2)
