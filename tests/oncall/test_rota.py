"""Who is on call at an instant: weekly handoffs at local time across DST, and overrides."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.rota import Layer, Override, Rota, handoff_at, layer_timeline, on_call_at

AMS = ZoneInfo("Europe/Amsterdam")
EVA, FRANK, GIJS, HANNA = 1, 2, 3, 4


def ams(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=AMS)


# Handoffs on Mondays 09:00, the first one on Monday 5 January 2026.
PRIMARY = Layer(
    key=10,
    name="Primary",
    level=1,
    members=(EVA, FRANK),
    first_handoff_on=date(2026, 1, 5),
    handoff_time=time(9, 0),
)
SECONDARY = Layer(
    key=20,
    name="Secondary",
    level=2,
    members=(FRANK, EVA),
    first_handoff_on=date(2026, 1, 5),
    handoff_time=time(9, 0),
)
ROTA = Rota(timezone="Europe/Amsterdam", layers=(SECONDARY, PRIMARY))


def primary_at(at: datetime, rota: Rota = ROTA) -> int | None:
    return on_call_at(rota, at)[0].user


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (ams(2026, 1, 5, 9, 0), EVA),  # the very first handoff
        (ams(2026, 1, 5, 8, 59), FRANK),  # just before it: the rotation runs backwards too
        (ams(2026, 1, 11, 23, 59), EVA),
        (ams(2026, 1, 12, 8, 59, 59), EVA),
        (ams(2026, 1, 12, 9, 0), FRANK),
        (ams(2026, 1, 19, 9, 0), EVA),
        (ams(2025, 12, 29, 9, 0), FRANK),  # last year
        (ams(2030, 6, 3, 9, 0), EVA),  # 230 weeks on, an even number
        # Sunday 8 March 2026, 03:00: the urgent issue of the story.
        (ams(2026, 3, 8, 3, 0), EVA),
    ],
)
def test_primary_on_call_at(at, expected):
    assert primary_at(at) == expected


def test_layers_come_in_level_order_and_name_each_person_once_a_week():
    shifts = on_call_at(ROTA, ams(2026, 3, 8, 3, 0))
    assert [(s.layer, s.level, s.user) for s in shifts] == [(10, 1, EVA), (20, 2, FRANK)]


@pytest.mark.parametrize(
    ("monday", "hours"),
    [
        (date(2026, 3, 23), 167),  # spans the spring change on Sunday 29 March
        (date(2026, 10, 19), 169),  # spans the autumn change on Sunday 25 October
        (date(2026, 6, 1), 168),
    ],
)
def test_a_weekly_shift_lasts_from_handoff_to_handoff_at_local_time(monday, hours):
    shift = on_call_at(ROTA, datetime.combine(monday, time(12), tzinfo=AMS))[0]
    assert shift.starts_at == ams(monday.year, monday.month, monday.day, 9, 0)
    assert shift.ends_at - shift.starts_at == timedelta(hours=hours)
    assert shift.ends_at.astimezone(AMS).time() == time(9, 0)


def test_a_handoff_in_the_spring_gap_happens_an_hour_later_on_the_clock():
    layer = Layer(
        key=1,
        name="Night",
        level=1,
        members=(EVA, FRANK),
        first_handoff_on=date(2026, 3, 29),
        handoff_time=time(2, 30),
        shift_days=1,
    )
    start = handoff_at(layer, AMS, 0)
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert start.astimezone(AMS).time() == time(3, 30)
    assert handoff_at(layer, AMS, 1).astimezone(AMS) == ams(2026, 3, 30, 2, 30)


def test_a_handoff_at_a_repeated_time_means_its_first_occurrence():
    layer = Layer(
        key=1,
        name="Night",
        level=1,
        members=(EVA,),
        first_handoff_on=date(2026, 10, 25),
        handoff_time=time(2, 30),
        shift_days=1,
    )
    assert handoff_at(layer, AMS, 0) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_layer_without_members_names_nobody():
    empty = Layer(
        key=5,
        name="Empty",
        level=1,
        members=(),
        first_handoff_on=date(2026, 1, 5),
        handoff_time=time(9),
    )
    assert on_call_at(Rota("Europe/Amsterdam", (empty,)), ams(2026, 3, 8, 3))[0].user is None


def test_an_override_of_a_layer_replaces_whoever_is_scheduled():
    override = Override(
        key=1,
        user=GIJS,
        starts_at=ams(2026, 3, 7, 18, 0),
        ends_at=ams(2026, 3, 8, 12, 0),
        layer=PRIMARY.key,
    )
    rota = Rota(ROTA.timezone, ROTA.layers, (override,))
    shift = on_call_at(rota, ams(2026, 3, 8, 3, 0))[0]
    assert (shift.user, shift.scheduled_user, shift.override) == (GIJS, EVA, 1)
    assert shift.is_override
    assert (shift.starts_at, shift.ends_at) == (override.starts_at, override.ends_at)
    # The secondary layer is untouched.
    assert on_call_at(rota, ams(2026, 3, 8, 3, 0))[1].user == FRANK
    assert primary_at(ams(2026, 3, 8, 12, 0), rota) == EVA


def test_an_override_of_a_person_covers_them_in_every_layer_they_are_on():
    override = Override(
        key=1, user=HANNA, starts_at=ams(2026, 3, 1), ends_at=ams(2026, 3, 20), replaces=EVA
    )
    rota = Rota(ROTA.timezone, ROTA.layers, (override,))
    # Week of 2 March: Eva is primary; week of 9 March: Eva is secondary.
    assert [s.user for s in on_call_at(rota, ams(2026, 3, 4, 12))] == [HANNA, FRANK]
    assert [s.user for s in on_call_at(rota, ams(2026, 3, 11, 12))] == [FRANK, HANNA]


def test_the_most_recent_of_overlapping_overrides_wins():
    first = Override(
        key=1, user=GIJS, starts_at=ams(2026, 3, 8), ends_at=ams(2026, 3, 9), layer=PRIMARY.key
    )
    second = Override(
        key=2,
        user=HANNA,
        starts_at=ams(2026, 3, 8, 2),
        ends_at=ams(2026, 3, 8, 4),
        layer=PRIMARY.key,
    )
    rota = Rota(ROTA.timezone, ROTA.layers, (second, first))
    assert primary_at(ams(2026, 3, 8, 1), rota) == GIJS
    assert primary_at(ams(2026, 3, 8, 3), rota) == HANNA
    assert primary_at(ams(2026, 3, 8, 5), rota) == GIJS


def test_an_override_for_someone_not_scheduled_changes_nothing():
    override = Override(
        key=1, user=HANNA, starts_at=ams(2026, 3, 8), ends_at=ams(2026, 3, 9), replaces=GIJS
    )
    rota = Rota(ROTA.timezone, ROTA.layers, (override,))
    assert [s.user for s in on_call_at(rota, ams(2026, 3, 8, 3))] == [EVA, FRANK]


def test_the_timeline_of_two_weeks_lists_each_handoff_and_the_override_within():
    override = Override(
        key=7,
        user=GIJS,
        starts_at=ams(2026, 3, 7, 18),
        ends_at=ams(2026, 3, 8, 12),
        layer=PRIMARY.key,
    )
    rota = Rota(ROTA.timezone, ROTA.layers, (override,))
    shifts = layer_timeline(rota, PRIMARY, ams(2026, 3, 2), ams(2026, 3, 16))
    assert [(s.starts_at.astimezone(AMS), s.user, s.override) for s in shifts] == [
        (ams(2026, 3, 2), FRANK, None),
        (ams(2026, 3, 2, 9), EVA, None),
        (ams(2026, 3, 7, 18), GIJS, 7),
        (ams(2026, 3, 8, 12), EVA, None),
        (ams(2026, 3, 9, 9), FRANK, None),
    ]
    assert shifts[-1].ends_at == ams(2026, 3, 16)


def test_an_empty_window_has_no_timeline():
    assert layer_timeline(ROTA, PRIMARY, ams(2026, 3, 2), ams(2026, 3, 2)) == []


def test_a_single_member_layer_is_one_long_stretch():
    solo = Layer(1, "Solo", 1, (EVA,), date(2026, 1, 5), time(9))
    rota = Rota("Europe/Amsterdam", (solo,))
    shifts = layer_timeline(rota, solo, ams(2026, 3, 2), ams(2026, 4, 2))
    assert [(s.user, s.starts_at, s.ends_at) for s in shifts] == [
        (EVA, ams(2026, 3, 2), ams(2026, 4, 2))
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Layer(1, "x", 1, (EVA,), date(2026, 1, 5), time(9), shift_days=0),
        lambda: Override(1, EVA, ams(2026, 1, 2), ams(2026, 1, 1), layer=1),
        lambda: Override(1, EVA, datetime(2026, 1, 1), ams(2026, 1, 2), layer=1),
    ],
)
def test_malformed_input_is_refused(make):
    with pytest.raises(ValueError):
        make()


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        on_call_at(ROTA, datetime(2026, 3, 8, 3))


# -- properties -------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
layers = st.builds(
    Layer,
    key=st.just(1),
    name=st.just("L"),
    level=st.just(1),
    members=st.lists(st.integers(1, 6), min_size=1, max_size=5).map(tuple),
    first_handoff_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    handoff_time=st.times(),
    shift_days=st.integers(1, 14),
)
zones = st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "UTC"])


@settings(max_examples=300, deadline=None)
@given(layer=layers, zone=zones, at=instants)
def test_the_shift_in_force_contains_the_instant_and_belongs_to_the_rotation(layer, zone, at):
    rota = Rota(zone, (layer,))
    shift = on_call_at(rota, at)[0]
    assert shift.starts_at <= at < shift.ends_at
    local = shift.starts_at.astimezone(ZoneInfo(zone)).date()
    n, rest = divmod((local - layer.first_handoff_on).days, layer.shift_days)
    # A handoff in a spring gap can move past local midnight only for times near 24:00,
    # which a one-hour gap never reaches; so the local date is always a handoff date.
    assert rest == 0
    assert shift.user == layer.members[n % len(layer.members)]


@settings(max_examples=200, deadline=None)
@given(layer=layers, zone=zones, at=instants)
def test_consecutive_handoffs_are_shift_days_apart_give_or_take_a_dst_change(layer, zone, at):
    rota = Rota(zone, (layer,))
    shift = on_call_at(rota, at)[0]
    nominal = timedelta(days=layer.shift_days)
    assert abs((shift.ends_at - shift.starts_at) - nominal) <= timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(
    layer=layers,
    at=instants,
    offset=st.integers(0, 40 * 24),
    length=st.integers(1, 20 * 24),
    user=st.integers(7, 9),
)
def test_the_timeline_tiles_the_window_and_agrees_with_on_call_at(layer, at, offset, length, user):
    override = Override(
        key=1,
        user=user,
        starts_at=at + timedelta(hours=offset),
        ends_at=at + timedelta(hours=offset + length),
        layer=layer.key,
    )
    rota = Rota("Europe/Amsterdam", (layer,), (override,))
    end = at + timedelta(days=30)
    shifts = layer_timeline(rota, layer, at, end)
    assert shifts[0].starts_at == at and shifts[-1].ends_at == end
    for before, after in pairwise(shifts):
        assert before.ends_at == after.starts_at
    for shift in shifts:
        middle = shift.starts_at + (shift.ends_at - shift.starts_at) / 2
        assert on_call_at(rota, middle)[0].user == shift.user
        inside = override.starts_at <= middle < override.ends_at
        assert (shift.user == user) == inside
