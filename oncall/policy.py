"""The pure rules of an escalation: its plan of steps, retry delays and stale claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["PlannedStep", "StepSpec", "claim_is_stale", "plan", "retry_delay"]

# The first retry of a failed page waits this long; each next one twice as long.
RETRY_FIRST_DELAY = timedelta(seconds=5)
RETRY_MAX_DELAY = timedelta(minutes=1)


@dataclass(frozen=True)
class StepSpec:
    """One step of a policy as configured: whom to notify, then how long to wait.

    ``target`` is a ``StepTarget`` value; ``recipient`` is the user id it resolved to when
    the escalation started, or None when it resolved to nobody.
    """

    position: int
    target: str
    label: str
    wait_minutes: int
    recipient: int | None


@dataclass(frozen=True)
class PlannedStep:
    """A step in the order an escalation runs them: ``index`` counts from 0 over all rounds."""

    index: int
    round: int
    position: int
    target: str
    label: str
    wait_minutes: int
    recipient: int | None


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
                    recipient=step.recipient,
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
