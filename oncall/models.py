"""The on-call rota, escalation policies, provider office hours and running escalations."""

import uuid
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oncall import rota as pure_rota


class Rota(models.Model):
    """The people who answer urgent issues outside office hours, in one or more layers."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Amsterdam",
        help_text=_("Handoffs happen at local wall-clock time in this zone."),
    )

    class Meta:
        verbose_name = _("rota")
        verbose_name_plural = _("rotas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RotaLayer(models.Model):
    """One rotation within a rota: its members take turns of ``shift_days`` days each."""

    rota = models.ForeignKey(
        Rota, verbose_name=_("rota"), on_delete=models.CASCADE, related_name="layers"
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(
        _("level"), default=1, help_text=_("1 is the primary on call, 2 the secondary, ...")
    )
    first_handoff_on = models.DateField(
        _("first handoff on"),
        default=date(2026, 1, 5),
        help_text=_(
            "A local date on which the first member's shift starts; its weekday is the "
            "handoff day of a weekly rotation."
        ),
    )
    handoff_time = models.TimeField(_("handoff time"), default=time(9, 0))
    shift_days = models.PositiveSmallIntegerField(
        _("shift length (days)"), default=7, help_text=_("7 for a weekly rotation.")
    )

    class Meta:
        verbose_name = _("rota layer")
        verbose_name_plural = _("rota layers")
        ordering = ["rota", "level", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rota", "level"], name="oncall_rotalayer_unique_level"),
            models.CheckConstraint(
                name="oncall_rotalayer_positive_shift", condition=Q(shift_days__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rota}: {self.name}"

    def to_pure(self) -> pure_rota.Layer:
        """Return the layer as ``oncall.rota`` sees it; reads ``members`` (prefetch them)."""
        members = sorted(self.members.all(), key=lambda m: (m.position, m.pk))
        return pure_rota.Layer(
            key=self.pk,
            name=self.name,
            level=self.level,
            members=tuple(m.user_id for m in members),
            first_handoff_on=self.first_handoff_on,
            handoff_time=self.handoff_time,
            shift_days=self.shift_days,
        )


class RotaMember(models.Model):
    """A person's place in the turn order of a layer."""

    layer = models.ForeignKey(
        RotaLayer, verbose_name=_("layer"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="rota_memberships",
        limit_choices_to={"is_staff": True},
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")
        ordering = ["layer", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "position"], name="oncall_rotamember_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.layer}: {self.position}. {self.user}"


class RotaOverride(models.Model):
    """Someone covers a period for someone else, in one layer or wherever that person is on."""

    rota = models.ForeignKey(
        Rota, verbose_name=_("rota"), on_delete=models.CASCADE, related_name="overrides"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("covered by"),
        on_delete=models.PROTECT,
        related_name="rota_overrides",
        limit_choices_to={"is_staff": True},
    )
    layer = models.ForeignKey(
        RotaLayer,
        verbose_name=_("layer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        help_text=_("Leave empty to cover every shift of the person replaced."),
    )
    replaces = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instead of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text=_("Leave empty to cover the layer whoever is scheduled."),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rota override")
        verbose_name_plural = _("rota overrides")
        ordering = ["rota", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="oncall_rotaoverride_ends_after_start",
                condition=Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(
                name="oncall_rotaoverride_layer_or_person",
                condition=Q(layer__isnull=False) | Q(replaces__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["rota", "ends_at"], name="oncall_rotaoverride_ends")]

    def __str__(self) -> str:
        starts_at, ends_at = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.user} ({starts_at:%Y-%m-%d %H:%M} - {ends_at:%Y-%m-%d %H:%M})"

    def clean(self) -> None:
        """Refuse an empty period, a layer of another rota, and an override that names nothing."""
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("An override must end after it starts.")})
        if self.layer_id is None and self.replaces_id is None:
            raise ValidationError(_("Choose the layer to cover, the person to replace, or both."))
        if self.layer_id and self.rota_id and self.layer.rota_id != self.rota_id:
            raise ValidationError({"layer": _("Choose a layer of this rota.")})

    def to_pure(self) -> pure_rota.Override:
        """Return the override as ``oncall.rota`` sees it."""
        return pure_rota.Override(
            key=self.pk,
            user=self.user_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            layer=self.layer_id,
            replaces=self.replaces_id,
        )


class EscalationPolicy(models.Model):
    """The chain of people to page for an urgent issue until one of them acknowledges."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    repeat = models.PositiveSmallIntegerField(
        _("repeat the chain"),
        default=1,
        help_text=_("How many more times the whole chain runs when nobody acknowledges."),
    )

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StepTarget(models.TextChoices):
    LAYER = "layer", _("Whoever is on call in a rota layer")
    USER = "user", _("A named person")
    TEAM_LEAD = "team_lead", _("The lead of the client's team")
    DUTY_MANAGER = "duty_manager", _("The duty manager")


class EscalationStep(models.Model):
    """Notify someone, then wait; the next step follows unless someone acknowledged."""

    policy = models.ForeignKey(
        EscalationPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    target = models.CharField(_("notify"), max_length=16, choices=StepTarget.choices)
    layer = models.ForeignKey(
        RotaLayer,
        verbose_name=_("layer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    wait_minutes = models.PositiveSmallIntegerField(
        _("then wait (minutes)"), default=10, help_text=_("Before the next step.")
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["policy", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="oncall_escalationstep_unique_position"
            ),
            models.CheckConstraint(
                name="oncall_escalationstep_layer_when_layer",
                condition=Q(target="layer", layer__isnull=False)
                | (~Q(target="layer") & Q(layer__isnull=True)),
            ),
            models.CheckConstraint(
                name="oncall_escalationstep_user_when_user",
                condition=Q(target="user", user__isnull=False)
                | (~Q(target="user") & Q(user__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        """Return whom the step notifies, in words."""
        if self.target == StepTarget.LAYER and self.layer is not None:
            return str(_("On call: %(layer)s") % {"layer": self.layer.name})
        if self.target == StepTarget.USER and self.user is not None:
            return str(self.user)
        return str(StepTarget(self.target).label)

    def clean(self) -> None:
        """Require a layer for a layer step and a person for a named-person step, nothing else."""
        super().clean()
        errors = {}
        if self.target == StepTarget.LAYER and self.layer_id is None:
            errors["layer"] = _("Choose the layer whose on-call engineer is notified.")
        if self.target != StepTarget.LAYER and self.layer_id is not None:
            errors["layer"] = _("Only a rota-layer step names a layer.")
        if self.target == StepTarget.USER and self.user_id is None:
            errors["user"] = _("Choose the person to notify.")
        if self.target != StepTarget.USER and self.user_id is not None:
            errors["user"] = _("Only a named-person step names a person.")
        if errors:
            raise ValidationError(errors)


class OncallSettings(models.Model):
    """The provider's office hours and the escalation that runs outside them; one row."""

    office_calendar = models.ForeignKey(
        "sla.SupportCalendar",
        verbose_name=_("office hours"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The provider's own office hours. Empty means Monday to Friday 08:30-17:30, "
            "closed on Dutch public holidays."
        ),
    )
    policy = models.ForeignKey(
        EscalationPolicy,
        verbose_name=_("escalation policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    duty_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("duty manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    office_closed = models.BooleanField(
        _("treat the office as closed now"),
        default=False,
        help_text=_("For drills and demos: urgent 24/7 issues page the rota even in office hours."),
    )
    page_attempts = models.PositiveSmallIntegerField(
        _("attempts per page"),
        default=3,
        help_text=_("A page that fails this many times is given up and the next step follows."),
    )

    class Meta:
        verbose_name = _("on-call settings")
        verbose_name_plural = _("on-call settings")
        constraints = [
            models.CheckConstraint(name="oncall_oncallsettings_singleton", condition=Q(pk=1)),
            models.CheckConstraint(
                name="oncall_oncallsettings_positive_attempts", condition=Q(page_attempts__gt=0)
            ),
        ]

    # Readers and writers use this id; the check constraint refuses a second row.
    SINGLETON_ID = 1

    def __str__(self) -> str:
        return str(_("On-call settings"))


class EscalationState(models.TextChoices):
    ACTIVE = "active", _("Paging")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EXHAUSTED = "exhausted", _("Nobody acknowledged")
    CANCELLED = "cancelled", _("Stopped")


class Escalation(models.Model):
    """The paging of one urgent issue, with the policy and rota answer frozen at its start.

    ``step_index`` is the next step of ``snapshot["steps"]`` to run; when it equals their
    number, the escalation is exhausted once ``due_at`` passes. ``step_due_at`` is when that
    step fell due, ``due_at`` when it is next tried (later than ``step_due_at`` while a
    failed page waits to be retried). ``token`` changes on every move, so that a task
    queued for an earlier move does nothing.
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
    snapshot = models.JSONField(_("policy and rota at the start"))
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
                condition=Q(state="active"),
                name="oncall_escalation_one_active_per_issue",
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
    channel = models.CharField(_("channel"), max_length=16, default="email")
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
