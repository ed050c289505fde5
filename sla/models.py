"""Service-level agreements, their support-hours calendars and per-priority targets."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from sla import policy
from sla.business_time import BusinessCalendar
from tickets.choices import Priority


class LiberationDay(models.TextChoices):
    """Whether Bevrijdingsdag (5 May) closes the support desk."""

    EVERY_YEAR = "every_year", _("Every year")
    LUSTRUM = "lustrum", _("Every fifth year (2025, 2030, ...)")
    NEVER = "never", _("Never")


class SupportCalendar(models.Model):
    """Weekly support hours in a time zone, closed on Dutch holidays and on added closures."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    weekly_hours = models.JSONField(
        _("weekly hours"),
        help_text=_(
            'Local opening hours per weekday, 0 = Monday, e.g. {"0": [["09:00", "17:00"]]}. '
            '"24:00" may end an interval.'
        ),
    )
    closed_on_public_holidays = models.BooleanField(
        _("closed on Dutch public holidays"), default=True
    )
    closed_on_good_friday = models.BooleanField(_("closed on Good Friday"), default=False)
    liberation_day = models.CharField(
        _("closed on Liberation Day"),
        max_length=16,
        choices=LiberationDay.choices,
        default=LiberationDay.LUSTRUM,
    )

    class Meta:
        verbose_name = _("support calendar")
        verbose_name_plural = _("support calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse an unknown time zone and weekly hours that are malformed or never open."""
        super().clean()
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"timezone": _("Use a time zone such as Europe/Amsterdam.")}
            ) from None
        weekly_hours = self.weekly_hours
        if isinstance(weekly_hours, dict) and not any(weekly_hours.values()):
            raise ValidationError(
                {"weekly_hours": _("The calendar must be open at least once a week.")}
            )
        try:
            BusinessCalendar.from_spec({"timezone": self.timezone, "weekly_hours": weekly_hours})
        except ValueError as exc:
            raise ValidationError(
                {
                    "weekly_hours": _("These opening hours cannot be used: %(problem)s.")
                    % {"problem": exc}
                }
            ) from None


class Closure(models.Model):
    """Whole local days on which a calendar is closed besides public holidays."""

    calendar = models.ForeignKey(
        SupportCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("up to and including"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                name="sla_closure_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.starts_on} - {self.ends_on})"


class Tier(models.TextChoices):
    BASIS = "basis", _("Basis")
    PLUS = "plus", _("Plus")
    ROUND_THE_CLOCK = "24_7", _("24/7")


class Agreement(models.Model):
    """A client's service-level agreement over a period: the priorities it offers and targets."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    calendar = models.ForeignKey(
        SupportCalendar,
        verbose_name=_("support hours"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("service-level agreement")
        verbose_name_plural = _("service-level agreements")
        ordering = ["client", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="sla_agreement_valid_period",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a period that overlaps another agreement of the same client."""
        super().clean()
        if not self.client_id or not self.valid_from:
            return
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("An agreement cannot end before it starts.")})
        overlapping = Agreement.objects.filter(client_id=self.client_id).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=self.valid_from)
        )
        if self.valid_until:
            overlapping = overlapping.filter(valid_from__lte=self.valid_until)
        other = overlapping.exclude(pk=self.pk).order_by("valid_from").first()
        if other is None:
            return
        if other.valid_until:
            period = _("from %(start)s up to and including %(end)s") % {
                "start": date_format(other.valid_from),
                "end": date_format(other.valid_until),
            }
        else:
            period = _("from %(start)s with no end") % {"start": date_format(other.valid_from)}
        raise ValidationError(
            _(
                "This period overlaps agreement “%(name)s” of the same client, valid "
                "%(period)s. A client has one agreement at a time: end the other one first."
            )
            % {"name": other.name, "period": period}
        )


class PriorityTarget(models.Model):
    """What an agreement promises for one priority level, in business minutes."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty when the resolution time is agreed per request."),
    )
    is_round_the_clock = models.BooleanField(
        _("covered 24/7"),
        default=False,
        help_text=_(
            "Clocks run round the clock and out-of-hours issues page the on-call engineer."
        ),
    )
    description = models.CharField(
        _("meaning"),
        max_length=300,
        blank=True,
        help_text=_("In plain words, e.g. 'production down, security incident, data at risk'."),
    )

    class Meta:
        verbose_name = _("priority target")
        verbose_name_plural = _("priority targets")
        ordering = ["agreement", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "priority"], name="sla_prioritytarget_unique_priority"
            ),
            models.CheckConstraint(
                name="sla_prioritytarget_positive_targets",
                condition=Q(first_response_minutes__gt=0)
                & (Q(resolution_minutes__isnull=True) | Q(resolution_minutes__gt=0)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.priority}"

    def clean(self) -> None:
        """Refuse targets of zero minutes; the database refuses them too."""
        super().clean()
        errors = {}
        if self.first_response_minutes is not None and self.first_response_minutes <= 0:
            errors["first_response_minutes"] = _("A target must be at least one minute.")
        if self.resolution_minutes is not None and self.resolution_minutes <= 0:
            errors["resolution_minutes"] = _(
                "A target must be at least one minute; leave it empty when it is agreed per "
                "request."
            )
        if errors:
            raise ValidationError(errors)


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class ClockState(models.TextChoices):
    """The states of ``sla.policy.ClockState``, with labels; see there for their meaning."""

    RUNNING = policy.ClockState.RUNNING.value, _("Running")
    PAUSED = policy.ClockState.PAUSED.value, _("Paused")
    MET = policy.ClockState.MET.value, _("Met")
    BREACHED = policy.ClockState.BREACHED.value, _("Breached")


class SlaClock(models.Model):
    """The business time an issue used towards one target of its agreement.

    ``state`` is what the clock last stored: a clock still ``running`` past its due time
    is breached nonetheless, and the sweep turns it ``breached`` within a minute; a
    ``breached`` clock keeps counting until it stops (``stopped_at`` set). ``missed_at``
    keeps when the target ran out for good (see ``sla.policy``). ``health(now)`` gives the
    live view. The agreement's targets and calendar are copied into ``snapshot`` when the
    clock starts (and when the priority or the agreement changes), so later edits of the
    agreement do not move promises already made.

    ``next_check_at`` is when the sweep must look at the clock next: the at-risk point,
    then the due time, then never. Only counting clocks have ``due_at`` and ``warn_at``;
    a stopped clock keeps its last due time for the record.
    """

    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="sla_clocks",
        # The unique (issue, kind) index starts with the issue and serves these lookups.
        db_index=False,
    )
    kind = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING
    )
    target_seconds = models.PositiveIntegerField(_("target (business seconds)"))
    used_seconds = models.PositiveIntegerField(
        _("used (business seconds)"),
        default=0,
        help_text=_("Business time used up to the last resume, or in all when not counting."),
    )
    started_at = models.DateTimeField(_("started at"))
    resumed_at = models.DateTimeField(
        _("counting since"), null=True, blank=True, help_text=_("Empty while paused or stopped.")
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("at risk from"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("at-risk notice sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breach notice sent at"), null=True, blank=True)
    missed_at = models.DateTimeField(
        _("target missed at"),
        null=True,
        blank=True,
        help_text=_("When the target ran out. A breach stays on record whatever changes later."),
    )
    snapshot = models.JSONField(
        _("targets and calendar"),
        help_text=_("The agreement's target and support-hours calendar as the clock started."),
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind"], name="sla_slaclock_unique_kind"),
            models.CheckConstraint(
                name="sla_slaclock_positive_target", condition=Q(target_seconds__gt=0)
            ),
        ]
        indexes = [
            # The sweep's due set: a range scan over clocks that still need a notice.
            models.Index(
                fields=["next_check_at", "id"],
                name="sla_slaclock_next_check",
                condition=Q(next_check_at__isnull=False),
            ),
            # "What falls due in the next minutes" for queues; stopped clocks stay out.
            models.Index(
                fields=["due_at"],
                name="sla_slaclock_due",
                condition=Q(due_at__isnull=False, stopped_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.kind}"

    def to_policy(self) -> policy.Clock:
        """Return the clock as the pure policy module sees it."""
        return policy.Clock(
            target_seconds=self.target_seconds,
            state=policy.ClockState(self.state),
            used_seconds=self.used_seconds,
            resumed_at=self.resumed_at,
            stopped_at=self.stopped_at,
            due_at=self.due_at,
            warn_at=self.warn_at,
            warned_at=self.warned_at,
            breached_at=self.breached_at,
            missed_at=self.missed_at,
            pending_notice_at=self.next_check_at if self.resumed_at is None else None,
        )

    def apply_policy(self, clock: policy.Clock) -> list[str]:
        """Copy ``clock`` onto this row and return the names of the fields that changed."""
        values = {
            "target_seconds": clock.target_seconds,
            "state": clock.state.value,
            "used_seconds": clock.used_seconds,
            "resumed_at": clock.resumed_at,
            "stopped_at": clock.stopped_at,
            "due_at": clock.due_at,
            "warn_at": clock.warn_at,
            "next_check_at": clock.next_check_at,
            "warned_at": clock.warned_at,
            "breached_at": clock.breached_at,
            "missed_at": clock.missed_at,
        }
        changed = [name for name, value in values.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, values[name])
        return changed

    @property
    def calendar(self) -> BusinessCalendar:
        """Return the support-hours calendar the clock was started with."""
        return policy.calendar_from_spec(self.snapshot["calendar"])

    def health(self, now: datetime) -> policy.ClockHealth:
        """Return how the clock stands at the aware instant ``now``; see ``policy.clock_health``."""
        return policy.clock_health(self.to_policy(), calendar=self.calendar, now=now)
