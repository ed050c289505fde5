"""The pure rules of paging: when an issue is paged, the plan of steps, retries, stale claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

__all__ = [
    "END_REASON_LABELS",
    "PagingStop",
    "PlannedStep",
    "StepSpec",
    "claim_is_stale",
    "paging_stop",
    "plan",
    "retry_delay",
]

# The first retry of a failed page waits this long; each next one twice as long.
RETRY_FIRST_DELAY = timedelta(seconds=5)
RETRY_MAX_DELAY = timedelta(minutes=1)


class PagingStop(StrEnum):
    """Why an issue is not paged, or no longer: the reasons an escalation ends early."""

    ISSUE_RESOLVED = "issue_resolved"
    ISSUE_CLOSED = "issue_closed"
    NOT_COVERED = "not_covered"
    TAKEN = "taken"
    OFFICE_OPEN = "office_open"


# How the timeline says why an escalation ended or cannot page; the last ones end one that
# ran out, or say why its pages do not arrive.
END_REASON_LABELS = {
    PagingStop.ISSUE_RESOLVED: _("the issue was resolved"),
    PagingStop.ISSUE_CLOSED: _("the issue was closed"),
    PagingStop.NOT_COVERED: _("the agreement does not cover this priority round the clock"),
    PagingStop.TAKEN: _("someone took the issue"),
    PagingStop.OFFICE_OPEN: _("the office opened"),
    "no_policy": _("no escalation policy is chosen"),
    "unacknowledged": _("nobody acknowledged"),
    "undeliverable": _("no page could be delivered to anyone"),
    "channels_failing": _("no channel takes the page; it is tried again"),
}


def paging_stop(
    *, done_status: str | None, round_the_clock: bool, taken: bool, office_open: bool
) -> PagingStop | None:
    """Return why an issue must not be paged now, or None when it must be.

    The paging rule: an issue is paged exactly while it is open (``done_status`` is None;
    else "resolved" or "closed"), at a priority that the agreement applying to it covers
    round the clock, not taken by anyone since it was filed or reopened, and while the
    provider's office is closed. In office hours the team has it.
    """
    if done_status is not None:
        return PagingStop(f"issue_{done_status}")
    if not round_the_clock:
        return PagingStop.NOT_COVERED
    if taken:
        return PagingStop.TAKEN
    if office_open:
        return PagingStop.OFFICE_OPEN
    return None


@dataclass(frozen=True)
class StepSpec:
    """One step of a policy as configured: whom to notify, then how long to wait.

    ``target`` is a ``StepTarget`` value. Who that is gets decided when the step is sent,
    so that a page after a rota handoff goes to whoever is on call by then.
    """

    position: int
    target: str
    label: str
    wait_minutes: int


@dataclass(frozen=True)
class PlannedStep:
    """A step in the order an escalation runs them: ``index`` counts from 0 over all rounds."""

    index: int
    round: int
    position: int
    target: str
    label: str
    wait_minutes: int


def plan(steps: Sequence[StepSpec], *, repeat: int) -> list[PlannedStep]:
    """Return the steps an escalation runs: ``steps`` in position order, ``1 + repeat`` times.

    Rounds count from 1. A policy without steps plans nothing.
    """
    if repeat < 0:
        raise ValueError("repeat must not be negative")
    ordered = sorted(steps, key=lambda step: step.position)
    planned = []
    for round_number in range(1, repeat + 2):
        for step in ordered:
            planned.append(
                PlannedStep(
                    index=len(planned),
                    round=round_number,
                    position=step.position,
                    target=step.target,
                    label=step.label,
                    wait_minutes=step.wait_minutes,
                )
            )
    return planned


def retry_delay(attempt: int) -> timedelta:
    """Return how long to wait before attempt ``attempt + 1`` after attempt ``attempt`` failed.

    5 s after the first failure, doubling, at most one minute.
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return min(RETRY_FIRST_DELAY * 2 ** min(attempt - 1, 16), RETRY_MAX_DELAY)


def claim_is_stale(*, claimed_at: datetime, now: datetime, timeout: timedelta) -> bool:
    """Return whether a send claimed at ``claimed_at`` can no longer be in progress at ``now``.

    ``timeout`` must be longer than a send can take; the task's hard time limit ensures it.
    """
    return now - claimed_at >= timeout
