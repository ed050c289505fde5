"""Request limits per API token and per client IP address, counted in the cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from paqt_support.ratelimit import limit_exceeded, seconds_left


class _CountingRateThrottle(SimpleRateThrottle):
    """A limit per fixed window, counted with the cache's atomic increment.

    DRF's own throttle reads a list of times, appends and writes it back: requests that
    arrive together all read the same list, and hundreds pass a limit of a few.
    """

    def get_rate(self):
        # DRF copies the rates into a class attribute once; reading them here keeps
        # ``override_settings`` and a reloaded configuration effective.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        return not limit_exceeded(
            scope=f"api-{self.scope}",
            key=key,
            limit=self.num_requests,
            period=self.duration,
            now=self.now,
        )

    def wait(self):
        return seconds_left(period=self.duration, now=self.now)


class ApiTokenRateThrottle(_CountingRateThrottle):
    """Limit each API token; requests without one pass (the IP limit still applies)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return str(request.auth.pk)


class IpRateThrottle(_CountingRateThrottle):
    """Limit each client address, whoever calls (``NUM_PROXIES`` says whom to trust)."""

    scope = "ip"

    def get_cache_key(self, request, view):
        return self.get_ident(request)


class AddressLimitMixin:
    """Count each request against its address before anything else is checked.

    DRF throttles after authentication and permissions, so a caller guessing tokens or
    webhook secrets would only ever meet 401; counted first, it meets 429 as well.
    """

    def perform_authentication(self, request):
        throttle = IpRateThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        super().perform_authentication(request)
