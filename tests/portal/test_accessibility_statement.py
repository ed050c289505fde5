"""The accessibility statement: open to everyone, in the register's format, linked everywhere."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import StaffFactory

STATEMENT = "/toegankelijkheid/"


def test_the_statement_lives_at_its_dutch_address():
    assert reverse("accessibility-statement") == STATEMENT


def test_an_anonymous_visitor_reads_the_statement_with_every_part_of_the_register(client, db):
    response = client.get(STATEMENT)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in [
        "Scope",
        "Compliance status",
        "Known issues",
        "Feedback and contact",
        "Enforcement",
        "Statement drawn up on",
        "Last reviewed on",
    ]:
        assert f">{heading}<" in html, heading
    assert "Status C: first measures taken." in html
    assert '<time datetime="2026-12-06">' in html


def test_the_statement_is_in_dutch_by_default(client, db, settings):
    settings.LANGUAGE_CODE = "nl"
    with translation.override("nl"):
        html = client.get(STATEMENT).content.decode()
    assert "<h1>Toegankelijkheidsverklaring</h1>" in html
    assert "Nalevingsstatus" in html


def test_the_statement_names_the_configured_contact_address(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "toegankelijkheid@example.org"
    html = client.get(STATEMENT).content.decode()
    assert 'href="mailto:toegankelijkheid@example.org"' in html


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", STATEMENT])
def test_the_footer_of_every_kind_of_page_links_to_the_statement(client, db, url):
    html = client.get(url).content.decode()
    assert f'href="{STATEMENT}"' in html


def test_the_admin_pages_of_staff_link_to_the_statement(client, db):
    client.force_login(StaffFactory(is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert f'href="{STATEMENT}"' in html


def test_someone_who_still_owes_a_second_factor_may_read_the_statement(client, db, settings):
    settings.TWO_FACTOR_ENFORCED = True
    client.force_login(StaffFactory())
    assert client.get(STATEMENT).status_code == 200
