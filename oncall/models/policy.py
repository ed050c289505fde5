"""Escalation policies, their steps, and the provider's on-call settings (one row)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oncall.models.rota import RotaLayer


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
