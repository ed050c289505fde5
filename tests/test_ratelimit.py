"""Counters in the cache: a limit per fixed window, atomic, and open when the cache is down."""

import pytest

from paqt_support import ratelimit

NOON = 1_767_268_800.0  # 2026-01-01 12:00:00 UTC, the start of a minute


def _count(times: int, *, now: float = NOON, key: str = "192.0.2.1") -> list[bool]:
    return [
        ratelimit.limit_exceeded(scope="test", key=key, limit=3, period=60, now=now)
        for _ in range(times)
    ]


def test_the_limit_is_exceeded_after_that_many_events():
    assert _count(5) == [False, False, False, True, True]


def test_each_key_is_counted_apart():
    _count(3)
    assert _count(1, key="192.0.2.2") == [False]


def test_a_new_window_starts_afresh():
    _count(4)
    assert _count(1, now=NOON + 60) == [False]


def test_seconds_left_count_to_the_end_of_the_window():
    assert ratelimit.seconds_left(period=60, now=NOON + 0.5) == 60
    assert ratelimit.seconds_left(period=60, now=NOON + 59.5) == 1


def test_only_the_first_event_of_a_window_is_first():
    firsts = [ratelimit.first_in_period(scope="t", key="k", period=60, now=NOON) for _ in range(3)]
    assert firsts == [True, False, False]
    assert ratelimit.first_in_period(scope="t", key="k", period=60, now=NOON + 60)


class _DownCache:
    def add(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    incr = add


def test_with_the_cache_down_every_event_passes_and_the_failure_is_logged(monkeypatch, caplog):
    monkeypatch.setattr(ratelimit, "cache", _DownCache())

    assert _count(5) == [False] * 5
    assert ratelimit.first_in_period(scope="t", key="k", period=60)
    assert "the cache is unavailable" in caplog.text


@pytest.mark.parametrize("key", ["a" * 1000, "line\nbreak", "\x00"])
def test_any_key_is_accepted(key):
    assert _count(1, key=key) == [False]
