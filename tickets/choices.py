"""The fixed vocabularies of an issue: priority, category and status."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 normal")
    P4 = "P4", _("P4 low")


class Category(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    QUESTION = "question", _("Question")
    CHANGE_REQUEST = "change_request", _("Change request")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CLIENT = "waiting_on_client", _("Waiting on client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    Status.NEW,
    Status.TRIAGED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CLIENT,
)
