"""The on-call rota, escalation policies, provider office hours and running escalations."""

from oncall.models.escalation import Escalation, EscalationState, Page
from oncall.models.policy import EscalationPolicy, EscalationStep, OncallSettings, StepTarget
from oncall.models.rota import Rota, RotaLayer, RotaMember, RotaOverride

__all__ = [
    "Escalation",
    "EscalationPolicy",
    "EscalationState",
    "EscalationStep",
    "OncallSettings",
    "Page",
    "Rota",
    "RotaLayer",
    "RotaMember",
    "RotaOverride",
    "StepTarget",
]
