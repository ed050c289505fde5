"""The on-call rota, escalation policies, provider office hours and running escalations."""

from oncall.models.contact import (
    DEFAULT_CHANNELS,
    ChannelHealth,
    ChannelName,
    PagingProfile,
)
from oncall.models.escalation import (
    ENDED_UNANSWERED,
    Escalation,
    EscalationState,
    Page,
    current_escalation_q,
)
from oncall.models.policy import EscalationPolicy, EscalationStep, OncallSettings, StepTarget
from oncall.models.rota import HandoffNotice, Rota, RotaLayer, RotaMember, RotaOverride

__all__ = [
    "DEFAULT_CHANNELS",
    "ENDED_UNANSWERED",
    "ChannelHealth",
    "ChannelName",
    "Escalation",
    "EscalationPolicy",
    "EscalationState",
    "EscalationStep",
    "HandoffNotice",
    "OncallSettings",
    "Page",
    "PagingProfile",
    "Rota",
    "RotaLayer",
    "RotaMember",
    "RotaOverride",
    "StepTarget",
    "current_escalation_q",
]
