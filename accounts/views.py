"""Account pages: the client admin's colleagues, invitations; logging out, a new password."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import InviteForm, PasswordResetRequestForm
from accounts.models import User
from audit.middleware import client_address
from paqt_support.exceptions import ApplicationError, RateLimitedError
from paqt_support.ratelimit import limit_exceeded, seconds_left
from portal.views import contact_required

# The window in which requests for a new password are counted.
PASSWORD_RESET_PERIOD_SECONDS = 60 * 60


def client_admin_required(view):
    """Let in the client admins of an organisation; to other contacts these pages do not exist."""

    @wraps(view)
    @contact_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_client_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _colleague_or_404(request, pk: int) -> User:
    try:
        return selectors.colleague_get_for_user(user=request.user, pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


@client_admin_required
@require_GET
def colleague_list(request):
    """List the organisation's contacts with their state and the actions on them."""
    colleagues = selectors.colleague_list_for_user(user=request.user)
    return render(request, "portal/colleague_list.html", {"colleagues": colleagues})


@client_admin_required
@require_http_methods(["GET", "POST"])
def colleague_invite(request):
    """Invite a colleague, who receives an email to choose a password."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.colleague_invite(
                admin=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                preferred_language=data["language"],
                is_client_admin=data["is_client_admin"],
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            # Told from the form, alike whether the service invited or, for an address
            # outside the organisation, quietly did not.
            name = f"{data['first_name']} {data['last_name']}".strip()
            messages.success(
                request,
                _("%(name)s has been invited and will receive an email at %(email)s.")
                % {"name": name, "email": data["email"].strip().lower()},
            )
            return redirect("accounts:colleague-list")
    return render(request, "portal/colleague_invite.html", {"form": form})


def _set_active(request, pk: int, *, active: bool):
    colleague = _colleague_or_404(request, pk)
    try:
        if active:
            services.colleague_reactivate(admin=request.user, colleague=colleague)
        else:
            services.colleague_deactivate(admin=request.user, colleague=colleague)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        done = _("%(name)s can log in again.") if active else _("%(name)s can no longer log in.")
        messages.success(request, done % {"name": colleague})
    return redirect("accounts:colleague-list")


@client_admin_required
@require_POST
def colleague_deactivate(request, pk: int):
    return _set_active(request, pk, active=False)


@client_admin_required
@require_POST
def colleague_reactivate(request, pk: int):
    return _set_active(request, pk, active=True)


@login_required
@require_POST
def logout_everywhere(request):
    """End every session of the user, on all devices, this one included."""
    services.user_sessions_end(user_id=request.user.pk)
    logout(request)
    messages.success(request, _("You have been logged out on all your devices."))
    return redirect("login")


def _password_reset_limit_check(*, email: str, address: str) -> None:
    """Raise ``RateLimitedError`` past the hourly limits per email address and client address."""
    per_address = limit_exceeded(
        scope="password-reset-ip",
        key=address,
        limit=settings.PASSWORD_RESET_LIMIT_PER_IP,
        period=PASSWORD_RESET_PERIOD_SECONDS,
    )
    per_email = limit_exceeded(
        scope="password-reset-email",
        key=email.strip().lower(),
        limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        period=PASSWORD_RESET_PERIOD_SECONDS,
    )
    if per_address or per_email:
        minutes = -(-seconds_left(period=PASSWORD_RESET_PERIOD_SECONDS) // 60)
        raise RateLimitedError(
            ngettext(
                "A new password was asked for too often, for this address or from here. "
                "Try again in %(minutes)d minute.",
                "A new password was asked for too often, for this address or from here. "
                "Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a new password, a few times an hour per email address and per client address."""

    form_class = PasswordResetRequestForm

    def form_valid(self, form):
        try:
            _password_reset_limit_check(
                email=form.cleaned_data["email"], address=client_address(self.request)
            )
        except RateLimitedError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return super().form_valid(form)
