"""Clients, teams and users in the admin: administrators manage them, teams only look."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from clients.models import Client
from tests.factories import ContactFactory, StaffFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file


def test_roles_exist_with_their_permissions(db):
    perms = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }

    assert {"view_issue", "change_issue", "view_client"} <= perms["Team members"]
    assert perms["Team leads"] == perms["DevOps engineers"] == perms["Team members"]
    assert "change_client" not in perms["Team members"]
    assert "view_agreement" not in perms["Team members"]
    assert {"change_client", "change_team", "change_agreement", "change_user"} <= perms[
        "Administrators"
    ]
    assert "delete_user" not in perms["Administrators"]


def test_team_member_sees_own_client_read_only(staff_client, org, other_org):
    changelist = staff_client.get(reverse("admin:clients_client_changelist"))
    own = staff_client.get(reverse("admin:clients_client_change", args=[org.client.pk]))
    other = staff_client.get(reverse("admin:clients_client_change", args=[other_org.client.pk]))

    assert [c.code for c in changelist.context["cl"].result_list] == ["VRB"]
    assert own.status_code == 200
    assert not own.context["has_change_permission"]
    assert other.status_code == 302
    assert staff_client.get(reverse("admin:clients_client_add")).status_code == 403


def test_team_member_cannot_change_a_client_by_posting(staff_client, org):
    url = reverse("admin:clients_client_change", args=[org.client.pk])

    response = staff_client.post(url, {"code": "VRB", "name": "Gekaapt", "is_active": "on"})

    assert response.status_code == 403
    org.client.refresh_from_db()
    assert org.client.name != "Gekaapt"


def test_team_member_cannot_open_users_or_agreements(staff_client, org):
    assert staff_client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert staff_client.get(reverse("admin:sla_agreement_changelist")).status_code == 403


def team_data(team, **changes) -> dict:
    data = {
        "client": team.client_id,
        "name": team.name,
        "lead": team.lead_id or "",
        "members": [m.pk for m in team.members.all()],
        "email": "",
    }
    data.update(changes)
    return data


def test_team_lead_must_be_a_member(client, administrator, org):
    client.force_login(administrator)
    team = org.client.team
    outsider = StaffFactory(username="buiten")

    response = client.post(
        reverse("admin:clients_team_change", args=[team.pk]), team_data(team, lead=outsider.pk)
    )

    assert response.status_code == 200
    assert "Add the team lead" in str(response.context["adminform"].form.errors["members"])


def test_contacts_cannot_join_a_team(client, administrator, org):
    client.force_login(administrator)
    team = org.client.team

    response = client.post(
        reverse("admin:clients_team_change", args=[team.pk]),
        team_data(team, lead="", members=[org.contact.pk]),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["members"]


def client_data(*, code: str, name: str, **changes) -> dict:
    data = {
        "code": code,
        "name": name,
        "is_active": "on",
        "team-TOTAL_FORMS": 0,
        "team-INITIAL_FORMS": 0,
        "team-MIN_NUM_FORMS": 0,
        "team-MAX_NUM_FORMS": 1,
    }
    data.update(changes)
    return data


def test_client_code_is_fixed_once_it_has_issues(client, administrator, org):
    issue_file(org)
    client.force_login(administrator)
    url = reverse("admin:clients_client_change", args=[org.client.pk])

    response = client.post(url, client_data(code="VRBX", name=org.client.name))

    assert response.status_code == 200
    assert "cannot change" in str(response.context["adminform"].form.errors["code"])


def test_administrator_creates_a_client_with_a_normalised_code(client, administrator):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:clients_client_add"), client_data(code=" abc ", name="Gemeente Abc")
    )

    assert response.status_code == 302
    assert Client.objects.filter(code="ABC").exists()


def test_staff_with_a_client_is_refused_in_the_form(client, administrator, org):
    client.force_login(administrator)
    contact = org.contact
    url = reverse("admin:accounts_user_change", args=[contact.pk])
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and key not in ("groups", "user_permissions", "password")
    }
    data.update(
        username=contact.username,
        is_staff="on",
        client=org.client.pk,
        last_login_0="",
        date_joined_0="2026-01-01",
        date_joined_1="10:00",
        preferred_language="en",
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Staff belong to no client" in response.text
    contact.refresh_from_db()
    assert not contact.is_staff


def test_administrator_cannot_edit_a_superuser_or_grant_superuser(client, administrator):
    root = StaffFactory(username="root", is_superuser=True)
    client.force_login(administrator)

    page = client.get(reverse("admin:accounts_user_change", args=[administrator.pk]))

    assert "is_superuser" not in page.context["adminform"].form.fields
    response = client.get(reverse("admin:accounts_user_change", args=[root.pk]))
    assert not response.context["has_change_permission"]


def test_contacts_are_listed_to_administrators_only(client, administrator, org):
    ContactFactory(client=org.client, username="extra")
    client.force_login(administrator)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert "extra" in {u.username for u in response.context["cl"].result_list}


@pytest.mark.parametrize("page", ["admin:clients_team_change", "admin:clients_client_change"])
def test_a_team_lead_sees_no_link_to_a_user_page_that_would_refuse_them(client, org, page):
    lead = give_role(org.staff, "Team leads")
    org.client.team.lead = lead
    org.client.team.save()
    client.force_login(lead)
    target = org.client.team.pk if page.endswith("team_change") else org.client.pk

    response = client.get(reverse(page, args=[target]))

    assert response.status_code == 200
    content = response.content.decode()
    assert str(lead) in content
    for link in set(re.findall(r'href="(/admin/accounts/user/[^"]*)"', content)):
        assert client.get(link).status_code == 200, link


def test_an_administrator_still_gets_the_link_to_the_team_leads_page(client, administrator, org):
    org.client.team.lead = org.staff
    org.client.team.save()
    client.force_login(administrator)
    response = client.get(reverse("admin:clients_team_change", args=[org.client.team.pk]))
    assert 'name="lead"' in response.content.decode()
