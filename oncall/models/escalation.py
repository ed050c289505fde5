"""Running escalations and the pages they send, one per step."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oncall.models.policy import EscalationPolicy


class EscalationState(models.TextChoices):
    ACTIVE = "active", _("Paging")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EXHAUSTED = "exhausted", _("Nobody acknowledged")
    CANCELLED = "cancelled", _("Stopped")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")


# An escalation that ended without an acknowledgement stays the issue's current one while
# the reason to page lasts, so that it is not started over and over.
ENDED_UNANSWERED = ("exhausted", "undeliverable")


def current_escalation_q() -> Q:
    """Return the condition of an issue's current escalation: paging, or ended unanswered."""
    return Q(state="active") | Q(state__in=ENDED_UNANSWERED, released_at__isnull=True)


class Escalation(models.Model):
    """The paging of one urgent issue, with the policy frozen at its start.

    Whom each step pages is decided when the step is sent. An issue has at most one
    *current* escalation: one that is paging, or one that ran out unacknowledged while the
    reason to page it lasts (``released_at`` is set when that reason ends), so that a
    chain that ran out is not started over and over.

    ``step_index`` is the next step of ``snapshot["steps"]`` to run; when it equals their
    number, the escalation is exhausted once ``due_at`` passes. ``step_due_at`` is when that
    step fell due, ``due_at`` when it is next tried (later than ``step_due_at`` while a
    failed page waits to be retried). ``token`` changes on every move, so that a task
    queued for an earlier move does nothing.

    A page that no channel accepted keeps its step on the same person, retried with backoff
    while the escalation lasts; after the settings' number of attempts ``undeliverable_since``
    says since when, until a page is delivered. An escalation that runs out without any page
    delivered ends as undeliverable, never as exhausted.
    """

    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    policy = models.ForeignKey(
        EscalationPolicy,
        verbose_name=_("policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        help_text=_("For reference only: the escalation follows its snapshot."),
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=EscalationState.choices,
        default=EscalationState.ACTIVE,
    )
    snapshot = models.JSONField(_("policy at the start"))
    step_index = models.PositiveSmallIntegerField(_("next step"), default=0)
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    due_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField(_("ended because"), max_length=32, blank=True)
    released_at = models.DateTimeField(
        _("reason to page ended at"),
        null=True,
        blank=True,
        help_text=_("For an escalation that ran out: when the issue stopped needing a page."),
    )
    undeliverable_since = models.DateTimeField(
        _("undeliverable since"),
        null=True,
        blank=True,
        help_text=_("While paging: since when no channel accepted the current step's page."),
    )
    overdue_reported_at = models.DateTimeField(
        _("overdue reported at"),
        null=True,
        blank=True,
        help_text=_("When the watchdog told the administrators that the current step is late."),
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"],
                condition=current_escalation_q(),
                # Also the index of the reconcile sweep's walk over current escalations.
                name="oncall_escalation_one_current_per_issue",
            ),
            models.CheckConstraint(
                name="oncall_escalation_active_has_due",
                condition=~Q(state="active") | Q(due_at__isnull=False, step_due_at__isnull=False),
            ),
        ]
        indexes = [
            # The sweep's and the watchdog's range scans over what is still paging.
            models.Index(
                fields=["due_at", "id"], name="oncall_escalation_due", condition=Q(state="active")
            ),
            models.Index(
                fields=["step_due_at"],
                name="oncall_escalation_step_due",
                condition=Q(state="active"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} #{self.pk} ({self.state})"

    @property
    def is_undeliverable(self) -> bool:
        """Return whether no channel takes its pages: still paging, or ended so."""
        return self.state == EscalationState.UNDELIVERABLE or (
            self.state == EscalationState.ACTIVE and self.undeliverable_since is not None
        )

    def get_state_label(self) -> str:
        """Return the state in words; a paging escalation whose pages fail says so."""
        if self.is_undeliverable:
            return str(EscalationState.UNDELIVERABLE.label)
        return self.get_state_display()

    @property
    def steps(self) -> list[dict]:
        return self.snapshot.get("steps", [])

    @property
    def current_step(self) -> dict | None:
        steps = self.steps
        return steps[self.step_index] if self.step_index < len(steps) else None


class Page(models.Model):
    """The notification of one step of an escalation: claimed, then sent or given up.

    A send is claimed (``claimed_at``, ``claim_token``) in one transaction and confirmed
    (``sent_at``) in the next, with the send in between. A claim older than the claim
    timeout without ``sent_at`` means the sender died mid-send; the step is then sent
    again, with the same Message-ID, and counted as another attempt.
    """

    escalation = models.ForeignKey(
        Escalation, verbose_name=_("escalation"), on_delete=models.CASCADE, related_name="pages"
    )
    step_index = models.PositiveSmallIntegerField(_("step"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pages",
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        default="email",
        help_text=_("The channel that delivered the page, or the first one tried."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["escalation", "step_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "step_index"], name="oncall_page_unique_step"
            ),
            models.CheckConstraint(
                name="oncall_page_sent_or_failed",
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id}/{self.step_index} {self.recipient}"
