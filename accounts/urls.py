"""URLs of the client admin's pages and of account security, in the namespace "accounts"."""

from django.urls import path

from accounts import views
from accounts.two_factor import views as two_factor

app_name = "accounts"

urlpatterns = [
    path("colleagues/", views.colleague_list, name="colleague-list"),
    path("colleagues/invite/", views.colleague_invite, name="colleague-invite"),
    path(
        "colleagues/<int:pk>/deactivate/",
        views.colleague_deactivate,
        name="colleague-deactivate",
    ),
    path(
        "colleagues/<int:pk>/reactivate/",
        views.colleague_reactivate,
        name="colleague-reactivate",
    ),
    path("security/", two_factor.security, name="security"),
    path("security/two-factor/off/", two_factor.two_factor_disable, name="two-factor-disable"),
    path(
        "security/recovery-codes/",
        two_factor.recovery_codes_renew,
        name="recovery-codes-renew",
    ),
    path("security/organisation/", two_factor.client_two_factor, name="client-two-factor"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two-factor-setup"),
    path("two-factor/setup/qr.svg", two_factor.two_factor_qr, name="two-factor-qr"),
    path("two-factor/verify/", two_factor.two_factor_verify, name="two-factor-verify"),
]
