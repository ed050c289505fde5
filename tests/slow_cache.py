"""A cache backend that answers each call a moment late, as a cache across a network does.

It wraps the backend the settings name, so that on the real-services run the counts go to
Redis. The delay widens the gap between reading a count and writing it back: code that
counts that way lets parallel requests through, an atomic increment does not.
"""

import time

from django.core.cache.backends.base import BaseCache
from django.utils.module_loading import import_string

DELAY_SECONDS = 0.002


def slow_cache_settings(real: dict) -> dict:
    """Return CACHES settings of one default cache: ``real``, answering late."""
    return {
        "default": {
            "BACKEND": "tests.slow_cache.SlowCache",
            "LOCATION": real.get("LOCATION", ""),
            "OPTIONS": {"real": real},
        }
    }


class SlowCache(BaseCache):
    def __init__(self, location, params):
        real = params["OPTIONS"]["real"]
        super().__init__(real)
        self._real = import_string(real["BACKEND"])(real.get("LOCATION", ""), real)

    def _late(self, name, *args, **kwargs):
        time.sleep(DELAY_SECONDS)
        return getattr(self._real, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._late("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._late("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._late("set", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._late("incr", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._late("delete", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._late("touch", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._late("has_key", *args, **kwargs)

    def clear(self):
        return self._real.clear()
