"""Issues, their conversation, attachments and the events on their timeline."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.choices import OPEN_STATUSES, Category, Priority, Status


class Channel(models.TextChoices):
    """Where an action came from; shown on the timeline and kept for the audit trail."""

    PORTAL = "portal", _("Portal")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    EMAIL = "email", _("Email")
    MONITORING = "monitoring", _("Monitoring")
    SYSTEM = "system", _("System")


class IssueCounter(models.Model):
    """The last sequence number handed out per client and year; locked while numbering."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "year"], name="tickets_issuecounter_unique_client_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.year}: {self.last_sequence}"


class Issue(models.Model):
    """A melding: something a client's contact (or a monitoring signal) asks the team to handle."""

    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="issues"
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    description_html = models.TextField(
        _("description as HTML"),
        blank=True,
        editable=False,
        help_text=_("The description rendered and sanitised when it was written."),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.INCIDENT
    )
    component = models.CharField(
        _("application or module"),
        max_length=200,
        blank=True,
        help_text=_("The application or module the issue concerns."),
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    requested_priority = models.CharField(
        _("priority chosen by the client"),
        max_length=2,
        choices=Priority.choices,
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_issues",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_issues",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        related_name="watched_issues",
        blank=True,
    )
    agreement = models.ForeignKey(
        "sla.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
        help_text=_("The agreement in force when the issue was filed."),
    )
    channel = models.CharField(
        _("filed through"), max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    created_at = models.DateTimeField(_("filed at"), editable=False)
    updated_at = models.DateTimeField(_("updated at"), editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), editable=False)
    opened_at = models.DateTimeField(
        _("open since"),
        editable=False,
        help_text=_("When the issue was filed or last reopened."),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_duplicates",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Raised on every change, so that two people cannot overwrite each other."),
    )
    # What the SLA app keeps of the issue's clocks for the queue, which sorts and filters on
    # them without reading the clocks: the earliest due and at-risk times of the clocks that
    # count, and whether any clock missed its target.
    sla_due_at = models.DateTimeField(_("next SLA deadline"), null=True, blank=True, editable=False)
    sla_warn_at = models.DateTimeField(_("at risk from"), null=True, blank=True, editable=False)
    sla_missed = models.BooleanField(_("SLA target missed"), default=False, editable=False)
    # Staff search's words of the title, description and comments (PostgreSQL only; see
    # tickets.search).
    search_document = SearchVectorField(null=True, editable=False)
    submission_token = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The one-time token of the form that filed the issue; a resubmit is refused."),
    )

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "year", "sequence"], name="tickets_issue_unique_client_sequence"
            ),
            models.UniqueConstraint(
                fields=["submission_token"], name="tickets_issue_unique_submission_token"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="tickets_issue_client_created"),
            # The portal's "recently updated" list of one client.
            models.Index(fields=["client", "-updated_at"], name="tickets_issue_client_updated"),
            models.Index(fields=["client", "status"], name="tickets_issue_client_status"),
            models.Index(fields=["assignee", "status"], name="tickets_issue_assignee_status"),
            # The queue's default order: open issues nearest to a deadline first, those
            # without one last (PostgreSQL's ascending order puts nulls last already).
            models.Index(
                fields=["sla_due_at", "-created_at"],
                name="tickets_issue_queue_order",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.RESOLVED, Status.CLOSED)

    @property
    def is_taken(self) -> bool:
        """Return whether someone took the issue since it was filed or last reopened.

        An assignee from before a reopening is not on it any more until they take it again.
        """
        return (
            self.assignee_id is not None
            and self.assigned_at is not None
            and self.assigned_at >= self.opened_at
        )


class Comment(models.Model):
    """A public reply or an internal note on an issue; clients never see internal notes."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    body = models.TextField(_("message"), max_length=20000)
    body_html = models.TextField(
        _("message as HTML"),
        blank=True,
        editable=False,
        help_text=_("The message rendered and sanitised when it was written."),
    )
    is_internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PORTAL
    )
    created_at = models.DateTimeField(_("written at"), editable=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at"], name="tickets_comment_issue_time")]

    def __str__(self) -> str:
        return f"{self.issue.reference} #{self.pk}"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the client: a random name under the client's
    # folder avoids collisions, path tricks and guessable URLs.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{instance.issue.client_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file added to an issue, kept outside the web root and served only after a check."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment,
        verbose_name=_("comment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    created_at = models.DateTimeField(_("uploaded at"), editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Filed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ASSIGNED = "assigned", _("Assignee changed")
    COMMENTED = "commented", _("Public reply")
    NOTE_ADDED = "note_added", _("Internal note")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    WATCHER_ADDED = "watcher_added", _("Watcher added")
    WATCHER_REMOVED = "watcher_removed", _("Watcher removed")
    SLA_STARTED = "sla_started", _("SLA clocks started")
    SLA_AT_RISK = "sla_at_risk", _("SLA target at risk")
    SLA_BREACHED = "sla_breached", _("SLA target breached")
    ESCALATION_STARTED = "escalation_started", _("Out-of-hours escalation started")
    PAGE_SENT = "page_sent", _("On-call engineer paged")
    PAGE_FAILED = "page_failed", _("Page failed")
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", _("Escalation acknowledged")
    ESCALATION_EXHAUSTED = "escalation_exhausted", _("Escalation ended unacknowledged")
    ESCALATION_CANCELLED = "escalation_cancelled", _("Escalation stopped")
    ESCALATION_UNDELIVERABLE = "escalation_undeliverable", _("Pages undeliverable")
    AGREEMENT_CHANGED = "agreement_changed", _("Agreement changed")


class IssueEvent(models.Model):
    """One line of an issue's history: who changed what, when, and through which channel."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    is_internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Hidden from the client.")
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.SYSTEM
    )
    created_at = models.DateTimeField(_("at"), editable=False)

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at"], name="tickets_event_issue_time")]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.kind}"
