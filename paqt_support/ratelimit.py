"""Counters of events per key and period in the cache, shared by every web process.

The cache is Redis when ``REDIS_URL`` is set and each process's own memory otherwise. A
cache that cannot be reached lets the event through and logs why: a limit must never take
the site down with it.
"""

import hashlib
import logging
import math
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _name(scope: str, key: str, window: int) -> str:
    # Keys come from outside (addresses, email addresses): hashed, any of them is a valid
    # cache key of fixed length.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{window}"


def limit_exceeded(
    *, scope: str, key: str, limit: int, period: int, now: float | None = None
) -> bool:
    """Count one event of ``key`` and return True when it is past ``limit`` in its period.

    Periods are fixed windows of ``period`` seconds since the epoch. The count is the cache's
    atomic increment (Redis ``INCR``), so parallel requests cannot slip past the limit
    between reading and writing the count.
    """
    now = time.time() if now is None else now
    name = _name(scope, key, int(now // period))
    try:
        if cache.add(name, 1, timeout=period):
            count = 1
        else:
            try:
                count = cache.incr(name)
            except ValueError:
                # The window's key expired between add() and incr(): a new window starts.
                cache.add(name, 1, timeout=period)
                count = 1
    except Exception:
        # Whatever the cache raises (Redis down, a timeout), the request goes on.
        logger.warning("Rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return False
    return count > limit


def seconds_left(*, period: int, now: float | None = None) -> int:
    """Return the whole seconds until the current window of ``period`` seconds ends."""
    now = time.time() if now is None else now
    return max(1, math.ceil(period - now % period))


def first_in_period(*, scope: str, key: str, period: int, now: float | None = None) -> bool:
    """Return True for the first event of ``key`` in its window of ``period`` seconds.

    When the cache cannot be reached every event is the first.
    """
    now = time.time() if now is None else now
    try:
        return bool(cache.add(_name(scope, key, int(now // period)), 1, timeout=period))
    except Exception:
        logger.warning("Rate limit %s not checked: the cache is unavailable", scope, exc_info=True)
        return True
