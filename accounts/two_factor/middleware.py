"""Keep people who owe a second factor out of everything but the pages that collect it."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.two_factor.selectors import Demand, second_factor_demand
from api.middleware import API_PREFIX
from api.problems import problem_response

# The pages someone halfway through logging in may still reach: logging in and out, the
# two-factor pages, the language, resetting a password, the accessibility statement (linked
# from every page, these included), the health probes, and the
# monitoring webhooks (sources with their own secret, never a person's session). The admin's
# own login page is not here: a person logged in with a password alone meets the code there too.
EXEMPT_VIEWS = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "accessibility-statement",
        "healthz",
        "readyz",
        "accounts:two-factor-setup",
        "accounts:two-factor-qr",
        "accounts:two-factor-verify",
        "api:monitoring-alertmanager",
        "api:monitoring-sentry",
    }
)

TARGETS = {Demand.SET_UP: "accounts:two-factor-setup", Demand.VERIFY: "accounts:two-factor-verify"}


class TwoFactorMiddleware:
    """Send a logged-in person who owes a second factor to set it up or to enter its code.

    Staff always owe one, as do contacts of a client that requires it and anyone who set
    one up. Pages answer with a redirect that remembers where the person was going; the
    API (session callers; tokens are checked in ``api.authentication``) answers 403 in
    problem+json. Place after django-otp's ``OTPMiddleware``. Does nothing while
    ``TWO_FACTOR_ENFORCED`` is off.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.TWO_FACTOR_ENFORCED:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        demand = second_factor_demand(user=user)
        if demand is None:
            return None
        if request.path_info.startswith(API_PREFIX + "/"):
            return problem_response(
                status=403,
                detail=(
                    _("Set up two-factor authentication before using the API.")
                    if demand is Demand.SET_UP
                    else _("Enter the code of your second factor before using the API.")
                ),
                instance=request.get_full_path(),
                code="second-factor-required",
            )
        return redirect_to_login(request.get_full_path(), reverse(TARGETS[demand]))
