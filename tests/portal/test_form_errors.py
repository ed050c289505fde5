"""Form errors are announced: each is tied to its field, and the summary links to the fields."""

import uuid
from collections import Counter
from html.parser import HTMLParser

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from tests.portal.helpers import issue_file, log_in


class _Page(HTMLParser):
    """Collect the ids of a page, its invalid controls and the links of its error summary."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: Counter = Counter()
        self.described: list[tuple[str, list[str]]] = []
        self.summary_links: list[str] = []
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        # A choice of radio buttons is described by its fieldset, which holds its error.
        if (attrs.get("aria-invalid") == "true" and attrs.get("type") != "radio") or (
            tag == "fieldset" and "field--error" in (attrs.get("class") or "")
        ):
            name = attrs.get("name") or attrs.get("id") or tag
            self.described.append((name, (attrs.get("aria-describedby") or "").split()))
        opens_summary = "error-summary" in (attrs.get("class") or "").split()
        if opens_summary or (self._in_summary and tag == "div"):
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(attrs["href"])

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1


def _assert_errors_are_announced(html: str, *, fields: set[str]) -> None:
    page = _Page(html)
    assert {name for name, _ids in page.described} >= fields
    for name, ids in page.described:
        error_ids = [i for i in ids if i.endswith("_error")]
        assert error_ids, f"{name} is not tied to its error"
        for described_by in ids:
            assert page.ids[described_by] == 1, f"{name} points at {described_by}"
    assert page.summary_links, "no error summary with links"
    for href in page.summary_links:
        assert href.startswith("#") and page.ids[href[1:]] == 1, f"summary links to {href}"


def test_login_errors_are_tied_to_their_fields_and_summarised(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    _assert_errors_are_announced(response.content.decode(), fields={"username", "password"})


def test_filing_errors_are_tied_to_their_fields_and_the_priority_choice(client, org):
    log_in(client, org.contact)
    response = client.post(
        reverse("portal:issue-create"),
        {"title": "", "description": "", "submission_token": str(uuid.uuid4())},
    )
    html = response.content.decode()
    _assert_errors_are_announced(html, fields={"title", "description", "fieldset"})
    assert 'href="#id_priority_0"' in html


def test_a_field_with_several_errors_has_one_error_element_that_holds_them_all():
    form = forms.Form(data={})
    form.fields["title"] = forms.CharField()
    form.add_error("title", "Too short.")
    form.add_error("title", "Already taken.")
    html = render_to_string("portal/_field.html", {"field": form["title"]})
    assert html.count('id="id_title_error"') == 1
    assert 'aria-describedby="id_title_error"' in html
    error = html[html.index('id="id_title_error"') :]
    assert "Too short." in error and "Already taken." in error


def test_reply_errors_are_tied_to_the_reply_box(client, org):
    issue = issue_file(org)
    log_in(client, org.contact)
    response = client.post(reverse("portal:issue-reply", args=[issue.reference]), {"body": ""})
    _assert_errors_are_announced(response.content.decode(), fields={"body"})


def test_invitation_errors_are_tied_to_their_fields(client, org):
    log_in(client, org.admin)
    response = client.post(
        reverse("accounts:colleague-invite"),
        {"email": "not-an-address", "first_name": "", "last_name": "", "language": "nl"},
    )
    _assert_errors_are_announced(response.content.decode(), fields={"email"})


@pytest.mark.parametrize("page", ["accounts:two-factor-setup", "accounts:two-factor-verify"])
def test_a_wrong_second_factor_code_is_tied_to_the_code_field(client, org, page):
    from tests.two_factor import app_for

    if page == "accounts:two-factor-verify":
        app_for(org.contact)
    log_in(client, org.contact)
    client.get(reverse(page))
    response = client.post(reverse(page), {"code": "12"})
    _assert_errors_are_announced(response.content.decode(), fields={"code"})
