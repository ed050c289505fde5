"""The demo's on-call rota, escalation policy and provider office hours; safe to run again."""

from datetime import date, time

from django.conf import settings
from django.db import transaction

from accounts.models import User
from oncall.models import (
    EscalationPolicy,
    EscalationStep,
    OncallSettings,
    PagingProfile,
    Rota,
    RotaLayer,
    RotaMember,
    StepTarget,
)
from sla.models import LiberationDay, SupportCalendar

OFFICE_CALENDAR = "Kantoor: ma-vr 08:30-17:30"
OFFICE_HOURS = {str(day): [["08:30", "17:30"]] for day in range(5)}
ROTA = "DevOps"
POLICY = "Standaard"
# A Monday: the weekly handoff is on Mondays at 09:00 Europe/Amsterdam.
FIRST_HANDOFF = date(2026, 1, 5)
HANDOFF_TIME = time(9, 0)
# (level, name, usernames in turn order): each week one engineer is primary and the
# other secondary.
LAYERS = [
    (1, "Primair", ["eva", "frank"]),
    (2, "Secundair", ["frank", "eva"]),
]
DUTY_MANAGER = "chantal"
WAIT_MINUTES = 10


def seed_oncall_demo(*, staff: dict[str, User]) -> None:
    """Create or update the demo rota, the default policy and the on-call settings.

    ``staff`` maps usernames to the demo's staff users; it must hold "eva", "frank" and
    "chantal".
    """
    with transaction.atomic():
        calendar, _ = SupportCalendar.objects.update_or_create(
            name=OFFICE_CALENDAR,
            defaults={
                "timezone": "Europe/Amsterdam",
                "weekly_hours": OFFICE_HOURS,
                "closed_on_public_holidays": True,
                "liberation_day": LiberationDay.LUSTRUM,
            },
        )
        rota, _ = Rota.objects.update_or_create(
            name=ROTA, defaults={"timezone": "Europe/Amsterdam"}
        )
        layers = {}
        for level, name, usernames in LAYERS:
            layer, _ = RotaLayer.objects.update_or_create(
                rota=rota,
                level=level,
                defaults={
                    "name": name,
                    "first_handoff_on": FIRST_HANDOFF,
                    "handoff_time": HANDOFF_TIME,
                    "shift_days": 7,
                },
            )
            for position, username in enumerate(usernames):
                RotaMember.objects.update_or_create(
                    layer=layer, position=position, defaults={"user": staff[username]}
                )
            RotaMember.objects.filter(layer=layer, position__gte=len(usernames)).delete()
            layers[level] = layer

        policy, _ = EscalationPolicy.objects.update_or_create(name=POLICY, defaults={"repeat": 1})
        steps = [
            (1, StepTarget.LAYER, layers[1]),
            (2, StepTarget.LAYER, layers[2]),
            (3, StepTarget.DUTY_MANAGER, None),
        ]
        for position, target, layer in steps:
            EscalationStep.objects.update_or_create(
                policy=policy,
                position=position,
                defaults={
                    "target": target,
                    "layer": layer,
                    "user": None,
                    "wait_minutes": WAIT_MINUTES,
                },
            )
        EscalationStep.objects.filter(policy=policy, position__gt=len(steps)).delete()

        OncallSettings.objects.update_or_create(
            pk=OncallSettings.SINGLETON_ID,
            defaults={
                "office_calendar": calendar,
                "policy": policy,
                "duty_manager": staff[DUTY_MANAGER],
            },
        )


# (username, channels in order, mobile number): in local mode the webhook posts to the
# recording endpoint /dev/webhook/<username>/ and SMS is kept without a gateway, so both
# show up beside the email on /dev/mail.
PAGING_PROFILES = [
    ("frank", ["webhook", "email"], ""),
    ("chantal", ["sms", "email"], "+31612345003"),
]


def seed_paging_profiles_demo(*, staff: dict[str, User]) -> None:
    """Give the demo's Frank the chat webhook and Chantal SMS, each before email."""
    for username, channels, phone in PAGING_PROFILES:
        webhook_url = (
            f"{settings.SITE_URL}/dev/webhook/{username}/" if "webhook" in channels else ""
        )
        PagingProfile.objects.update_or_create(
            user=staff[username],
            defaults={"channels": channels, "phone": phone, "webhook_url": webhook_url},
        )
