"""Which clients a user may see."""

import pytest

from clients.selectors import client_list_for_user
from tests.factories import ClientFactory, ContactFactory, StaffFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_a_team_lead_who_is_not_listed_as_member_still_sees_the_client():
    lead = StaffFactory()
    team = TeamFactory(lead=lead)
    ClientFactory()
    assert list(client_list_for_user(user=lead)) == [team.client]


def test_a_staff_member_sees_only_the_clients_of_their_teams():
    member = StaffFactory()
    team = TeamFactory(members=[member])
    TeamFactory()
    assert list(client_list_for_user(user=member)) == [team.client]


def test_a_contact_sees_only_its_own_client():
    contact = ContactFactory()
    ClientFactory()
    assert list(client_list_for_user(user=contact)) == [contact.client]
