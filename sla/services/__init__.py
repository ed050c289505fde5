"""Changes of the SLA app: clocks, the agreement issues fall under, and the notices.

The clock changes follow the changes of an issue through ``sla.handlers``; the sweep of
``notices`` runs from beat. Callers import from here.
"""

from sla.services.agreements import sla_agreements_roll_over
from sla.services.clocks import (
    sla_calendar_changed,
    sla_clocks_start,
    sla_first_response,
    sla_issue_refresh,
    sla_status_changed,
    sla_terms_changed,
)
from sla.services.notices import sla_clock_mark, sla_clocks_sweep

__all__ = [
    "sla_agreements_roll_over",
    "sla_calendar_changed",
    "sla_clock_mark",
    "sla_clocks_start",
    "sla_clocks_sweep",
    "sla_first_response",
    "sla_issue_refresh",
    "sla_status_changed",
    "sla_terms_changed",
]
