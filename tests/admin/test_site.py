"""The admin site around the pages: links to the workspace, favicon, titles, logging out."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_logging_out_of_the_admin_lands_on_the_admin_login(staff_client):
    response = staff_client.post(reverse("admin:logout"))

    assert response.status_code == 302
    assert response.url == reverse("admin:login")


def test_every_admin_page_has_a_favicon_and_links_to_the_reports_and_the_rota(staff_client):
    response = staff_client.get(reverse("admin:tickets_issue_changelist"))

    assert 'rel="icon"' in response.text
    assert reverse("oncall:schedule") in response.text
    assert "#sla-reports" in response.text


def test_page_titles_start_with_a_capital(admin_client):
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))

    title = response.text.split("<title>")[1].split("</title>")[0]
    assert title[0].isupper()
