"""Pages of two-factor authentication: set up the app, enter its code, and the security page."""

import io
from base64 import b32encode
from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.two_factor import attempts, selectors, services
from accounts.two_factor.forms import AppCodeForm, ClientTwoFactorForm, CodeForm
from accounts.views import client_admin_required
from paqt_support.exceptions import ApplicationError

# The secret being set up lives in the session, not the database, until a code confirms it:
# a page that is opened and left leaves nothing behind.
SETUP_KEY = "two_factor_setup_key"
FEW_CODES_LEFT = 3


def _next_url(request) -> str:
    """Return where the person was going, when it is on this site; else the front page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _mark_verified(request, device) -> None:
    # A new session key whenever the session gains rights, as at login, so that a key
    # learnt before this moment is worth nothing after it.
    request.session.cycle_key()
    request.session.pop(SETUP_KEY, None)
    otp_login(request, device)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _setup_key(request) -> str:
    key = request.session.get(SETUP_KEY)
    if not key:
        key = services.totp_key_new()
        request.session[SETUP_KEY] = key
    return key


def _form_of_the_security_page(view):
    """Take the POST of a form on the security page; send a GET (a bookmark) to that page."""

    @wraps(view)
    @require_http_methods(["GET", "POST"])
    def wrapper(request, *args, **kwargs):
        if request.method == "GET":
            return redirect("accounts:security")
        return view(request, *args, **kwargs)

    return wrapper


class _TooManyWrongCodes(Exception):
    """The session tried the limit of wrong codes; ``_ends_a_guessing_session`` ends it."""


def _with_code(request, form, check) -> tuple[bool, object]:
    """Run ``check``, a service that checks the form's code, within the session's limits.

    Return (True, its result), or (False, None) with the reason on ``form``. Raise
    ``_TooManyWrongCodes`` for the wrong code that reaches the session's limit.
    """
    now = timezone.now()
    refusal = attempts.code_check_refusal(request, now=now)
    if refusal:
        form.add_error("code", refusal)
        return False, None
    try:
        result = check()
    except services.SecondFactorError as exc:
        if attempts.code_failed(request, now=now):
            raise _TooManyWrongCodes from None
        form.add_service_error(exc)
        return False, None
    attempts.code_accepted(request)
    return True, result


def _ends_a_guessing_session(view):
    """Log out a session that tried too many wrong codes: it must pass the password again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _TooManyWrongCodes:
            logout(request)
            messages.error(request, _("Too many wrong codes. Log in again to try once more."))
            return redirect("login")

    return wrapper


def _recovery_codes_page(request, *, codes: list[str], next_url: str, first: bool):
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": codes, "next": next_url, "first": first},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Show the QR code and secret of a new authenticator app, and confirm it with a code.

    Someone who has an app already cannot add another here: with only a password, that
    would get round the code.
    """
    next_url = _next_url(request)
    user = request.user
    if selectors.second_factor_is_set_up(user=user):
        if user.is_verified():
            messages.info(request, _("Two-factor authentication is on already."))
            return redirect(next_url)
        return redirect_to_login(next_url, reverse("accounts:two-factor-verify"))
    key = _setup_key(request)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.second_factor_enrol(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            _mark_verified(request, device)
            return _recovery_codes_page(request, codes=codes, next_url=next_url, first=True)
    device = services.totp_device_unsaved(user=user, key=key)
    context = {
        "form": form,
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "next": next_url,
        "mandatory": selectors.second_factor_is_mandatory(user=user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@never_cache
@require_GET
def two_factor_qr(request):
    """Return the QR code of the app being set up, as SVG, for the setup page's image."""
    if selectors.second_factor_is_set_up(user=request.user):
        raise Http404
    device = services.totp_device_unsaved(user=request.user, key=_setup_key(request))
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, title=_("QR code to scan")
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@_ends_a_guessing_session
def two_factor_verify(request):
    """Ask for the code of the app, or a recovery code, then go on where the person was going."""
    next_url = _next_url(request)
    user = request.user
    if user.is_verified():
        return redirect(next_url)
    if not selectors.second_factor_is_set_up(user=user):
        if selectors.second_factor_is_mandatory(user=user):
            return redirect_to_login(next_url, reverse("accounts:two-factor-setup"))
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted, device = _with_code(
            request,
            form,
            lambda: services.second_factor_verify(user=user, code=form.cleaned_data["code"]),
        )
        if accepted:
            _mark_verified(request, device)
            if isinstance(device, StaticDevice):
                _warn_codes_left(request, selectors.recovery_codes_left(user=user))
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _warn_codes_left(request, left: int) -> None:
    text = ngettext(
        "You used a recovery code; %(count)d is left.",
        "You used a recovery code; %(count)d are left.",
        left,
    ) % {"count": left}
    if left <= FEW_CODES_LEFT:
        text = f"{text} {_('Make new ones on the account security page.')}"
    messages.warning(request, text)


def _security_page(request, *, off_form=None, renew_form=None):
    user = request.user
    is_on = selectors.second_factor_is_set_up(user=user)
    context = {
        "is_on": is_on,
        "is_mandatory": selectors.second_factor_is_mandatory(user=user),
        "codes_left": selectors.recovery_codes_left(user=user) if is_on else 0,
        "off_form": off_form or CodeForm(prefix="off"),
        "renew_form": renew_form or CodeForm(prefix="renew"),
    }
    if user.is_client_admin and user.client_id:
        context["client_form"] = ClientTwoFactorForm(
            initial={"requires_two_factor": user.client.requires_two_factor}
        )
    return render(request, "accounts/security.html", context)


@login_required
@never_cache
@require_GET
def security(request):
    """Show whether two-factor authentication is on, and switch it; for client admins, the rule."""
    return _security_page(request)


@login_required
@_form_of_the_security_page
@_ends_a_guessing_session
def two_factor_disable(request):
    """Switch two-factor authentication off, after a current code; never for staff."""
    form = CodeForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            accepted, _nothing = _with_code(
                request,
                form,
                lambda: services.second_factor_disable(
                    user=request.user, code=form.cleaned_data["code"]
                ),
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
            accepted = False
        if accepted:
            messages.success(
                request, _("Two-factor authentication is off: you log in with your password.")
            )
            return redirect("accounts:security")
    return _security_page(request, off_form=form)


@login_required
@never_cache
@_form_of_the_security_page
@_ends_a_guessing_session
def recovery_codes_renew(request):
    """Replace the recovery codes after a current code, and show the new ones once."""
    form = CodeForm(request.POST, prefix="renew")
    if form.is_valid():
        try:
            accepted, codes = _with_code(
                request,
                form,
                lambda: services.recovery_codes_renew(
                    user=request.user, code=form.cleaned_data["code"]
                ),
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
            accepted = False
        if accepted:
            return _recovery_codes_page(
                request, codes=codes, next_url=reverse("accounts:security"), first=False
            )
    return _security_page(request, renew_form=form)


@client_admin_required
@_form_of_the_security_page
def client_two_factor(request):
    """Let a client admin make two-factor authentication mandatory for the organisation."""
    form = ClientTwoFactorForm(request.POST)
    required = form.is_valid() and form.cleaned_data["requires_two_factor"]
    try:
        client = services.client_two_factor_require(admin=request.user, required=required)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        done = (
            _("Everyone at %(client)s must now use two-factor authentication.")
            if required
            else _("Two-factor authentication is now a choice for each person at %(client)s.")
        )
        messages.success(request, done % {"client": client.name})
    return redirect("accounts:security")
