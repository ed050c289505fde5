"""Escalations: start one for an urgent out-of-hours issue, run its steps, acknowledge it.

``start`` decides and snapshots, ``steps`` sends each page exactly once (its docstring tells
how), ``acknowledge`` stops the paging, ``moves`` holds what they share.
"""

from oncall.services.acknowledge import (
    ACK_SALT,
    AcknowledgeLinkError,
    AcknowledgeLinkExpiredError,
    EscalationEndedError,
    acknowledge_url,
    escalation_acknowledge,
    page_for_acknowledge_token,
)
from oncall.services.configuration import oncall_settings_save
from oncall.services.start import escalation_start, escalation_trigger
from oncall.services.steps import (
    Outcome,
    claim_timeout,
    escalation_step_run,
    escalation_sweep,
    escalation_watchdog,
)

__all__ = [
    "ACK_SALT",
    "AcknowledgeLinkError",
    "AcknowledgeLinkExpiredError",
    "EscalationEndedError",
    "Outcome",
    "acknowledge_url",
    "claim_timeout",
    "escalation_acknowledge",
    "escalation_start",
    "escalation_step_run",
    "escalation_sweep",
    "escalation_trigger",
    "escalation_watchdog",
    "oncall_settings_save",
    "page_for_acknowledge_token",
]
