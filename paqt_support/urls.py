"""The project's URLs: portal, admin, auth, health and (locally) the mailbox."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import language
from accounts import views as accounts_views
from accounts.lockout import views as lockout_views
from ops import views as ops_views
from portal import accessibility

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/logout-everywhere/",
        accounts_views.logout_everywhere,
        name="logout-everywhere",
    ),
    path(
        "accounts/password-reset/",
        accounts_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/unlock/<str:token>/", lockout_views.unlock, name="account-unlock"),
    path("accounts/sso/", include("sso.urls")),
    path("accounts/", include("accounts.urls")),
    path("toegankelijkheid/", accessibility.statement, name="accessibility-statement"),
    path("sla/", include("sla.urls")),
    path("oncall/", include("oncall.urls")),
    path("", include("portal.urls")),
]

if not settings.IS_PRODUCTION:
    urlpatterns += [
        path("dev/mail/", ops_views.mailbox, name="dev-mailbox"),
        path("dev/mail/<str:name>", ops_views.mailbox_message, name="dev-mailbox-message"),
        path("dev/webhook/<slug:name>/", ops_views.webhook_sink, name="dev-webhook"),
        path(
            "dev/mail/<str:name>/html",
            ops_views.mailbox_message_html,
            name="dev-mailbox-message-html",
        ),
    ]
