"""The page an unlock link opens: one button, so that a mail scanner's visit spends nothing."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.lockout import services
from accounts.lockout.bypass import bypass_grant
from paqt_support.exceptions import ApplicationError


@never_cache
@require_http_methods(["GET", "POST"])
def unlock(request, token: str):
    """Ask the owner to confirm; on POST spend the link and let this browser log in."""
    if request.method == "GET":
        return render(request, "accounts/unlock.html", {})
    try:
        user = services.unlock_link_redeem(token=token)
    except ApplicationError as exc:
        return render(request, "accounts/unlock.html", {"error": exc.message}, status=400)
    bypass_grant(request, username=user.get_username())
    messages.success(request, _("Logging in is open again in this browser. Log in now."))
    return redirect("login")
