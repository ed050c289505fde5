"""Untrusted text from the portal, the API and email stays text on every page and in every email."""

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from api.services import api_token_create
from tests.portal.helpers import issue_file, log_in
from tests.two_factor import login_with_second_factor
from tickets import services
from tickets.models import Issue

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "script-uppercase-remote": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "html-javascript-link": '<a href="javascript:alert(1)">click</a>',
    "entity-javascript-link": '<a href="&#106;avascript:alert(1)">click</a>',
    "markdown-javascript-link": "[click](javascript:alert(1))",
    "markdown-tab-in-scheme": "[click](jav&#x09;ascript:alert(1))",
    "markdown-reference-link": "[click][1] [1]: javascript:alert(1)",
    "markdown-autolink": "<javascript:alert(1)>",
    "markdown-image-javascript": "![x](javascript:alert(1))",
    "markdown-image-attribute-breakout": '![x" onerror="alert(1)](x.png)',
    "markdown-link-attribute-breakout": '[x](https://example.org/" onmouseover="alert(1))',
    "data-url": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "style-expression": '<div style="width: expression(alert(1))">x</div>',
    "style-element": "<style>body{background:url(javascript:alert(1))}</style>",
    "double-quote-breakout": '"><script>alert(1)</script>',
    "single-quote-breakout": "'><img src=x onerror=alert(1)>",
    "escaped-entities": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "mutation": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
}
# Markdown reads a reference definition only on a line of its own.
MULTILINE = {"markdown-reference-link": "[click][1]\n\n[1]: javascript:alert(1)"}
CASES = [pytest.param(name, id=name) for name in PAYLOADS]
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background"}
NEVER = {"iframe", "frame", "object", "embed", "applet", "base"}


class _ExecutableFinder(HTMLParser):
    """Collect everything in a page that a browser would run: a script of ours is allowed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in NEVER:
            self.found.append(f"<{tag}>")
        if tag == "script":
            self._script = values
            src = values.get("src") or ""
            if src and not src.startswith(("/static/", "/admin/jsi18n/")):
                self.found.append(f"script from {src}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            # Browsers drop whitespace and control characters inside a URL's scheme.
            cleaned = re.sub(r"[\x00-\x20]", "", value or "")
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(cleaned):
                self.found.append(f"{tag} {name}={value}")
            if name == "style" and re.search(r"expression|javascript:", cleaned, re.I):
                self.found.append(f"{tag} style={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        script = self._script
        inline = script is not None and not script.get("src")
        if inline and script.get("type") != "application/json" and data.strip():
            self.found.append(f"inline script {data.strip()[:40]}")


def executable_parts(html: str) -> list[str]:
    finder = _ExecutableFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def assert_inert(html: str, title: str) -> None:
    """Assert that nothing in ``html`` runs, and that ``title`` appears in it, escaped."""
    assert executable_parts(html) == []
    if "<" in title:
        assert title not in html
    assert escape(title) in html


def _payload(name: str) -> str:
    return MULTILINE.get(name, PAYLOADS[name])


def _title(name: str) -> str:
    return PAYLOADS[name]


@pytest.fixture
def staff_browser(org):
    return login_with_second_factor(Client(headers={"accept-language": "en"}), org.staff)


def _admin_pages(staff_browser, issue) -> list[str]:
    return [
        staff_browser.get(reverse("admin:tickets_issue_changelist")).text,
        staff_browser.get(reverse("admin:tickets_issue_change", args=[issue.pk])).text,
    ]


def test_the_finder_sees_what_would_run():
    html = (
        '<script>x()</script><script src="https://evil.example/a.js"></script>'
        '<img src=x onerror=alert(1)><a href=" java\tscript:x">y</a><iframe></iframe>'
        '<div style="width: expression(x)"></div>'
    )
    assert len(executable_parts(html)) == 6


def test_the_finder_accepts_our_own_pages_and_json_data():
    html = (
        '<script src="/static/js/portal.js" defer></script>'
        '<script type="application/json" id="d">{"a": "<b>"}</script><a href="/issues/">x</a>'
    )
    assert executable_parts(html) == []


@pytest.mark.parametrize("name", CASES)
def test_portal_pages_show_untrusted_text_as_text(client, org, name):
    payload = _payload(name)
    log_in(client, org.contact)
    created = client.post(
        reverse("portal:issue-create"),
        {
            "title": _title(name),
            "description": payload,
            "category": "incident",
            "component": _title(name),
            "priority": "P3",
            "submission_token": str(uuid.uuid4()),
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    issue = Issue.objects.get()
    detail = reverse("portal:issue-detail", args=[issue.reference])
    replied = client.post(reverse("portal:issue-reply", args=[issue.reference]), {"body": payload})
    assert replied.status_code == 302
    assert issue.comments.get().body == payload

    for page in (client.get(reverse("portal:issue-list")).text, client.get(detail).text):
        assert_inert(page, _title(name))


@pytest.mark.parametrize("name", CASES)
def test_admin_pages_show_untrusted_text_as_text(staff_browser, org, name):
    payload = _payload(name)
    issue = issue_file(org, title=_title(name), description=payload, component=_title(name))
    services.comment_create(issue=issue, author=org.contact, body=payload)

    for page in _admin_pages(staff_browser, issue):
        assert_inert(page, _title(name))


@pytest.mark.parametrize("name", CASES)
def test_the_api_keeps_untrusted_text_as_data_and_the_pages_as_text(
    client, staff_browser, org, name
):
    payload = _payload(name)
    _token, secret = api_token_create(user=org.contact, name="xss")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    created = api.post(
        "/api/v1/issues",
        {"title": _title(name), "description": payload, "priority": "P3"},
        format="json",
    )
    reference = created.json()["reference"]
    commented = api.post(f"/api/v1/issues/{reference}/comments", {"body": payload}, format="json")
    fetched = api.get(f"/api/v1/issues/{reference}")

    assert created.status_code == 201 and commented.status_code == 201
    assert fetched["Content-Type"] == "application/json"
    assert fetched["X-Content-Type-Options"] == "nosniff"
    assert (fetched.json()["title"], fetched.json()["description"]) == (_title(name), payload)
    assert commented.json()["body"] == payload
    issue = Issue.objects.get(reference=reference)
    log_in(client, org.contact)
    assert_inert(client.get(reverse("portal:issue-detail", args=[reference])).text, _title(name))
    for page in _admin_pages(staff_browser, issue):
        assert_inert(page, _title(name))


@pytest.mark.parametrize("name", CASES)
def test_emails_show_untrusted_text_as_text(
    org, mailoutbox, django_capture_on_commit_callbacks, name
):
    payload = _payload(name)
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_file(org, title=_title(name), description=payload, component=_title(name))
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=org.staff, body=payload)

    kinds = {m.to[0] for m in mailoutbox}
    assert {org.staff.email, org.contact.email} <= kinds
    for message in mailoutbox:
        ((html, mimetype),) = message.alternatives
        assert mimetype == "text/html"
        assert_inert(html, _title(name))
        assert "\n" not in message.subject
