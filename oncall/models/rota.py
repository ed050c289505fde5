"""The on-call rota: layers of engineers taking turns, and overrides that cover for them."""

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


class HandoffNotice(models.Model):
    """The message an engineer gets when their shift in a layer starts: one per shift.

    The row is claimed before the message is sent and removed when sending fails, so that
    the next run tries again; the unique constraint lets only one run claim a shift.
    """

    layer = models.ForeignKey(
        RotaLayer, verbose_name=_("layer"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    shift_starts_at = models.DateTimeField(_("shift starts at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handoff notice")
        verbose_name_plural = _("handoff notices")
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "user", "shift_starts_at"],
                name="oncall_handoffnotice_once_per_shift",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.shift_starts_at:%Y-%m-%d %H:%M}"
