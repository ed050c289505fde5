"""Every admin URL, walked anonymously and by people of another client: none shows client A's data.

The URLs come from the admin site itself, not from a list kept here: ``AdminSite.get_urls()``
(index, login, logout, password change, jsi18n, the app lists, view-on-site, autocomplete
and the final catch-all) and ``get_urls()`` of every ModelAdmin in ``admin.site._registry``,
custom views included. A page added to the admin is walked without touching this module;
a URL parameter that is not an object id must be declared in ``POINTS_AT``.

Client A owns a full data set whose names carry markers ("quokka..."); shared objects of the
provider carry "wombat...". Each URL is tried by three people:

- an anonymous visitor: sent to the admin's login (or 403/404), and no marker in the answer;
- a contact of client B: the same, since contacts never reach the admin;
- a staff member on client B's team only, in every staff role but Administrators: A's
  objects (change, delete, history, custom object views, view-on-site) answer 302/403/404;
  lists, searches (``?q=<marker>``), autocompletes and actions show and change nothing of A.

Which admin models are client data decides whether the staff walk applies:

- client data: clients, teams, agreements, SLA clocks, issues (and their attachments),
  escalations (each pages about one issue), monitoring sources and alerts, API tokens and
  users (a contact belongs to its client; a token acts as its user), the audit trail (it
  names the client and its objects), django-axes' login records (they name a contact), and
  the mail sent and received (it is about the client's issues).
- not client data, shared by all staff, so only the anonymous and contact walks apply:
  support calendars (one calendar serves the agreements of many clients), the on-call rota
  and its layers, escalation policies and the on-call settings (how the provider runs its
  own duty), and groups (the staff roles).

A model the admin registers that is in neither set fails
``test_every_admin_model_is_classified``: decide which it is, and add A's object of it to
``_client_a`` or ``_shared_objects``.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import URLResolver, reverse
from django.utils import timezone

from accounts.models import User
from api.services import api_token_create
from monitoring.models import MonitoringAlert, SourceKind
from monitoring.services import monitoring_source_create
from oncall.models import ChannelHealth, OncallSettings, Page, PagingProfile
from sso.models import IdentityProvider
from tests.factories import (
    ClientFactory,
    ContactFactory,
    EscalationFactory,
    EscalationPolicyFactory,
    RotaFactory,
    RotaLayerFactory,
    StaffFactory,
    SupportCalendarFactory,
    TeamFactory,
    agreement_with_targets,
)
from tests.organisations import give_role
from tests.portal.helpers import issue_file, organisation, png
from tickets import services
from webhooks.models import WebhookDelivery, WebhookEndpoint

CLIENT_DATA = frozenset(
    {
        "accounts.user",
        "api.apitoken",
        "audit.auditentry",
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "clients.client",
        "clients.team",
        "mail.inboundmessage",
        "mail.outboxmessage",
        "monitoring.monitoringalert",
        "monitoring.monitoringsource",
        "oncall.escalation",
        "sla.agreement",
        "sla.slaclock",
        "sso.identityprovider",
        "tickets.issue",
        "webhooks.webhookdelivery",
        "webhooks.webhookendpoint",
    }
)
NOT_CLIENT_DATA = frozenset(
    {
        "auth.group",
        "oncall.channelhealth",
        "oncall.escalationpolicy",
        "oncall.oncallsettings",
        "oncall.pagingprofile",
        "oncall.rota",
        "oncall.rotalayer",
        "sla.supportcalendar",
    }
)
# What a URL parameter other than the admin's own object id points at, per URL.
POINTS_AT = {
    "admin:tickets_issue_attachment": "tickets.attachment",
}
OWN_OBJECT_PARAMS = ("object_id", "id")
# Every staff role but Administrators, who see all clients by design.
STAFF_ROLES = ("Team members", "Team leads", "DevOps engineers")

REFUSED = {302, 403, 404}
# A page without an object may show the staff member's own data; 405 is a POST-only view.
PAGE_ANSWERS = {200, 302, 403, 404, 405}


@dataclass(frozen=True)
class AdminUrl:
    """One URL of the admin, as found on the site; ``model`` is whose data it shows."""

    id: str
    # "model" (a ModelAdmin's own URL), "site" (AdminSite's), "app_list", "view_on_site",
    # "autocomplete" or "catch_all".
    kind: str
    model: str | None = None
    route: str = ""
    name: str | None = None
    arg: str = ""

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    @property
    def is_client_data(self) -> bool:
        return self.model is None or self.model in CLIENT_DATA


def _label(model) -> str:
    return model._meta.label_lower


def _autocomplete_sources() -> list[tuple[str, str]]:
    """Return (source model label, field) of every relation the admin may autocomplete.

    The autocomplete view answers for any relation whose target the admin registers with
    search fields; those of the admin's models and of their inlines are the ones its
    widgets ask about.
    """
    registry = admin.site._registry
    sources = set(registry)
    for model_admin in registry.values():
        sources.update(inline.model for inline in model_admin.inlines)
    found = []
    for model in sorted(sources, key=_label):
        for relation in model._meta.get_fields():
            if not (relation.is_relation and relation.concrete):
                continue
            target = registry.get(relation.remote_field.model)
            if target is not None and target.search_fields:
                found.append((_label(model), relation.name))
    return found


def _admin_urls() -> list[AdminUrl]:
    """Return every URL of ``admin.site``: its own views and every ModelAdmin's."""
    registry = admin.site._registry
    found = []
    for model, model_admin in registry.items():
        label = _label(model)
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            name = f"admin:{pattern.name}" if pattern.name else f"admin:{label}[{route}]"
            found.append(AdminUrl(name, "model", label, route, pattern.name))
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLResolver):
            continue  # A ModelAdmin's include: walked above from its get_urls().
        if pattern.name == "app_list":
            for app_label in sorted({m._meta.app_label for m in registry}):
                found.append(AdminUrl(f"admin:app_list[{app_label}]", "app_list", arg=app_label))
        elif pattern.name == "view_on_site":
            for model in registry:
                label = _label(model)
                found.append(AdminUrl(f"admin:view_on_site[{label}]", "view_on_site", label))
        elif pattern.name == "autocomplete":
            for source, field_name in _autocomplete_sources():
                model = apps.get_model(source)
                target = _label(model._meta.get_field(field_name).remote_field.model)
                found.append(
                    AdminUrl(
                        f"admin:autocomplete[{source}.{field_name}]",
                        "autocomplete",
                        target,
                        arg=f"{source}.{field_name}",
                    )
                )
        elif pattern.name is None:
            found.append(AdminUrl("admin:catch-all", "catch_all"))
        else:
            found.append(AdminUrl(f"admin:{pattern.name}", "site", name=pattern.name))
    return found


URLS = _admin_urls()


@dataclass
class World:
    """Client A's objects by model label, the markers they carry, and client B's people."""

    objects: dict[str, models.Model]
    markers: list[str]
    shared_markers: list[str]
    search_terms: list[str]
    other_contact: User
    other_staff: User


def _registered(label: str) -> bool:
    return any(_label(model) == label for model in admin.site._registry)


def _shared_objects() -> dict[str, models.Model]:
    """Create the provider's own, shared objects, each named "wombat...".

    The on-call settings are one row; the rota, policy and calendar are found through it.
    """
    calendar = SupportCalendarFactory(name="Wombatkalender")
    policy = EscalationPolicyFactory(name="Wombatbeleid")
    layer = RotaLayerFactory(rota=RotaFactory(name="Wombatrooster"), name="Wombatlaag")
    oncall_settings, _ = OncallSettings.objects.update_or_create(
        pk=OncallSettings.SINGLETON_ID, defaults={"office_calendar": calendar, "policy": policy}
    )
    return {
        "sla.supportcalendar": calendar,
        "oncall.escalationpolicy": policy,
        "oncall.rota": layer.rota,
        "oncall.rotalayer": layer,
        "oncall.oncallsettings": oncall_settings,
        "oncall.pagingprofile": PagingProfile.objects.create(
            user=StaffFactory(username="wombat-engineer"), channels=["email"]
        ),
        "oncall.channelhealth": ChannelHealth.objects.create(
            channel="webhook", last_error="Wombatfout"
        ),
        "auth.group": Group.objects.create(name="Wombatgroep"),
    }


def _client_a(calendar) -> tuple[dict[str, models.Model], list[str]]:
    """Create client A with all its data; return its objects by label and their markers."""
    client = ClientFactory(code="QUOKKA", name="Gemeente Quokkadam")
    # A's staff are the provider's people, not client data: no marker in their names.
    staff = give_role(StaffFactory(username="staff-a"), "Team members")
    team = TeamFactory(client=client, name="Team Quokkadienst", lead=staff, members=[staff])
    agreement = agreement_with_targets(client, name="SLA Quokkaplus", calendar=calendar)
    contact = ContactFactory(
        client=client,
        username="quokka.contact",
        first_name="Quintijn",
        last_name="Quokkaert",
    )
    ContactFactory(client=client, username="quokka.beheer", is_client_admin=True)
    issue = services.issue_create(
        client=client,
        requester=contact,
        title="Quokkastoring in het zaaksysteem",
        description="Quokkageheim: het zaaksysteem toont andermans zaken.",
        priority="P3",
        files=[png("quokkabewijs.png")],
    )
    services.comment_create(
        issue=issue, author=contact, body="Quokkareactie", files=[png("quokkabijlage.png")]
    )
    services.comment_create(issue=issue, author=staff, body="Quokkanotitie", is_internal=True)
    escalation = EscalationFactory(issue=issue, acknowledged_by=staff)
    Page.objects.create(
        escalation=escalation, step_index=0, recipient=staff, sent_at=timezone.now()
    )
    token, _secret = api_token_create(user=contact, name="Quokkasleutel")
    source, _secret = monitoring_source_create(
        client=client, kind=SourceKind.ALERTMANAGER, name="Quokkabewaking", default_priority="P3"
    )
    now = timezone.now()
    alert = MonitoringAlert.objects.create(
        source=source,
        fingerprint="quokkavingerafdruk",
        issue=issue,
        first_fired_at=now,
        last_fired_at=now,
        last_received_at=now,
    )
    endpoint = WebhookEndpoint.objects.create(
        client=client, url="https://quokka.example.org/hook", event_kinds=["issue.filed"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        issue=issue,
        kind="issue.filed",
        body=f'{{"issue": {{"reference": "{issue.reference}"}}}}',
        created_at=now,
    )
    identity_provider = IdentityProvider.objects.create(
        name="Quokkadam login",
        client=client,
        issuer="https://login.quokka.example.org",
        oidc_client_id="quokka-client",
        oidc_client_secret="quokkageheim",
        email_domains=["quokka.example.org"],
        authorization_endpoint="https://login.quokka.example.org/authorize",
        token_endpoint="https://login.quokka.example.org/token",
        userinfo_endpoint="https://login.quokka.example.org/userinfo",
        jwks_uri="https://login.quokka.example.org/jwks",
    )
    objects = {
        "clients.client": client,
        "clients.team": team,
        "sla.agreement": agreement,
        "accounts.user": contact,
        "tickets.issue": issue,
        "tickets.attachment": issue.attachments.order_by("pk").first(),
        "sla.slaclock": issue.sla_clocks.order_by("pk").first(),
        "oncall.escalation": escalation,
        "api.apitoken": token,
        "monitoring.monitoringsource": source,
        "monitoring.monitoringalert": alert,
        "webhooks.webhookendpoint": endpoint,
        "webhooks.webhookdelivery": delivery,
        "sso.identityprovider": identity_provider,
    }
    markers = [
        "quokka",
        "quokkadam",
        issue.reference,
        "quokkastoring",
        "quokkageheim",
        "quokkareactie",
        "quokkanotitie",
        "quokkabewijs",
        "quokkabijlage",
        "quokka.contact",
        "quokkaert",
        "quokka.beheer",
        "quokkadienst",
        "quokkaplus",
        "quokkasleutel",
        token.prefix,
        "quokkabewaking",
        source.prefix,
        "quokkavingerafdruk",
    ]
    objects.update(_login_records(contact))
    objects.update(_mail(issue=issue, contact=contact))
    if _registered("audit.auditentry"):
        objects["audit.auditentry"] = _audit_entry(client=client, issue=issue, contact=contact)
    return objects, [m.lower() for m in markers]


def _mail(*, issue, contact) -> dict[str, models.Model]:
    """Create the outbox's message to ``contact`` about ``issue``, and a message received."""
    from mail.models import InboundMessage, OutboxMessage

    now = timezone.now()
    sent = OutboxMessage.objects.create(
        kind="issue_updated",
        idempotency_key="quokka-key",
        message_id="<quokka@example.org>",
        issue=issue,
        recipient=contact,
        to_address=contact.email,
        language="nl",
        subject="Quokkastoring",
        text="Quokkageheim",
        created_at=now,
        next_attempt_at=now,
    )
    received = InboundMessage.objects.create(
        message_id="<quokka-in@example.org>",
        sender=contact.email,
        subject="Quokkastoring",
        received_at=now,
        outcome="replied",
        issue=issue,
    )
    return {"mail.outboxmessage": sent, "mail.inboundmessage": received}


def _login_records(contact) -> dict[str, models.Model]:
    """Create django-axes' records of ``contact`` logging in, as its admin lists them."""
    seen = {
        "username": contact.username,
        "ip_address": "192.0.2.7",
        "user_agent": "Quokkabrowser",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    return {
        "axes.accessattempt": AccessAttempt.objects.create(
            **seen, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**seen),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**seen),
    }


def _audit_entry(*, client, issue, contact) -> models.Model:
    """Create the access log's record of ``contact`` reading ``issue``."""
    # Imported here: the trail is walked wherever the admin registers it, and only there.
    from audit.models import AuditEntry

    return AuditEntry.objects.create(
        occurred_at=timezone.now(),
        action="view",
        user=contact,
        user_label=contact.username,
        role="contact",
        channel="portal",
        object_type="tickets.issue",
        object_id=str(issue.pk),
        object_repr=issue.reference,
        client=client,
        system="paqt-support",
    )


@pytest.fixture
def world(db) -> World:
    shared = _shared_objects()
    objects, markers = _client_a(shared["sla.supportcalendar"])
    objects.update(shared)
    other = organisation("ZEBRA")
    for role in STAFF_ROLES:
        give_role(other.staff, role)
    issue_file(other, title="Zebrastoring")
    issue = objects["tickets.issue"]
    return World(
        objects=objects,
        markers=markers,
        shared_markers=["wombat"],
        other_contact=other.contact,
        other_staff=other.staff,
        search_terms=["QUOKKA", issue.reference, "quokka.contact", "Quokkadam"],
    )


def _browser(user=None) -> Browser:
    browser = Browser(headers={"accept-language": "en"})
    if user is not None:
        browser.force_login(user)
    return browser


def _object_of(entry: AdminUrl, param: str, objects: dict) -> models.Model:
    label = entry.model if param in OWN_OBJECT_PARAMS else POINTS_AT.get(entry.id)
    assert label, f"{entry.id} takes <{param}>: say in POINTS_AT what it points at"
    assert label in objects, f"{entry.id}: no object of {label} in client A's data set"
    return objects[label]


def _path(entry: AdminUrl, world: World, objects: dict | None = None) -> str:
    """Return the URL to walk for ``entry``, pointed at client A's objects (or ``objects``)."""
    objects = world.objects if objects is None else objects
    index = reverse("admin:index")
    if entry.kind == "model":
        route = re.sub(
            r"<(?:\w+:)?(\w+)>",
            lambda m: str(_object_of(entry, m.group(1), objects).pk),
            entry.route,
        )
        return f"{index}{entry.model.replace('.', '/')}/{route}"
    if entry.kind == "app_list":
        return reverse("admin:app_list", kwargs={"app_label": entry.arg})
    if entry.kind == "view_on_site":
        obj = world.objects[entry.model]
        content_type = ContentType.objects.get_for_model(obj)
        return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])
    if entry.kind == "autocomplete":
        app_label, model_name, field_name = entry.arg.split(".")
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        return f"{reverse('admin:autocomplete')}?{urlencode(query)}"
    if entry.kind == "catch_all":
        return f"{index}no/such/page/"
    return reverse(f"admin:{entry.name}")


def _text(response) -> str:
    """Return all a response tells: its body, where it redirects and the file it sends."""
    if response.streaming:
        body = b"".join(response.streaming_content)
        response.close()
    else:
        body = response.content
    headers = (response.get("Location", ""), response.get("Content-Disposition", ""))
    return "\n".join((*headers, body.decode(errors="replace"))).lower()


def _leaks(response, markers: list[str], echo: str = "") -> list[str]:
    """Return the markers in ``response``, but those the request itself carried (a search)."""
    text, echo = _text(response), echo.lower()
    return [marker for marker in markers if marker in text and marker not in echo]


def _snapshot(objects: dict) -> dict:
    return {
        label: type(obj)._base_manager.filter(pk=obj.pk).values().first()
        for label, obj in objects.items()
    }


def _assert_outsider_is_refused(url: str, entry: AdminUrl, world: World, who: str, user=None):
    """An anonymous visitor, or a contact, is sent to log in; nothing of A comes back."""
    browser = _browser(user)
    markers = world.markers + world.shared_markers
    login, index = reverse("admin:login"), reverse("admin:index")
    allowed = REFUSED | ({200} if entry.name == "login" else set())
    for method in ("get", "post"):
        response = getattr(browser, method)(url)
        where = f"{who} {method.upper()} {url}"
        assert response.status_code in allowed, f"{where} answered {response.status_code}"
        if response.status_code == 302:
            # The logout page sends a visitor who is not logged in to the index, which
            # sends them to log in.
            assert urlsplit(response["Location"]).path in (login, index), where
        leaks = _leaks(response, markers)
        assert not leaks, f"{where} shows {leaks}"


def _first_status(response) -> int:
    """Return the status of the first answer of a request the test client followed."""
    return response.redirect_chain[0][1] if response.redirect_chain else response.status_code


def _followed_leaks(response, markers: list[str]) -> list[str]:
    hops = " ".join(hop for hop, _status in response.redirect_chain).lower()
    return _leaks(response, markers) + [m for m in markers if m in hops]


def _assert_staff_sees_nothing(url: str, entry: AdminUrl, world: World):
    """Client B's staff member: A's objects are refused, lists and searches hold none of A."""
    browser = _browser(world.other_staff)
    before = _snapshot(world.objects)
    if entry.kind == "autocomplete":
        _assert_autocomplete_holds_nothing(browser, url, world)
    elif entry.kind == "view_on_site" or entry.params:
        _assert_object_is_refused(browser, url, world)
        _assert_own_object_page_holds_nothing(browser, entry, world)
    else:
        response = _assert_page_holds_nothing(browser, url, world)
        if entry.name and entry.name.endswith("_changelist") and response.status_code == 200:
            _assert_list_holds_nothing(browser, url, entry, world)
    assert _snapshot(world.objects) == before, f"staff of another team changed A's data via {url}"


def _assert_autocomplete_holds_nothing(browser, url: str, world: World):
    for term in ("", *world.search_terms):
        # The test client's query dict would replace the URL's own query string.
        response = browser.get(f"{url}&{urlencode({'term': term})}")
        where = f"staff of another team: {url}&term={term}"
        assert response.status_code in {200, 403, 404}, f"{where} answered {response.status_code}"
        leaks = _leaks(response, world.markers, echo=term)
        assert not leaks, f"{where} shows {leaks}"


def _assert_object_is_refused(browser, url: str, world: World):
    for method, data in (("get", None), ("post", {"post": "yes"})):
        response = getattr(browser, method)(url, data, follow=True)
        where = f"staff of another team: {method.upper()} {url}"
        # 405 tells only which method a URL takes, never whether the object exists.
        allowed = REFUSED | ({405} if method == "post" else set())
        assert _first_status(response) in allowed, f"{where} answered {_first_status(response)}"
        leaks = _followed_leaks(response, world.markers)
        assert not leaks, f"{where} shows {leaks}"


def _assert_own_object_page_holds_nothing(browser, entry: AdminUrl, world: World):
    """Open the same page for an object the staff member may see: its lists and choices
    must not offer A's objects either."""
    if entry.kind != "model" or not set(entry.params) <= set(OWN_OBJECT_PARAMS):
        return
    request = RequestFactory().get(reverse("admin:index"))
    request.user = world.other_staff
    own = admin.site._registry[apps.get_model(entry.model)].get_queryset(request).first()
    if own is None:
        return
    _assert_page_holds_nothing(
        browser, _path(entry, world, {**world.objects, entry.model: own}), world
    )


def _assert_page_holds_nothing(browser, url: str, world: World):
    """Open a page the staff member may see (or is refused); return its final answer."""
    response = browser.get(url, follow=True)
    where = f"staff of another team: GET {url}"
    assert _first_status(response) in PAGE_ANSWERS, f"{where} answered {_first_status(response)}"
    leaks = _followed_leaks(response, world.markers)
    assert not leaks, f"{where} shows {leaks}"
    return response


def _assert_list_holds_nothing(browser, url: str, entry: AdminUrl, world: World):
    """Search a list for A's markers, and run every action of it on A's object."""
    for term in world.search_terms:
        response = browser.get(url, {"q": term})
        leaks = _leaks(response, world.markers, echo=term)
        assert not leaks, f"staff of another team: {url}?q={term} shows {leaks}"
    model_admin = admin.site._registry[apps.get_model(entry.model)]
    target = world.objects[entry.model]
    # Every action the admin has, before it filters them by the user's permissions.
    for _func, action, _description in model_admin._get_base_actions():
        for selection in (
            {helpers.ACTION_CHECKBOX_NAME: [target.pk]},
            {helpers.ACTION_CHECKBOX_NAME: [target.pk], "select_across": "1"},
        ):
            response = browser.post(url, {"action": action, "index": 0, **selection}, follow=True)
            leaks = _leaks(response, world.markers)
            assert not leaks, f"staff of another team: action {action} on {url} shows {leaks}"


def test_every_admin_model_is_classified():
    labels = {_label(model) for model in admin.site._registry}

    unclassified = labels - CLIENT_DATA - NOT_CLIENT_DATA

    assert not unclassified, f"say in CLIENT_DATA or NOT_CLIENT_DATA what these are: {unclassified}"
    assert not CLIENT_DATA & NOT_CLIENT_DATA


def test_the_walk_covers_the_admin_pages():
    ids = {entry.id for entry in URLS}

    assert {
        "admin:index",
        "admin:jsi18n",
        "admin:password_change",
        "admin:app_list[tickets]",
        "admin:view_on_site[tickets.issue]",
        "admin:autocomplete[tickets.issue.client]",
        "admin:tickets_issue_changelist",
        "admin:tickets_issue_change",
        "admin:tickets_issue_history",
        "admin:tickets_issue_delete",
        "admin:tickets_issue_attachment",
        "admin:auth_user_password_change",
        "admin:clients_client_change",
        "admin:oncall_escalation_change",
    } <= ids
    assert len(ids) == len(URLS), "two admin URLs would share a test id"


@pytest.mark.parametrize("entry", URLS, ids=[entry.id for entry in URLS])
def test_admin_url_shows_nothing_of_another_client(entry, world):
    url = _path(entry, world)

    _assert_outsider_is_refused(url, entry, world, "anonymous")
    _assert_outsider_is_refused(url, entry, world, "contact of B", world.other_contact)
    if entry.is_client_data:
        _assert_staff_sees_nothing(url, entry, world)


CHANGE_PAGES_OF_CLIENT_DATA = [
    entry
    for entry in URLS
    if entry.kind == "model"
    and entry.route == "<path:object_id>/change/"
    and entry.model in CLIENT_DATA
]


@pytest.mark.parametrize(
    "entry", CHANGE_PAGES_OF_CLIENT_DATA, ids=[entry.model for entry in CHANGE_PAGES_OF_CLIENT_DATA]
)
def test_an_administrator_sees_the_markers_the_walk_looks_for(entry, world, admin_user):
    # Without this, a marker that no page ever shows would make the walk pass by itself.
    response = _browser(admin_user).get(_path(entry, world))

    assert response.status_code == 200
    assert _leaks(response, world.markers)


def test_the_walks_staff_member_works_on_the_issues_of_their_own_team(world):
    response = _browser(world.other_staff).get(reverse("admin:tickets_issue_changelist"))

    assert response.status_code == 200
    assert "Zebrastoring" in response.text


def test_the_walks_autocomplete_finds_the_staff_members_own_client(world):
    entry = next(e for e in URLS if e.id == "admin:autocomplete[tickets.issue.client]")

    response = _browser(world.other_staff).get(_path(entry, world))

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Gemeente Zebra (ZEBRA)"]
