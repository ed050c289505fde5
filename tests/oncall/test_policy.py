"""The pure rules of an escalation: the plan of steps, retry delays and stale claims."""

from datetime import UTC, datetime, timedelta

import pytest

from oncall.policy import StepSpec, claim_is_stale, plan, retry_delay

PRIMARY = StepSpec(position=1, target="layer", label="Primary", wait_minutes=10)
SECONDARY = StepSpec(position=2, target="layer", label="Secondary", wait_minutes=10)
MANAGER = StepSpec(position=3, target="duty_manager", label="Duty", wait_minutes=5)


@pytest.mark.parametrize(
    ("repeat", "expected"),
    [
        (0, [(0, 1, 1), (1, 1, 2), (2, 1, 3)]),
        (1, [(0, 1, 1), (1, 1, 2), (2, 1, 3), (3, 2, 1), (4, 2, 2), (5, 2, 3)]),
    ],
)
def test_the_plan_runs_the_steps_in_order_once_more_per_repeat(repeat, expected):
    planned = plan([MANAGER, PRIMARY, SECONDARY], repeat=repeat)
    assert [(p.index, p.round, p.position) for p in planned] == expected
    assert planned[-1].target == "duty_manager" and planned[-1].wait_minutes == 5


def test_a_policy_without_steps_plans_nothing():
    assert plan([], repeat=3) == []


def test_a_negative_repeat_is_refused():
    with pytest.raises(ValueError):
        plan([PRIMARY], repeat=-1)


@pytest.mark.parametrize(
    ("attempt", "seconds"), [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (50, 60)]
)
def test_retries_back_off_to_at_most_a_minute(attempt, seconds):
    assert retry_delay(attempt) == timedelta(seconds=seconds)


def test_attempts_count_from_one():
    with pytest.raises(ValueError):
        retry_delay(0)


@pytest.mark.parametrize(("age", "stale"), [(0, False), (44, False), (45, True), (600, True)])
def test_a_claim_is_stale_once_the_timeout_has_passed(age, stale):
    claimed_at = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    now = claimed_at + timedelta(seconds=age)
    assert claim_is_stale(claimed_at=claimed_at, now=now, timeout=timedelta(seconds=45)) is stale
