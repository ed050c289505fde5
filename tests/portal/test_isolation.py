"""Every portal URL, walked with a contact of another client (404) and anonymously (log in)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.portal.helpers import issue_file, log_in, png
from tickets import services

APP_NAMESPACES = ("portal", "accounts")


def _portal_patterns() -> list[tuple[str, URLPattern]]:
    """Return (namespaced name, pattern) for every URL of the portal's namespaces."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in APP_NAMESPACES:
            found.extend(
                (f"{entry.namespace}:{pattern.name}", pattern) for pattern in entry.url_patterns
            )
    return found


PATTERNS = _portal_patterns()
# What each URL parameter points at, per URL; a new URL with parameters must be added here,
# or the walk fails, so that no page escapes the isolation check.
OBJECT_OF = {
    "portal:issue-detail": "issue",
    "portal:issue-reply": "issue",
    "portal:issue-attach": "issue",
    "portal:issue-close": "issue",
    "portal:issue-reopen": "issue",
    "portal:issue-watch": "issue",
    "portal:attachment-download": "attachment",
    "accounts:colleague-deactivate": "user",
    "accounts:colleague-reactivate": "user",
}
# URLs whose only parameter is a year: they show the organisation of whoever logs in, so
# they are walked with the pages that have no object.
OWN_ORGANISATION = {"portal:evaluation", "portal:evaluation-csv", "portal:evaluation-pdf"}


@pytest.fixture
def victim(org):
    """The objects of one client that another client's contact must never reach."""
    issue = issue_file(org, title="Vertrouwelijke melding", files=[png("geheim.png")])
    services.comment_create(issue=issue, author=org.contact, body="Vertrouwelijk antwoord")
    return {"issue": issue, "attachment": issue.attachments.get(), "user": org.contact}


def _url(name: str, pattern: URLPattern, victim: dict) -> str:
    params = list(pattern.pattern.converters)
    if not params:
        return reverse(name)
    if name in OWN_ORGANISATION:
        return reverse(name, args=[victim["issue"].created_at.year])
    assert name in OBJECT_OF, f"{name} takes {params}: say in OBJECT_OF what it points at"
    target = victim[OBJECT_OF[name]]
    value = target.reference if params == ["reference"] else target.pk
    return reverse(name, args=[value])


def test_the_walk_covers_the_portal_and_the_client_admin_pages():
    names = {name for name, _pattern in PATTERNS}
    assert {"portal:home", "portal:issue-list", "accounts:colleague-list"} <= names
    assert set(OBJECT_OF) | OWN_ORGANISATION <= names


@pytest.mark.parametrize("role", ["contact", "admin"])
def test_every_object_url_answers_404_to_a_contact_of_another_client(
    client, victim, other_org, role
):
    # The other client's admin may open every page of the portal, so only isolation stops it.
    log_in(client, getattr(other_org, role))
    checked = 0
    for name, pattern in PATTERNS:
        if not pattern.pattern.converters or name in OWN_ORGANISATION:
            continue
        url = _url(name, pattern, victim)
        answers = {client.get(url).status_code, client.post(url, {"body": "x"}).status_code}
        # 405 tells only which method a URL takes, never whether the object exists.
        assert answers <= {404, 405} and 404 in answers, f"{name} answered {answers}"
        checked += 1
    assert checked == len(OBJECT_OF)
    victim["issue"].refresh_from_db()
    assert victim["issue"].status == "new"
    assert victim["user"].is_active


def test_pages_without_an_object_show_nothing_of_another_client(client, victim, other_org):
    log_in(client, other_org.admin)
    secrets = [victim["issue"].reference, victim["issue"].title, victim["user"].username]
    for name, pattern in PATTERNS:
        if pattern.pattern.converters and name not in OWN_ORGANISATION:
            continue
        response = client.get(_url(name, pattern, victim), follow=True)
        assert response.status_code == 200, name
        # A PDF's text is compressed; its page and CSV twins show the same figures.
        html = response.content.decode(errors="ignore")
        assert not [s for s in secrets if s in html], name


def test_a_missing_object_answers_like_a_foreign_one(client, other_org, db):
    log_in(client, other_org.contact)
    assert client.get(reverse("portal:issue-detail", args=["VRB-2026-9999"])).status_code == 404
    assert client.get(reverse("portal:attachment-download", args=[999999])).status_code == 404


def test_every_url_sends_an_anonymous_visitor_to_log_in(client, victim):
    login = reverse("login")
    for name, pattern in PATTERNS:
        url = _url(name, pattern, victim)
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, name
            assert response.url.startswith(f"{login}?next="), name
