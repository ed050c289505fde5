"""Single sign-on pages: find the login of an address, go there, and come back logged in."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)
from mozilla_django_oidc.views import get_next_url

from sso.backends import IdentityProviderBackend
from sso.forms import IdentityProviderFindForm
from sso.selectors import identity_provider_for_email, identity_provider_usable
from sso.services import (
    SESSION_KEY,
    SignInRefused,
    provider_second_factor,
    used_more_than_one_factor,
)

logger = logging.getLogger(__name__)

BACKEND = "sso.backends.IdentityProviderBackend"


def with_query(url: str, params: dict) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


@never_cache
@require_http_methods(["GET", "POST"])
def identity_provider_find(request):
    """Offer the login of the organisation whose domain the typed address has."""
    form = IdentityProviderFindForm(request.POST or None)
    next_url = get_next_url(request, "next") if request.method == "GET" else None
    if request.method == "POST":
        next_url = request.POST.get("next", "")
    provider = None
    if form.is_bound and form.is_valid():
        provider = identity_provider_for_email(email=form.cleaned_data["email"])
        if provider is None:
            form.add_error(
                "email",
                _("No organisation login is set up for this address. Log in with your password."),
            )
    start_url = ""
    if provider is not None:
        params = {"login_hint": form.cleaned_data["email"]}
        if next_url:
            params["next"] = next_url
        start_url = with_query(reverse("sso:start", args=[provider.pk]), params)
    return render(
        request,
        "sso/find.html",
        {"form": form, "provider": provider, "start_url": start_url, "next": next_url or ""},
    )


@never_cache
@require_GET
def identity_provider_start(request, pk: int):
    """Send the browser to the provider's login, remembering what must come back."""
    provider = identity_provider_usable(pk=pk)
    if provider is None:
        raise Http404
    state = get_random_string(32)
    code_verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "scope": settings.OIDC_RP_SCOPES,
        "client_id": provider.oidc_client_id,
        "redirect_uri": request.build_absolute_uri(reverse("sso:callback")),
        "state": state,
        "nonce": get_random_string(32),
        "code_challenge": generate_code_challenge(code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    login_hint = request.GET.get("login_hint", "")[:254]
    if login_hint:
        params["login_hint"] = login_hint
    add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
    request.session["oidc_states"][state].update(
        provider=provider.pk, next=get_next_url(request, "next") or ""
    )
    request.session.modified = True
    return HttpResponseRedirect(with_query(provider.authorization_endpoint, params))


@never_cache
@require_GET
def identity_provider_callback(request):
    """Finish the login the provider sends back: once per state, only for whom it may log in."""
    states = request.session.get("oidc_states")
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if isinstance(states, dict) and state else None
    if entry is None:
        return _refused(
            request, _("This login was already used, has expired or began elsewhere. Start again.")
        )
    # Saved at once, so that a second request with the same state finds it gone.
    request.session.modified = True
    request.session.save()
    provider = identity_provider_usable(pk=entry.get("provider") or 0)
    if provider is None:
        return _refused(request, _("This organisation login is switched off."))
    if request.GET.get("error") or not request.GET.get("code"):
        return _refused(
            request,
            _("%(provider)s did not log you in (%(reason)s).")
            % {"provider": provider.name, "reason": request.GET.get("error", "no code")[:100]},
        )
    backend = IdentityProviderBackend()
    try:
        user = backend.authenticate(
            request,
            identity_provider=provider,
            nonce=entry.get("nonce"),
            code_verifier=entry.get("code_verifier"),
        )
    except SignInRefused as exc:
        return _refused(request, str(exc), provider=provider)
    if user is None:
        return _refused(
            request,
            _("The login from %(provider)s could not be verified.") % {"provider": provider.name},
            provider=provider,
        )
    auth.login(request, user, backend=BACKEND)
    if provider.trusts_second_factor and used_more_than_one_factor(
        backend.id_token_claims.get("amr")
    ):
        otp_login(request, provider_second_factor(provider=provider, user=user))
    request.session[SESSION_KEY] = {"provider": provider.pk, "id_token": backend.id_token}
    default = "admin:index" if user.is_staff else settings.LOGIN_REDIRECT_URL
    return redirect(entry.get("next") or resolve_url(default))


def _refused(request, reason: str, provider=None):
    logger.info("Login through an identity provider refused: %s", reason)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": f"sso:{provider.pk}" if provider else "sso"},
        request=request,
    )
    messages.error(request, reason)
    return redirect("login")
