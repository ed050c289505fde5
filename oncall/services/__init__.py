"""Escalations: page an urgent out-of-hours issue, run the steps, acknowledge it.

``start`` applies the paging rule and snapshots the policy, ``steps`` sends each page
exactly once (its docstring tells how), ``acknowledge`` stops the paging, ``moves`` holds
what they share.
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
from oncall.services.start import (
    escalation_reconcile,
    escalation_reconcile_sweep,
    escalation_start,
    paging_stop_for,
)
from oncall.services.steps import (
    Outcome,
    claim_timeout,
    escalation_step_run,
    escalation_sweep,
    escalation_watchdog,
    step_recipient,
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
    "escalation_reconcile",
    "escalation_reconcile_sweep",
    "escalation_start",
    "escalation_step_run",
    "escalation_sweep",
    "escalation_watchdog",
    "oncall_settings_save",
    "page_for_acknowledge_token",
    "paging_stop_for",
    "step_recipient",
]
