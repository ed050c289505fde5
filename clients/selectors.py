"""Reads of clients and teams, scoped to what a user may see."""

from django.db.models import Q, QuerySet

from accounts.models import User
from audit.services import audited
from clients.models import Client, Team


def user_is_administrator(user) -> bool:
    """Return whether ``user`` sees every client: a superuser or a member of Administrators."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    return any(g.name == "Administrators" for g in user.groups.all())


def client_list_for_user(*, user) -> QuerySet[Client]:
    """Return the clients whose data ``user`` may see: its own, or those of its teams."""
    clients = audited(Client.objects.all())
    if not user.is_authenticated:
        return clients.none()
    if user.client_id:
        return clients.filter(pk=user.client_id)
    if user_is_administrator(user):
        return clients
    if user.is_staff:
        return clients.filter(Q(team__members=user) | Q(team__lead=user)).distinct()
    return clients.none()


def team_members(*, client_id: int) -> QuerySet:
    """Return the active staff on the client's team, lead included."""
    team = Team.objects.filter(client_id=client_id).first()
    if team is None:
        return User.objects.none()
    ids = set(team.members.values_list("pk", flat=True))
    if team.lead_id:
        ids.add(team.lead_id)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "last_name")
