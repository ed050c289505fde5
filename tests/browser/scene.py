"""The data the accessibility walks need, written before the browser starts."""

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from oncall.demo import ROTA, seed_oncall_demo
from oncall.models import Escalation, Rota
from oncall.services import acknowledge_url, escalation_step_run
from sla.models import Tier
from sso.models import IdentityProvider
from tests.factories import StaffFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file, organisation
from tests.two_factor import app_for
from tickets import services as ticket_services
from tickets.choices import Priority

# Sunday 03:00 in Amsterdam: the office is closed, so a P1 of a 24/7 client pages.
SUNDAY_3AM = datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@dataclass
class Scene:
    contact_session: str
    admin_session: str
    staff_session: str
    team_lead_session: str
    administrator_session: str
    owes_code_session: str
    issue_path: str
    staff_issue_path: str
    report_path: str
    evaluation_path: str
    portal_evaluation_path: str
    client_path: str
    agreement_path: str
    rota_path: str
    identity_provider_path: str
    acknowledge_paths: list[str]
    organisation_login_session: str
    organisation_login_email: str


def session_for(user, **data) -> str:
    """Return the key of a logged-in session of ``user``, as the login view would make it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update(data)
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _pages(org, count: int) -> list[str]:
    """Page the on-call engineer ``count`` times; return the acknowledge links' paths."""
    staff = {
        name: StaffFactory(username=name, first_name=name.title())
        for name in ("eva", "frank", "chantal")
    }
    seed_oncall_demo(staff=staff)
    org.agreement.tier = Tier.ROUND_THE_CLOCK
    org.agreement.save(update_fields=["tier"])
    org.agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    paths = []
    for number in range(count):
        issue = ticket_services.issue_create(
            client=org.client,
            requester=org.contact,
            title=f"Burgerportaal onbereikbaar ({number + 1})",
            description="Het burgerportaal geeft een 502 voor alle bezoekers.",
            priority=Priority.P1,
            now=SUNDAY_3AM,
        )
        escalation = Escalation.objects.get(issue=issue)
        # Where a worker already sent the first step when the filing committed, this run
        # finds nothing to do; either way the engineer holds a page.
        outcome = escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM)
        page = escalation.pages.order_by("step_index").first()
        assert page is not None, f"no page was sent: {outcome}"
        paths.append(acknowledge_url(page=page).removeprefix(settings.SITE_URL))
    return paths


def scene(*, acknowledgements: int = 1) -> Scene:
    """Build one client with issues, its people and their sessions, and pages to acknowledge.

    The team lead leads the client's team; the administrator has the role, not a superuser's
    rights, so the admin shows them what it shows the people who run it.
    """
    org = organisation("VRB")
    org.client.name = "Gemeente Vreeburg"
    org.client.save(update_fields=["name"])
    issue = issue_file(org, title="Export naar CSV mist de kolom datum", priority="P3")
    ticket_services.comment_create(issue=issue, author=org.staff, body="We kijken ernaar.")
    issue_file(org, title="Logo in e-mails is onscherp", priority="P4")
    superuser = StaffFactory(username="beheer", is_superuser=True)
    team_lead = give_role(StaffFactory(username="anna", first_name="Anna"), "Team leads")
    org.client.team.members.add(team_lead)
    org.client.team.lead = team_lead
    org.client.team.save(update_fields=["lead"])
    administrator = give_role(StaffFactory(username="ada", first_name="Ada"), "Administrators")
    owes_code = organisation("ZWL").contact
    app_for(owes_code)
    month = issue.created_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    acknowledge_paths = _pages(org, acknowledgements)
    provider = _identity_provider(org.client)
    return Scene(
        contact_session=session_for(org.contact),
        admin_session=session_for(org.admin),
        staff_session=session_for(superuser),
        team_lead_session=session_for(team_lead),
        administrator_session=session_for(administrator),
        owes_code_session=session_for(owes_code),
        issue_path=reverse("portal:issue-detail", args=[issue.reference]),
        staff_issue_path=reverse("admin:tickets_issue_change", args=[issue.pk]),
        report_path=reverse(
            "sla:report",
            kwargs={"client_code": "VRB", "year": f"{month.year}", "month": f"{month.month:02d}"},
        ),
        evaluation_path=reverse(
            "sla:evaluation", kwargs={"client_code": "VRB", "year": f"{month.year}"}
        ),
        portal_evaluation_path=reverse("portal:evaluation", args=[month.year]),
        client_path=reverse("admin:clients_client_change", args=[org.client.pk]),
        agreement_path=reverse("admin:sla_agreement_change", args=[org.agreement.pk]),
        rota_path=reverse("admin:oncall_rota_change", args=[Rota.objects.get(name=ROTA).pk]),
        identity_provider_path=reverse("admin:sso_identityprovider_change", args=[provider.pk]),
        acknowledge_paths=acknowledge_paths,
        organisation_login_session=session_for(
            org.contact, sso={"provider": provider.pk, "id_token": "header.payload.signature"}
        ),
        organisation_login_email="medewerker@vreeburg.nl",
    )


def _identity_provider(client) -> IdentityProvider:
    """The client's own login; its pages are walked, its provider is never reached."""
    base = "https://login.vreeburg.example/oidc"
    return IdentityProvider.objects.create(
        name=client.name,
        client=client,
        issuer=base,
        oidc_client_id="paqt-support",
        oidc_client_secret="not used",
        email_domains=["vreeburg.nl"],
        authorization_endpoint=f"{base}/authorize",
        token_endpoint=f"{base}/token",
        userinfo_endpoint=f"{base}/userinfo",
        jwks_uri=f"{base}/jwks",
        end_session_endpoint=f"{base}/logout",
    )
