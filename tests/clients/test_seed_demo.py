"""The seed_demo command: a believable demo, idempotent, with a JSON account list."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from clients.models import Client
from sla.evaluation import sla_evaluation
from sla.models import Agreement
from tickets.models import Issue, IssueCounter

pytestmark = pytest.mark.django_db


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_clients_teams_agreements_users_and_issues():
    _seed()
    assert Client.objects.count() >= 2
    for client in Client.objects.all():
        assert client.team.members.exists()
        assert client.contacts.exists()
    assert Agreement.objects.values("tier").distinct().count() >= 2
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert len(statuses) >= 3


def test_seed_demo_twice_duplicates_nothing():
    _seed()
    counts = (User.objects.count(), Client.objects.count(), Issue.objects.count())
    _seed()
    assert (User.objects.count(), Client.objects.count(), Issue.objects.count()) == counts


def test_seed_demo_json_lists_every_account_in_the_documented_shape():
    data = json.loads(_seed("--json", "--password", "een-ander-wachtwoord"))
    assert data["password"] == "een-ander-wachtwoord"
    accounts = {a["username"]: a for a in data["accounts"]}
    assert set(accounts) == set(User.objects.values_list("username", flat=True))
    for account in data["accounts"]:
        assert set(account) == {"username", "role", "client", "clients", "is_staff"}
    contact = next(a for a in data["accounts"] if not a["is_staff"])
    assert contact["client"] is not None
    assert contact["clients"] == []
    staff = next(a for a in data["accounts"] if a["role"] == "team_member")
    assert staff["client"] is None
    assert staff["clients"]
    user = User.objects.get(username=contact["username"])
    assert user.check_password("een-ander-wachtwoord")


def test_seed_demo_once_leaves_existing_data_and_passwords_alone():
    _seed("--password", "eerste-wachtwoord")
    _seed("--once", "--password", "tweede-wachtwoord")
    assert User.objects.get(username="admin").check_password("eerste-wachtwoord")


def test_seed_demo_refuses_a_short_password():
    with pytest.raises(CommandError, match="at least 8 characters"):
        _seed("--password", "kort")


def test_seed_demo_includes_a_rota_a_policy_and_a_client_covered_24_7():
    from oncall.models import EscalationPolicy, OncallSettings, Rota
    from sla.models import PriorityTarget

    _seed()
    assert Rota.objects.filter(layers__members__isnull=False).exists()
    assert EscalationPolicy.objects.filter(steps__isnull=False).exists()
    assert OncallSettings.objects.filter(office_calendar__isnull=False).exists()
    assert PriorityTarget.objects.filter(is_round_the_clock=True).exists()


def test_seed_demo_refuses_in_production_and_creates_nothing(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run when DJANGO_ENV=production"):
        _seed("--once")
    assert not User.objects.exists()
    assert not Client.objects.exists()


def test_seed_demo_writes_a_year_of_history_the_evaluation_reads():
    call_command("seed_demo", stdout=StringIO())
    now = timezone.now()
    client = Client.objects.get(code="VRB")

    evaluation = sla_evaluation(
        client=client,
        starts_on=(now - timedelta(days=365)).date(),
        ends_on=now.date(),
        now=now,
    )

    filed = {timezone.localtime(i.created_at).month for i in Issue.objects.filter(client=client)}
    assert len(filed) == 12
    assert evaluation.total.issues > 200
    assert evaluation.breaches
    assert evaluation.paging
    assert evaluation.alerts_resolved
    assert evaluation.reprioritised


def test_the_history_keeps_the_numbering_counters_ahead_of_every_issue():
    call_command("seed_demo", stdout=StringIO())

    highest = Issue.objects.values("client_id", "year").annotate(top=Max("sequence"))
    counters = {(c.client_id, c.year): c.last_sequence for c in IssueCounter.objects.all()}
    assert {(h["client_id"], h["year"]): h["top"] for h in highest} == counters
