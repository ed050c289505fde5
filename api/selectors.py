"""Reads of the API, scoped per user as the portal and the admin scope them."""

from django.db.models import Prefetch, QuerySet

from audit.services import audited
from clients.models import Client, Team
from clients.selectors import client_list_for_user
from oncall.models import Escalation, Page
from sla.models import Agreement
from tickets.models import Issue
from tickets.selectors import issue_list_for_staff, issue_list_for_user


def issue_list_for_api(*, user) -> QuerySet[Issue]:
    """Return the issues ``user`` may see: the portal's for a contact, the admin's for staff.

    Staff see those of their teams' clients and those they were paged about.
    """
    if user.is_authenticated and user.is_staff:
        return issue_list_for_staff(user=user).select_related("client", "requester", "assignee")
    return issue_list_for_user(user=user)


def client_list_for_api(*, user) -> QuerySet[Client]:
    """Return the clients ``user`` may see, with their team joined."""
    return client_list_for_user(user=user).select_related("team")


def team_list_for_api(*, user) -> QuerySet[Team]:
    """Return the teams of the clients ``user`` may see, with lead and members loaded."""
    return (
        Team.objects.filter(client__in=client_list_for_user(user=user))
        .select_related("client", "lead")
        .prefetch_related("members")
    )


def agreement_list_for_api(*, user) -> QuerySet[Agreement]:
    """Return the agreements of the clients ``user`` may see, with calendar and targets."""
    return (
        audited(Agreement.objects.all())
        .filter(client__in=client_list_for_user(user=user))
        .select_related("client", "calendar")
        .prefetch_related("targets")
    )


def escalation_list_for_api(*, user) -> QuerySet[Escalation]:
    """Return the escalations of the issues ``user`` may see as staff; none for others."""
    if not user.is_authenticated or not user.is_staff:
        return Escalation.objects.none()
    pages = Page.objects.select_related("recipient").order_by("step_index", "pk")
    return (
        Escalation.objects.filter(issue__in=issue_list_for_staff(user=user).values("pk"))
        .select_related("issue", "acknowledged_by")
        .prefetch_related(Prefetch("pages", queryset=pages))
    )
