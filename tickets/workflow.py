"""The status transitions of an issue and who may make them; pure, no database."""

# Only Django's translation is used here, so that messages reach the user in their language.

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext as _

from paqt_support.exceptions import ApplicationError


class State(StrEnum):
    """Mirror of ``tickets.choices.Status`` so this module needs no Django."""

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CLIENT = "waiting_on_client"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN = frozenset({State.NEW, State.TRIAGED, State.IN_PROGRESS, State.WAITING_ON_CLIENT})
DONE = frozenset({State.RESOLVED, State.CLOSED})

# Staff move an issue along these edges. Reopening (done -> in progress) is allowed to
# staff at any time and to clients only within the reopen window.
STAFF_TRANSITIONS: dict[State, frozenset[State]] = {
    State.NEW: frozenset(
        {State.TRIAGED, State.IN_PROGRESS, State.WAITING_ON_CLIENT, State.RESOLVED, State.CLOSED}
    ),
    State.TRIAGED: frozenset(
        {State.IN_PROGRESS, State.WAITING_ON_CLIENT, State.RESOLVED, State.CLOSED}
    ),
    State.IN_PROGRESS: frozenset(
        {State.TRIAGED, State.WAITING_ON_CLIENT, State.RESOLVED, State.CLOSED}
    ),
    State.WAITING_ON_CLIENT: frozenset(
        {State.TRIAGED, State.IN_PROGRESS, State.RESOLVED, State.CLOSED}
    ),
    State.RESOLVED: frozenset({State.IN_PROGRESS, State.CLOSED}),
    State.CLOSED: frozenset({State.IN_PROGRESS}),
}


class TransitionError(ApplicationError):
    code = "invalid-transition"


@dataclass(frozen=True)
class Actor:
    """What the workflow needs to know of who is acting."""

    is_staff: bool


def check_transition(
    *,
    current: str,
    target: str,
    actor: Actor,
    done_at: datetime | None,
    now: datetime,
    reopen_window: timedelta,
) -> None:
    """Raise ``TransitionError`` unless ``actor`` may move an issue from ``current`` to ``target``.

    ``done_at`` is when the issue was resolved or closed (None while open); a client may
    reopen only until ``done_at + reopen_window``. Clients may otherwise only close.
    """
    try:
        current_state, target_state = State(current), State(target)
    except ValueError as exc:
        raise TransitionError(_("Unknown status."), field="status") from exc
    if current_state == target_state:
        raise TransitionError(_("The issue already has this status."), field="status")
    if actor.is_staff:
        if target_state not in STAFF_TRANSITIONS[current_state]:
            raise TransitionError(
                _("An issue cannot go from %(current)s to %(target)s.")
                % {"current": current_state, "target": target_state},
                field="status",
            )
        return
    if target_state == State.CLOSED:
        return
    if target_state == State.IN_PROGRESS and current_state in DONE:
        if done_at is not None and now > done_at + reopen_window:
            raise TransitionError(
                _(
                    "This issue can no longer be reopened: that is possible up to %(days)d days "
                    "after it was resolved. Please file a new issue."
                )
                % {"days": reopen_window.days},
                field="status",
            )
        return
    raise TransitionError(_("Only the team can set this status."), field="status")


def status_after_client_reply(current: str) -> str | None:
    """Return the status a public reply by the client moves the issue to, or None to keep it.

    A reply answers the team's question, so waiting on the client ends.
    """
    if State(current) == State.WAITING_ON_CLIENT:
        return State.IN_PROGRESS.value
    return None
