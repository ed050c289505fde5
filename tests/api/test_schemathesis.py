"""Fuzz every operation of the OpenAPI document: no 5xx, every answer as documented."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.services import api_token_create
from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from oncall.demo import seed_oncall_demo
from oncall.models import Escalation, OncallSettings
from sla.models import Tier
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tests.organisations import give_role
from tests.portal.helpers import png
from tickets import services as ticket_services
from tickets.choices import Priority

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def _keep_test_connection():
    """Keep the test's database connection open across the fuzzer's WSGI calls.

    Django closes connections when a request ends; inside a test's transaction that
    ends the test's data on PostgreSQL. Django's own test client unhooks this the same way.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(db, settings, _keep_test_connection):
    """Seed one client with an issue, a reply, a file and a running escalation.

    The fuzzer acts as an administrator, who may see and change all of it.
    """
    # Many requests from one token and one address: limits are tested elsewhere.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None, "ip": None},
    }
    staff = {name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    team = TeamFactory(members=[staff["eva"]])
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    seed_oncall_demo(staff=staff)
    OncallSettings.objects.update(office_closed=True)
    contact = ContactFactory(client=team.client)
    issue = ticket_services.issue_create(
        client=team.client,
        requester=contact,
        title="Burgerportaal onbereikbaar",
        description="Alle bezoekers krijgen een 502.",
        priority=Priority.P1,
    )
    comment = ticket_services.comment_create(
        issue=issue, author=contact, body="Nog steeds stuk.", files=[png()]
    )
    administrator = give_role(StaffFactory(username="beheer"), "Administrators")
    _token, secret = api_token_create(user=administrator, name="fuzz")
    sources = {
        kind: monitoring_source_create(
            client=team.client, kind=kind, name=kind, default_priority=Priority.P3
        )[1]
        for kind in SourceKind.values
    }
    return {
        "token": secret,
        "sources": sources,
        "reference": issue.reference,
        "code": team.client.code,
        "year": str(timezone.localtime(issue.created_at).year),
        "ids": {
            "comments": comment.pk,
            "attachments": comment.attachments.get().pk,
            "escalations": Escalation.objects.get(issue=issue).pk,
            "teams": team.pk,
            "agreements": agreement.pk,
        },
    }


def _point_at_real_objects(case, world) -> None:
    """Aim about half the generated ids at existing objects, so that more than 404 is met.

    Only in cases meant to be valid: a case built to break the schema must stay broken.
    """
    params = case.path_parameters or {}
    if not case.meta.generation.mode.is_positive:
        return
    if "reference" in params:
        params["reference"] = world["reference"]
    if "code" in params and len(params["code"]) % 2:
        params["code"] = world["code"]
    if "year" in params and int(params["year"]) % 2:
        params["year"] = world["year"]
    if "pk" in params and params["pk"] % 2:
        collection = case.path.split("/")[-2 if case.path.endswith("{pk}") else -3]
        params["pk"] = world["ids"].get(collection, params["pk"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_as_documented(case, world):
    _point_at_real_objects(case, world)
    secret = world["token"]
    if case.path.startswith("/api/v1/monitoring/"):
        secret = world["sources"][case.path.rsplit("/", 1)[-1]]
    # Left out: "schema-valid input is accepted". A schema cannot say which client codes
    # or usernames exist, so a valid-looking unknown one rightly answers 400.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret}"},
        excluded_checks=[positive_data_acceptance],
    )
