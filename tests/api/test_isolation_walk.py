"""Every API URL, walked anonymously and by people of another client: none gets client A's data.

The URLs come from the resolver, not from a list kept here: every pattern under the
``/api/v1/`` prefix or in the ``api`` namespace (the monitoring webhooks and the audit
trail included) is its own test, and each is called with every method its view allows.
A URL parameter is filled by its converter: an issue reference and a client code with
client A's; an ``api_id`` with the id of A's object that ``POINTS_AT`` names for that URL.
An unsafe method is sent with the body of ``BODIES``, one that A's own people get a 2xx
for (``test_the_walks_bodies_succeed_for_client_as_own_people``), so that a refusal is
the scoping's doing and not the body's. A new URL with an id, or a new unsafe method,
fails the walk until it is declared there.

Client A owns a full data set whose names carry the marker "okapi" (code OKAPI, name,
team, agreement, issue, reply, internal note, files, contact, monitoring sources), and
its sources' secrets. Each URL is called by three people:

- an anonymous caller: 401 or 403 as problem+json;
- a contact of client B, by token: 403 or 404 for A's objects, 200 or 403 for lists;
- a staff member on client B's team only, by token, with the "Team members" role (its
  model permissions pass, so the selectors' scoping is what is tested): the same.

No answer (body or headers) carries a marker, once the ``instance`` that echoes the
caller's own path is taken out. Lists are also asked with each of their filters that
can name A (``?client=OKAPI``, ``?q=okapi`` ...). After an unsafe call the database's
row counts and A's issue and escalation are as they were, and the status is 400, 401,
403, 404 or 405. ``test_an_administrator_sees_client_as_data_where_the_walk_looks`` is
the walk's control: the URLs it fills do show A's markers to someone who may see them.

Special cases, declared in ``PUBLIC`` and ``SOURCE_AUTHENTICATED`` and checked against
the views by ``test_the_special_cases_are_the_views_that_need_them``:

- ``openapi.json`` and ``docs`` are public by design (no authentication, ``AllowAny``):
  they describe the API and hold no client data. Everyone gets 200 and no marker.
- the monitoring webhooks authenticate a monitoring source by its secret, never a
  person, so a personal token means nothing to them: anonymous and token callers alike
  get 401, and no issue, comment or alert is made.
- ``on-call``, ``rotas`` and a rota's schedule are the provider's own rota, shared by all
  staff (``PROVIDER_OWN``); they hold no client data, so B's staff may read them (200
  without A's markers) and contacts get 403.
- ``audit-entries`` is for administrators only: every caller here gets 401 or 403.
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from accounts.models import User
from api.authentication import ApiTokenAuthentication
from api.urls import ClientCodeConverter, MonthConverter, ReferenceConverter, YearConverter
from clients.models import Client, Team
from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from oncall.models import Escalation, EscalationState, Rota
from sla.models import Agreement
from tests.api.conftest import token_client
from tests.factories import (
    ClientFactory,
    ContactFactory,
    EscalationFactory,
    RotaFactory,
    StaffFactory,
    TeamFactory,
    agreement_with_targets,
)
from tests.monitoring.conftest import payload
from tests.organisations import give_role
from tests.portal.helpers import issue_file, organisation, png
from tickets import services
from tickets.models import Attachment, Comment, Issue

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
API_NAMESPACE = "api"
# Views without authentication or permission, that answer everyone.
PUBLIC = frozenset({"api:schema", "api:docs"})
# Views that authenticate a monitoring source by its secret, never a person's token.
SOURCE_AUTHENTICATED = frozenset({"api:monitoring-alertmanager", "api:monitoring-sentry"})
# What an ``api_id`` points at, per URL; a new URL with an id must be added here.
POINTS_AT = {
    "api:comment-detail": "comment",
    "api:attachment-detail": "attachment",
    "api:attachment-content": "attachment",
    "api:team-detail": "team",
    "api:agreement-detail": "agreement",
    "api:escalation-detail": "escalation",
    "api:escalation-acknowledge": "escalation",
    "api:follower-detail": "contact",
    "api:rota-schedule": "rota",
}
# A filter of a list that can name client A, and the value that names it.
PROBES = {
    "client": lambda a: a.client.code,
    "issue": lambda a: a.issue.reference,
    "q": lambda a: "okapi",
    "requester": lambda a: a.contact.username,
    "object_id": lambda a: str(a.issue.pk),
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
REFUSED_CHANGE = {400, 401, 403, 404, 405}
# Rows that a refused call may add: the access log records who tried what.
BOOKKEEPING = frozenset(
    {
        "audit.auditentry",
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "sessions.session",
    }
)


@dataclass(frozen=True)
class ApiUrl:
    """One URL pattern of the API, as the resolver holds it."""

    name: str
    route: str
    pattern: URLPattern

    @property
    def view(self) -> type:
        callback = self.pattern.callback
        return getattr(callback, "cls", None) or callback.view_class

    @property
    def methods(self) -> list[str]:
        return self.view().allowed_methods

    @property
    def converters(self) -> dict:
        return self.pattern.pattern.converters


def _walk(patterns, prefix: str = "", namespaces: tuple = ()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            names = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), names)
        else:
            yield prefix + str(entry.pattern), namespaces, entry


def _api_urls() -> list[ApiUrl]:
    """Return every URL pattern under /api/v1/ or in the ``api`` namespace."""
    found = []
    for route, namespaces, pattern in _walk(get_resolver().url_patterns):
        if not (route.startswith(API_PREFIX) or API_NAMESPACE in namespaces):
            continue
        name = ":".join((*namespaces, pattern.name)) if pattern.name else route
        found.append(ApiUrl(name=name, route=route, pattern=pattern))
    return found


URLS = _api_urls()


@dataclass
class ClientA:
    """Client A's objects, the strings that betray them, and client B's people."""

    client: Client
    staff: User
    contact: User
    team: Team
    agreement: Agreement
    issue: Issue
    comment: Comment
    attachment: Attachment
    escalation: Escalation
    duplicate: Issue
    rota: Rota
    source_secrets: dict[str, str]
    markers: list[str]
    other_contact: User
    other_staff: User

    def target(self, url: ApiUrl, param: str, converter) -> Any:
        """Return the value of ``param`` of ``url`` that points at A's object."""
        # A client code converter is a reference converter with a shorter pattern.
        if isinstance(converter, ClientCodeConverter):
            return self.client.code
        if isinstance(converter, ReferenceConverter):
            return self.issue.reference
        if isinstance(converter, MonthConverter):
            return timezone.localtime(self.issue.created_at).strftime("%Y-%m")
        if isinstance(converter, YearConverter):
            return timezone.localtime(self.issue.created_at).year
        assert url.name in POINTS_AT, f"{url.name} takes <{param}>: say in POINTS_AT what it is"
        return getattr(self, POINTS_AT[url.name]).pk


@pytest.fixture
def a(db) -> ClientA:
    """Create client A with all its data, and client B with a contact, staff and an issue."""
    client = ClientFactory(code="OKAPI", name="Gemeente Okapidorp")
    # A's staff are the provider's people, not client data: no marker in their name.
    staff = give_role(StaffFactory(username="staff-a"), "Team members")
    team = TeamFactory(client=client, name="Team Okapidienst", lead=staff, members=[staff])
    agreement = agreement_with_targets(client, name="SLA Okapiplus")
    contact = ContactFactory(
        client=client, username="okapi.contact", first_name="Olaf", last_name="Okapiaert"
    )
    issue = services.issue_create(
        client=client,
        requester=contact,
        title="Okapistoring in het zaaksysteem",
        description="Okapigeheim: het zaaksysteem toont andermans zaken.",
        priority="P3",
        files=[png("okapibewijs.png")],
    )
    reply = services.comment_create(
        issue=issue, author=contact, body="Okapireactie", files=[png("okapibijlage.png")]
    )
    services.comment_create(issue=issue, author=staff, body="Okapinotitie", is_internal=True)
    services.issue_watch(issue=issue, actor=contact, watcher=contact)
    duplicate = services.issue_create(
        client=client,
        requester=contact,
        title="Okapistoring nogmaals gemeld",
        description="Okapigeheim, tweede keer.",
        priority="P3",
    )
    # Run out unacknowledged: no sweep picks it up, and acknowledging it still works.
    escalation = EscalationFactory(
        issue=issue, state=EscalationState.EXHAUSTED, ended_at=timezone.now()
    )
    secrets = {}
    for kind in (SourceKind.ALERTMANAGER, SourceKind.SENTRY):
        _source, secrets[kind] = monitoring_source_create(
            client=client, kind=kind, name=f"Okapibewaking {kind}", default_priority="P3"
        )
    # A's contact reads its issue, so that the access log holds A's entries too.
    token_client(contact).get(f"/api/v1/issues/{issue.reference}")
    issue.refresh_from_db()
    other = organisation("ZEBRA")
    give_role(other.staff, "Team members")
    issue_file(other, title="Zebrastoring")
    return ClientA(
        client=client,
        staff=staff,
        contact=contact,
        team=team,
        agreement=agreement,
        issue=issue,
        comment=reply,
        attachment=reply.attachments.get(),
        escalation=escalation,
        duplicate=duplicate,
        # The provider's own rota, shared by all staff: no client data, no marker.
        rota=RotaFactory(name="Piket"),
        source_secrets=secrets,
        markers=["okapi", *secrets.values()],
        other_contact=other.contact,
        other_staff=other.staff,
    )


def _path(url: ApiUrl, a: ClientA) -> str:
    """Return the path of ``url`` with each parameter pointing at A's object."""
    converters = url.converters

    def fill(match: re.Match) -> str:
        param = match.group(1)
        return converters[param].to_url(a.target(url, param, converters[param]))

    return "/" + PARAMETER.sub(fill, url.route)


def _probes(url: ApiUrl, a: ClientA) -> list[str]:
    """Return the query strings that ask a list for A's rows through its filters."""
    filterset = getattr(url.view, "filterset_class", None)
    if filterset is None:
        return []
    return [
        f"?{name}={probe(a)}" for name, probe in PROBES.items() if name in filterset.base_filters
    ]


# The body of each unsafe call: one that A's own people may send (see the control below).
BODIES = {
    ("api:issue-list", "POST"): lambda a: {
        "data": {
            "client": a.client.code,
            "title": "Melding namens een ander",
            "description": "Niet van jou.",
            "priority": "P3",
        }
    },
    ("api:issue-detail", "PATCH"): lambda a: {
        "data": {"status": "closed", "version": a.issue.version}
    },
    ("api:comment-list", "POST"): lambda a: {"data": {"body": "Ik lees mee."}},
    ("api:attachment-list", "POST"): lambda a: {
        "data": {"files": [png("ingeschoven.png")]},
        "format": "multipart",
    },
    ("api:escalation-acknowledge", "POST"): lambda a: {"data": {}},
    ("api:issue-merge", "POST"): lambda a: {"data": {"duplicates": [a.duplicate.reference]}},
    ("api:follower-list", "POST"): lambda a: {"data": {"username": a.staff.username}},
    ("api:follower-detail", "DELETE"): lambda a: {"data": {}},
    ("api:monitoring-alertmanager", "POST"): lambda a: {"data": payload("alertmanager_firing")},
    ("api:monitoring-sentry", "POST"): lambda a: {
        "data": payload("sentry_issue_created"),
        "headers": {"Sentry-Hook-Resource": "issue"},
    },
}


def _call(api: APIClient, method: str, path: str, a: ClientA, url: ApiUrl):
    if method not in UNSAFE:
        return api.generic(method, path)
    key = (url.name, method)
    assert key in BODIES, f"{method} {url.name}: say in BODIES what the walk sends"
    body = {"format": "json", "headers": {}, **BODIES[key](a)}
    return getattr(api, method.lower())(
        path, body["data"], format=body["format"], headers=body["headers"]
    )


def _text(response) -> str:
    """Return the answer's headers and body as one lower-case text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return (headers + "\n" + content.decode("utf-8", "replace")).lower()


def _leaks(response, path: str, markers: list[str]) -> list[str]:
    """Return the markers the answer carries, beyond the caller's own path it echoes."""
    text = _text(response).replace(path.lower(), "")
    return [marker for marker in markers if marker.lower() in text]


def _state(a: ClientA) -> dict:
    """Return the row count of every model, and A's issue and escalation as they stand."""
    counts = {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in BOOKKEEPING and not model._meta.proxy
    }
    return {
        "counts": counts,
        "issue": Issue.objects.filter(pk=a.issue.pk).values().get(),
        "escalation": Escalation.objects.filter(pk=a.escalation.pk).values().get(),
        "followers": sorted(a.issue.watchers.values_list("pk", flat=True)),
    }


# The provider's own on-call rota: shared by all staff, no client's data in it.
PROVIDER_OWN = frozenset({"api:on-call", "api:rota-list", "api:rota-schedule"})


def _allowed(url: ApiUrl, caller: str, method: str) -> set[int]:
    """Return the statuses that tell ``caller`` nothing of A at ``method url``."""
    if url.name in PUBLIC:
        return {200}
    if url.name in PROVIDER_OWN and caller != "anonymous" and method not in UNSAFE:
        return {200, 403}
    if url.name in SOURCE_AUTHENTICATED or caller == "anonymous":
        return {401, 403}
    if method in UNSAFE:
        return REFUSED_CHANGE
    if url.converters and method == "GET":
        return {403, 404}
    # A list, or the description of a URL (OPTIONS), which names no object.
    return {200, 403}


CALLERS = ("anonymous", "other contact", "other staff")


def _api(caller: str, a: ClientA) -> APIClient:
    if caller == "anonymous":
        return APIClient()
    return token_client(a.other_contact if caller == "other contact" else a.other_staff)


def test_the_walk_covers_the_api():
    names = {url.name for url in URLS}
    assert len(names) == len(URLS), "two API URL patterns share a name"
    assert {
        "api:issue-list",
        "api:issue-detail",
        "api:attachment-content",
        "api:audit-entry-list",
        "api:monitoring-alertmanager",
        "api:monitoring-sentry",
        "api:schema",
        "api:docs",
    } <= names
    assert set(POINTS_AT) | PUBLIC | SOURCE_AUTHENTICATED <= names
    assert {name for name, _method in BODIES} <= names


def test_the_special_cases_are_the_views_that_need_them():
    public = {
        url.name
        for url in URLS
        if not url.view.authentication_classes and url.view.permission_classes == [AllowAny]
    }
    by_source = {
        url.name
        for url in URLS
        if url.view.authentication_classes
        and ApiTokenAuthentication not in url.view.authentication_classes
    }
    assert public == PUBLIC
    assert by_source == SOURCE_AUTHENTICATED


@pytest.mark.parametrize("url", URLS, ids=[url.name for url in URLS])
def test_nobody_outside_client_a_gets_its_data(url, a):
    path = _path(url, a)
    failures = []
    for caller in CALLERS:
        api = _api(caller, a)
        for method in url.methods:
            paths = [path]
            if method == "GET" and not url.converters:
                paths += [path + query for query in _probes(url, a)]
            for target in paths:
                before = _state(a) if method in UNSAFE else None
                response = _call(api, method, target, a, url)
                where = f"{caller}: {method} {target} answered {response.status_code}"
                if response.status_code not in _allowed(url, caller, method):
                    failures.append(where)
                if response.status_code >= 400 and not response["Content-Type"].startswith(
                    "application/problem+json"
                ):
                    failures.append(f"{where} as {response['Content-Type']}")
                if leaks := _leaks(response, target, a.markers):
                    failures.append(f"{where} with {leaks}")
                if before is not None and _state(a) != before:
                    failures.append(f"{where} and changed the database")
    assert not failures, "\n".join(failures)


def test_a_missing_object_answers_like_a_foreign_one(a):
    api = token_client(a.other_staff)
    foreign = api.get(f"/api/v1/issues/{a.issue.reference}")
    missing = api.get("/api/v1/issues/OKAPI-2026-9999")

    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json()["detail"] == missing.json()["detail"]


GETS = [url for url in URLS if "GET" in url.methods]


def test_an_administrator_sees_client_as_data_where_the_walk_looks(a):
    # The control of the walk: the URLs it fills point at A's objects, and the marker
    # check would see them. The rota and the public documents hold no client data.
    admin = give_role(StaffFactory(username="beheer"), "Administrators")
    api = token_client(admin)
    blind = []
    for url in GETS:
        if url.name in PUBLIC | PROVIDER_OWN:
            continue
        path = _path(url, a)
        response = api.get(path)
        if response.status_code != 200 or not _leaks(response, path, ["okapi"]):
            blind.append(f"{url.name} answered {response.status_code}")
    assert not blind, "\n".join(blind)


@pytest.mark.parametrize("key", BODIES, ids=[f"{name} {method}" for name, method in BODIES])
def test_the_walks_bodies_succeed_for_client_as_own_people(key, a):
    # Else a refusal in the walk might be the body's fault and not the scoping's.
    name, method = key
    [url] = [url for url in URLS if url.name == name]
    if name in SOURCE_AUTHENTICATED:
        kind = SourceKind.ALERTMANAGER if name.endswith("alertmanager") else SourceKind.SENTRY
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {a.source_secrets[kind]}")
    else:
        api = token_client(a.staff)
    before = _state(a)

    response = _call(api, method, _path(url, a), a, url)

    assert 200 <= response.status_code < 300, (response.status_code, response.content[:300])
    assert _state(a) != before
