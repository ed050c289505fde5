"""Request limits per API token and per client IP address, counted in the cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        # DRF copies the rates into a class attribute once; reading them here keeps
        # ``override_settings`` and a reloaded configuration effective.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ApiTokenRateThrottle(_SettingsRateThrottle):
    """Limit each API token; requests without one pass (the IP limit still applies)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class IpRateThrottle(_SettingsRateThrottle):
    """Limit each client address, whoever calls (``NUM_PROXIES`` says whom to trust)."""

    scope = "ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


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
