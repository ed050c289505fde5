"""The Redis cache, answered from this process's memory while Redis cannot be reached."""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Errors that mean "Redis is not there"; BusyLoadingError, a Redis still reading its data
# after a restart, is a ConnectionError too. Anything else is a bug and is raised.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# After a failure the cache leaves Redis alone this long, so that a request does not wait
# for a refused or timed-out connection at every cache call while Redis is away.
RETRY_AFTER_SECONDS = 5.0

# LocMemCache shares its storage between instances of the same name: every thread of the
# process counts in the same place.
FALLBACK_NAME = "paqt-support-redis-fallback"


@dataclass(frozen=True)
class Outage:
    """Since when (a Unix timestamp) this process has served the cache from memory, and why."""

    since: float
    error: str


class _Health:
    """Whether Redis answered this process's last cache call; shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outage: Outage | None = None
        self._retry_at = 0.0

    def should_try(self) -> bool:
        return self.outage is None or time.monotonic() >= self._retry_at

    def failed(self, exc: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            if self.outage is not None:
                return
            self.outage = Outage(since=time.time(), error=f"{type(exc).__name__}: {exc}")
        logger.error(
            "The cache in Redis cannot be reached (%s: %s); this process counts and caches "
            "in its own memory until Redis answers again",
            type(exc).__name__,
            exc,
        )

    def recovered(self) -> None:
        if self.outage is None:
            return
        with self._lock:
            outage, self.outage = self.outage, None
        if outage is not None:
            logger.warning(
                "The cache in Redis answers again after %d s",
                time.time() - outage.since,
            )


health = _Health()


def _fail_open(name: str):
    def method(self, *args, **kwargs):
        if health.should_try():
            try:
                result = getattr(RedisCache, name)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                health.failed(exc)
            else:
                health.recovered()
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"Redis's ``{name}``, or this process's memory while Redis is away."
    return method


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that falls back to this process's memory while Redis is away.

    What lives in the cache (the API's request counts) is worth less than the requests that
    read it: a client files an urgent issue while Redis restarts. Each process then counts
    on its own, which still limits a caller per process. The outage is logged once when it
    begins and once when it ends, and ``/readyz`` reports it.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        fallback_params = {
            key: params[key]
            for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
            if key in params
        }
        self.fallback = LocMemCache(
            FALLBACK_NAME, {**fallback_params, "OPTIONS": {"MAX_ENTRIES": 10_000}}
        )

    add = _fail_open("add")
    get = _fail_open("get")
    set = _fail_open("set")
    touch = _fail_open("touch")
    delete = _fail_open("delete")
    get_many = _fail_open("get_many")
    has_key = _fail_open("has_key")
    incr = _fail_open("incr")
    set_many = _fail_open("set_many")
    delete_many = _fail_open("delete_many")
    clear = _fail_open("clear")

    def ping(self) -> None:
        """Ask Redis for a PONG; raise what the client raises when Redis is away."""
        self._cache.get_client(write=True).ping()
