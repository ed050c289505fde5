"""Django settings, read from the environment with safe local defaults.

With no environment at all the app runs in local mode: SQLite and a filesystem
Celery broker under ``var/``, DEBUG on, and outgoing email kept as files that
``/dev/mail`` lists. ``DJANGO_ENV=production`` turns DEBUG off and requires
``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import secrets
from datetime import timedelta
from email.utils import parseaddr
from ipaddress import ip_network
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in {"local", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'local' or 'production', not {DJANGO_ENV!r}.")
IS_PRODUCTION = DJANGO_ENV == "production"

# Everything the app writes at run time (database, broker, mail, uploads) lives here
# in local mode, so a newcomer can find it and `rm -r var` starts afresh.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production.")
    return value


def _local_secret_key() -> str:
    """Return a secret key generated once for this checkout and kept under var/."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if IS_PRODUCTION:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
    DEBUG = False
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
    DEBUG = env.bool("DEBUG", default=True)

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "desk.admin_app.SupportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_prometheus",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "clients",
    "tickets",
    "sla",
    "ops",
    "oncall",
    "portal",
    "desk",
    "api",
    "monitoring",
    "webhooks",
    "audit",
    "mail",
    "sso",
]

MIDDLEWARE = [
    # First and (nearly) last: they time and count every request for /metrics.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before CommonMiddleware, so that every answer under /api/v1 carries API-Version.
    "api.middleware.ApiVersionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: the audit log, the CSRF check, the views.
    "paqt_support.middleware.NulCharacterRefusalMiddleware",
    "paqt_support.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication, so that every later step, and every read a view makes,
    # is logged with who acted and from where.
    "audit.middleware.AuditContextMiddleware",
    # Marks the user verified when the session holds a confirmed second factor.
    "django_otp.middleware.OTPMiddleware",
    "accounts.language.LanguageMiddleware",
    # After the language, so that its pages and API refusals speak the person's language.
    "accounts.two_factor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside the language and sessions, so that its page speaks the person's language.
    "sso.middleware.RemoteLogoutMiddleware",
    "paqt_support.middleware.PrivateCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "paqt_support.urls"
WSGI_APPLICATION = "paqt_support.wsgi.application"
ASGI_APPLICATION = "paqt_support.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ops.context_processors.environment",
            ],
            # The date filters (when, when_long, day) in every template without a load.
            "builtins": ["paqt_support.dates"],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name) or a SQLite file under var/.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker write to the same file; WAL and a busy timeout keep them from
    # failing each other with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before any password is checked.
# Single sign-on (sso/): identity providers are set up per client in the admin. What an
# outbound call to one may take, and what a login asks for.
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_RP_SCOPES = "openid email profile"
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Logs in through a client's or the staff's identity provider (sso/); only when asked to.
    "sso.backends.IdentityProviderBackend",
]
# Asking for a new password: at most this many times an hour per email address and per
# client address (API_NUM_PROXIES says which address that is).
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One set of date formats per language for pages, emails and files (paqt_support.dates).
FORMAT_MODULE_PATH = ["paqt_support.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not IS_PRODUCTION:
    # WhiteNoise warns on every start when the folder is missing; locally it stays empty.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Attachments hold client data: they live outside the web root and are only ever
    # served through a view that checks who is asking.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]

# Attachments: limits per file and per upload, and the content types we accept.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=5)
ATTACHMENT_MAX_PER_ISSUE = env.int("ATTACHMENT_MAX_PER_ISSUE", default=100)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/json",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# How long after resolution a client may still reopen an issue.
ISSUE_REOPEN_DAYS = env.int("ISSUE_REOPEN_DAYS", default=14)
# Whether a client reads the names of the on-call engineers paged for its issue; by
# default the portal says "the on-call service".
PORTAL_SHOWS_ONCALL_NAMES = env.bool("PORTAL_SHOWS_ONCALL_NAMES", default=False)
# Issues one contact may file in the portal per period; the API has its throttles.
ISSUE_FILING_LIMIT = env.int("ISSUE_FILING_LIMIT", default=20)
ISSUE_FILING_PERIOD_MINUTES = env.int("ISSUE_FILING_PERIOD_MINUTES", default=10)

# Email: EMAIL_URL=smtp://user:pass@host:port (smtp+tls:// for STARTTLS) sends real mail;
# without it, mail is kept as .eml files under var/mail that /dev/mail lists.
MAIL_DIR = VAR_DIR / "mail"
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif IS_PRODUCTION:
    raise ImproperlyConfigured("EMAIL_URL must be set when DJANGO_ENV=production.")
else:
    EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PAQT Support <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the accessibility statement (/toegankelijkheid/) asks people to report a barrier.
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1]
)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# A message the mail server keeps refusing for a while is given up after this many attempts;
# the waits between them double from 30 seconds to an hour.
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=10)
# A worker holds a message it is sending this long; one that died is replaced after it.
MAIL_CLAIM_SECONDS = env.int("MAIL_CLAIM_SECONDS", default=300)
# Incoming mail. An issue filed by mail gets this priority when the agreement offers it,
# else the least urgent one it offers. MAIL_IN_DIR is read every 15 s by beat: drop an
# .eml file there (local mode). MAIL_IMAP_URLS lists mailboxes to poll, each
# imaps://user:password@host:993/INBOX, with ?client=CODE for a client's own mailbox.
MAIL_DEFAULT_PRIORITY = env.str("MAIL_DEFAULT_PRIORITY", default="P3")
MAIL_IN_DIR = env.path("MAIL_IN_DIR", default=VAR_DIR / "mail-in")
MAIL_IMAP_URLS = env.list("MAIL_IMAP_URLS", default=[])
ADMINS = [("Administrators", a) for a in env.list("ADMIN_EMAILS", default=[])]

# Paging channels beside email (oncall/channels.py). SMS goes through an HTTP gateway that
# takes MessageBird's JSON shape; without SMS_GATEWAY_URL, local mode keeps each SMS for
# /dev/mail and production reports the channel as failing.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_ORIGINATOR = env.str("SMS_ORIGINATOR", default="PAQT")
# Seconds a webhook or the SMS gateway may take to answer; three channels tried one after
# the other must stay within the step task's time limit of 30 s.
PAGING_HTTP_TIMEOUT = env.float("PAGING_HTTP_TIMEOUT", default=5.0)
# Where the watchdog's alerts to the administrators go when email is failing: a chat
# webhook and mobile numbers (international form), beside ADMIN_EMAILS.
OPS_ALERT_WEBHOOK_URL = env.str("OPS_ALERT_WEBHOOK_URL", default="")
OPS_ALERT_SMS_NUMBERS = env.list("OPS_ALERT_SMS_NUMBERS", default=[])

# Celery. CELERY_BROKER_URL wins, then REDIS_URL; with neither, kombu's filesystem
# transport gives real asynchronous workers with no server at all.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = (
    env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://localhost//"
)
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport with the channel that keeps the worker alive when Redis
    # restarts under an unacknowledged task (paqt_support/broker.py says how).
    CELERY_BROKER_TRANSPORT = "paqt_support.broker:Transport"
    # A Redis that does not answer fails a publish (an issue being filed) and a reconnect
    # within seconds, rather than at the operating system's TCP timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 5, "socket_timeout": 10}
# The worker tries the broker again every second for as long as it is away
# (paqt_support/broker.py); Celery's limit of 100 tries would make it exit within two minutes.
CELERY_WORKER_CONSUMER = "paqt_support.broker:Consumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page being sent when the broker goes away is finished: the database records it, and its
# claim turns the redelivered message into a no-op. Cancelling it would only delay it.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# /readyz calls the workers dead when the beat-driven heartbeat is older than this.
HEARTBEAT_MAX_AGE = timedelta(seconds=env.int("HEARTBEAT_MAX_AGE_SECONDS", default=90))
# `manage.py run_worker` restarts its worker, and `manage.py worker_alive` fails, when the
# worker ran no heartbeat for this long while the broker answers. Beat sends one every 30 s
# and Redis hands it to the waiting workers in turn: keep this above 60 s per worker.
WORKER_STALE_AFTER = timedelta(seconds=env.int("WORKER_STALE_SECONDS", default=180))
# /readyz reports an SLA clock the sweep (every 30 s) has not looked at this long after it
# fell due for a look: no at-risk or breach notice goes out.
SLA_OVERDUE_SECONDS = env.int("SLA_OVERDUE_SECONDS", default=120)
# Monitoring sends this as "Authorization: Bearer ..." to read why a check of /readyz fails
# (without it only staff can; anybody sees whether checks pass) and to read /metrics.
READYZ_TOKEN = env.str("READYZ_TOKEN", default="")
# /metrics answers READYZ_TOKEN and the client addresses in these networks (comma-separated
# addresses or CIDR ranges, read as API_NUM_PROXIES says), and nobody else: 403.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
try:
    METRICS_ALLOWED_NETWORKS = [ip_network(n, strict=False) for n in METRICS_ALLOWED_IPS]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from None

# Outgoing webhooks: each attempt waits at most WEBHOOK_TIMEOUT_SECONDS for an answer; a
# delivery is tried WEBHOOK_MAX_ATTEMPTS times with growing pauses (10 s up to 30 min); an
# endpoint is switched off, and its client's admins mailed, after
# WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row failed every attempt.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)

# The cache holds the API's request counts. While Redis is away, each process counts in its
# own memory instead (paqt_support/cache.py): an issue can always be filed.
CACHES = {
    "default": (
        {
            **env.cache_url_config(REDIS_URL),
            "BACKEND": "paqt_support.cache.FailOpenRedisCache",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The REST API under /api/v1 (the api app). Tokens first: its WWW-Authenticate makes
# an anonymous call answer 401 rather than 403. Throttle counts live in the cache.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # The per-address limit ("ip") runs before authentication: api.throttling.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_THROTTLE_TOKEN", default="120/min"),
        "ip": env.str("API_THROTTLE_IP", default="300/min"),
    },
    # How many proxies in front of the app append to X-Forwarded-For; 0 trusts none.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PAQT Support API",
    "DESCRIPTION": (
        "Issues, their conversation and files, SLA state, agreements and on call, for the "
        "clients' contacts and the provider's staff. Errors are RFC 9457 problem details."
    ),
    # The API's full version; ApiVersionMiddleware sends it as the API-Version header.
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "DEFAULT_GENERATOR_CLASS": "api.schema.EnglishSchemaGenerator",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PriorityEnum": "tickets.choices.Priority",
        "StatusEnum": "tickets.choices.Status",
        "AlertStatusEnum": ["firing", "resolved"],
        "ChannelEnum": "tickets.models.Channel",
        "AuditChannelEnum": "audit.models.AuditChannel",
        "AuditActionEnum": "audit.models.AuditAction",
        "AuditRoleEnum": "audit.models.AuditRole",
        "EventKindEnum": "tickets.models.EventKind",
        "ClockKindEnum": "sla.models.ClockKind",
    },
    # The documentation page loads its scripts from this app, never from a CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Errors of requests are mailed to ADMINS (outside DEBUG) once per kind of error per
# ERROR_MAIL_INTERVAL_MINUTES, and never for a request whose credentials were refused.
ERROR_MAIL_INTERVAL_MINUTES = env.int("ERROR_MAIL_INTERVAL_MINUTES", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "ops.error_mail.ThrottledAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own mail handler; the messages reach the console through root.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint tells every step of every PDF (and of its own style sheets at import).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Saving on every request turns the cookie age into an inactivity timeout.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# Nothing inline: the portal's behaviour is in static/js and its looks in static/css. The API
# documentation, whose Redoc injects styles and a worker, widens this for itself in api/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The access log (NEN 7513). Entries older than AUDIT_RETENTION_DAYS are removed by
# `manage.py purge_audit_log`; the default keeps five years, to be set to what the
# provider's retention policy says. AUDIT_SYSTEM_NAME names this installation in every
# entry, for logs gathered from several systems.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=5 * 366)
AUDIT_SYSTEM_NAME = env.str("AUDIT_SYSTEM_NAME", default="paqt-support")

# Two-factor authentication (django-otp, TOTP with recovery codes). With TWO_FACTOR_ENFORCED
# on, staff, and the contacts of a client that requires it, must set up an authenticator app
# and enter its code after every login; contacts who switch it on themselves are asked too.
# Off, nobody is asked, and API tokens of staff without one are accepted.
TWO_FACTOR_ENFORCED = env.bool("TWO_FACTOR_ENFORCED", default=True)
OTP_TOTP_ISSUER = "PAQT Support"
# Wrong codes count against the session, not the device (accounts/two_factor/attempts.py):
# django-otp's own throttling would let anyone with the password freeze the owner's app.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# After each wrong code the session's next try waits 1, 2, 4, ... seconds; after
# TWO_FACTOR_SESSION_FAILURE_LIMIT wrong codes the session ends. One client address checks at
# most TWO_FACTOR_CODES_PER_IP codes per quarter of an hour.
TWO_FACTOR_SESSION_FAILURE_LIMIT = env.int("TWO_FACTOR_SESSION_FAILURE_LIMIT", default=5)
TWO_FACTOR_CODES_PER_IP = env.int("TWO_FACTOR_CODES_PER_IP", default=30)

# Login throttling: an account, or an address, is locked after AXES_FAILURE_LIMIT failures
# for AXES_COOLOFF_MINUTES. Counting both stops guessing one password for many accounts.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout do not restart it: the page promises a time, and it holds. A guesser
# still gets no more than AXES_FAILURE_LIMIT tries per period.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# A locked account's owner is mailed a single-use link; the browser that opens it logs in to
# that account through the lock (accounts/lockout), while whoever is guessing stays locked.
AXES_WHITELIST_CALLABLE = "accounts.lockout.bypass.bypass_granted"
# Behind a proxy every request comes from the proxy's address, and one guesser would lock
# everybody out: the client's address is read as the API's throttles and the access log read
# it (API_NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_address"
# Each failure is kept too, not only the running count, so that an incident can be traced.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Attempts are logged as rows; the start-up banner on every command is noise.
AXES_VERBOSE = False

if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # /healthz, /readyz and /metrics are probed over plain HTTP from inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
