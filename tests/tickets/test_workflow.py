"""The status workflow: which transitions staff and clients may make, and reopening."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.workflow import (
    DONE,
    STAFF_TRANSITIONS,
    Actor,
    State,
    TransitionError,
    check_transition,
    status_after_client_reply,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=14)
STAFF = Actor(is_staff=True)
CLIENT = Actor(is_staff=False)


def _check(current, target, actor, done_at=None):
    check_transition(
        current=current, target=target, actor=actor, done_at=done_at, now=NOW, reopen_window=WINDOW
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, targets in STAFF_TRANSITIONS.items() for t in sorted(targets)],
    ids=lambda v: str(v),
)
def test_staff_may_make_every_listed_transition(current, target):
    _check(current, target, STAFF, done_at=NOW)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.RESOLVED, State.NEW),
        (State.CLOSED, State.RESOLVED),
        (State.CLOSED, State.WAITING_ON_CLIENT),
        (State.IN_PROGRESS, State.NEW),
    ],
    ids=str,
)
def test_staff_may_not_make_unlisted_transitions(current, target):
    with pytest.raises(TransitionError):
        _check(current, target, STAFF)


@pytest.mark.parametrize("current", sorted(set(State) - {State.CLOSED}), ids=str)
def test_client_may_close_from_any_other_status(current):
    _check(current, State.CLOSED, CLIENT)


@pytest.mark.parametrize("current", sorted(DONE), ids=str)
def test_client_may_reopen_within_the_window(current):
    _check(current, State.IN_PROGRESS, CLIENT, done_at=NOW - WINDOW + timedelta(seconds=1))


@pytest.mark.parametrize("current", sorted(DONE), ids=str)
def test_client_may_not_reopen_after_the_window(current):
    with pytest.raises(TransitionError, match="can no longer be reopened"):
        _check(current, State.IN_PROGRESS, CLIENT, done_at=NOW - WINDOW - timedelta(seconds=1))


@pytest.mark.parametrize(
    "target", [State.TRIAGED, State.RESOLVED, State.WAITING_ON_CLIENT, State.NEW], ids=str
)
def test_client_may_not_set_team_statuses(target):
    with pytest.raises(TransitionError, match="Only the team"):
        _check(State.IN_PROGRESS, target, CLIENT)


def test_client_may_not_move_an_open_issue_to_in_progress():
    with pytest.raises(TransitionError):
        _check(State.NEW, State.IN_PROGRESS, CLIENT)


@pytest.mark.parametrize("actor", [STAFF, CLIENT], ids=["staff", "client"])
def test_same_status_is_refused(actor):
    with pytest.raises(TransitionError, match="already has this status"):
        _check(State.CLOSED, State.CLOSED, actor)


def test_unknown_status_is_refused_with_the_field_named():
    with pytest.raises(TransitionError) as info:
        _check("nonsense", State.CLOSED, STAFF)
    assert info.value.field == "status"


def test_client_reply_ends_waiting_on_client():
    assert status_after_client_reply(State.WAITING_ON_CLIENT) == State.IN_PROGRESS


@given(st.sampled_from(sorted(set(State) - {State.WAITING_ON_CLIENT})))
def test_client_reply_keeps_every_other_status(current):
    assert status_after_client_reply(current) is None


@given(st.sampled_from(sorted(State)), st.sampled_from(sorted(State)))
def test_every_transition_either_passes_or_raises_a_transition_error(current, target):
    for actor in (STAFF, CLIENT):
        try:
            _check(current, target, actor, done_at=NOW)
        except TransitionError as exc:
            assert exc.message
