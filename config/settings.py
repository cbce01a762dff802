"""Settings, read from the environment in this one module (STYLE.md §10).

One engine everywhere (issue 12): PostgreSQL. Without DATABASE_URL the database is the embedded PostgreSQL
that ``make run`` (scripts/desk.py) starts under ``var/pgdata``; the broker is Celery's filesystem transport
under ``var/broker`` unless REDIS_URL / CELERY_BROKER_URL is set. DEBUG is off unless asked for; production
sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from kombu import Queue

from config.ldap import backends, ldap_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "teams",
    "incidents",
    "escalation",
    "monitoring",
    "reports",
    "measures",
    "security",
    "desk",
    "ops",
]

MIDDLEWARE = [
    "ops.failover.DatabaseSwitchMiddleware",  # a database switch answers 503 + Retry-After, never 500
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "security.middleware.SecurityEventMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "security.middleware.SessionLifetimeMiddleware",
    "security.directory.DirectoryAccountMiddleware",
    "security.second_factor.SecondFactorMiddleware",
    "security.readlog.ReadLogMiddleware",
    "teams.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

if env_bool("SERVER_TIMING", False):  # benchmarks: time spent in Django, as a response header
    MIDDLEWARE.insert(0, "config.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "teams.context_processors.roles",
                "escalation.context_processors.counts",
            ],
        },
    },
]

# The embedded server's socket lives in its data directory (scripts/desk.py), so `manage.py` reaches the
# database of a running `make run` without configuration.
EMBEDDED_DATABASE_URL = f"postgres://postgres@{str(VAR_DIR / 'pgdata').replace('/', '%2F')}/emergency_desk"


def database_url(url: str) -> str:
    """libpq's multi-host form ``postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`` →
    the ``?host=h1,h2&port=5432,5432`` form dj-database-url parses (it passes the query to libpq)."""
    match = re.match(r"^(postgres(?:ql)?://)([^@/]*@)?([^/?]*,[^/?]*)/([^?]*)\??(.*)$", url)
    if not match:
        return url
    scheme, userinfo, hosts, name, query = match.groups()
    pairs = [item.rsplit(":", 1) if ":" in item else [item, "5432"] for item in hosts.split(",")]
    extra = f"host={','.join(h for h, _ in pairs)}&port={','.join(p for _, p in pairs)}"
    return f"{scheme}{userinfo or ''}/{name}?{extra}{'&' + query if query else ''}"


# Failover (docs/deploy.md): list every node, libpq connects to the one that accepts writes; a request
# that meets a dead connection reconnects (CONN_HEALTH_CHECKS) or answers 503 + Retry-After
# (ops.failover), never 500.
DATABASES = {
    "default": dj_database_url.parse(
        database_url(os.environ.get("DATABASE_URL") or EMBEDDED_DATABASE_URL),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Give up on a dead node quickly so libpq tries the next host (and a request answers 503 in time).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Directory sign-in (django-auth-ldap, config/ldap.py): on when LDAP_SERVER_URI is set; local accounts stay
# for break-glass and the demo (docs/security.md).
_ldap = ldap_settings(os.environ)
globals().update(_ldap)
AUTHENTICATION_BACKENDS = backends(_ldap["LDAP_ENABLED"])
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first, English second; every time shown in Asia/Shanghai, stored in UTC.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Assets are found in place too, so a server started without collectstatic still serves them (no CDN ever).
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

REST_FRAMEWORK = {
    # Token first, so a request without credentials is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "security.second_factor.TokenWithSecondFactor",  # a token + X-OTP-Code header for decisions
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in; integrator tokens only on INTEGRATOR_API_PREFIXES; auditors read only (docs/security.md).
    "DEFAULT_PERMISSION_CLASSES": ["security.permissions.RoleScope"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "incidents.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Emergency Desk API",
    "DESCRIPTION": "客服中心应急指挥台 — the public contract of DESIGN §7.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Offline intranets: Swagger UI and ReDoc assets come from drf-spectacular-sidecar, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Name the two team-code choice sets, so the schema (and `check --deploy`) carries no naming collision.
    "ENUM_NAME_OVERRIDES": {
        "TeamCodeEnum": "teams.models.Team.Code",
        "WorkingGroupEnum": "incidents.forms.WORKING_GROUP_CHOICES",
        "CorrectiveActionKindEnum": "reports.models.CorrectiveAction.Kind",
        "CorrectiveActionStatusEnum": "reports.models.CorrectiveAction.Status",
        "RegulatorDeadlineKindEnum": "incidents.models.RegulatorDeadline.Kind",
        "MeasureDecisionEnum": "measures.forms.DECISION_CHOICES",
        "StatementVetDecisionEnum": "measures.forms.VET_CHOICES",
        "RemedyKindEnum": "measures.models.Remedy.Kind",
        "IncidentKindEnum": "incidents.plans.IncidentKind",
    },
}

# Celery: the database is the source of truth for every timer; the broker only carries work.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else kombu writes ./control/ in the checkout
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Timers and notifications have their own queues, so a slow webhook never delays a due timer; a worker
# started without -Q consumes every queue listed here.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("timers"), Queue("notifications")]
CELERY_TASK_ROUTES: dict[str, dict] = {
    "escalation.timer_fire": {"queue": "timers"},
    "escalation.timers_sweep": {"queue": "timers"},
    "escalation.timers_fire_chunk": {"queue": "timers"},
    "escalation.notification_deliver": {"queue": "notifications"},
}
# Publishing from a web request must not hang while the broker is down: the timer row is already committed
# and the sweep fires it on recovery.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith(("redis", "sentinel")):
    # ETA nudges are never longer than the horizon below, far under the visibility timeout, so Redis never
    # redelivers a pending ETA (and a redelivered one is a no-op anyway: fencing token + fired_at).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
# How often the live board polls (issue 12: a new incident or a decision for the viewer is called within it).
BOARD_POLL_SECONDS = int(os.environ.get("BOARD_POLL_SECONDS", "10"))
if CELERY_BROKER_URL.startswith("sentinel"):
    # Redis with replicas behind Sentinel (docs/deploy.md): CELERY_BROKER_URL lists the Sentinels,
    # "sentinel://:pw@s1:26379/0;sentinel://:pw@s2:26379/0;sentinel://:pw@s3:26379/0", and kombu asks
    # them for the current master of REDIS_SENTINEL_MASTER, again after every failover.
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = os.environ.get("REDIS_SENTINEL_MASTER", "mymaster")
    if os.environ.get("REDIS_SENTINEL_PASSWORD"):
        CELERY_BROKER_TRANSPORT_OPTIONS["sentinel_kwargs"] = {
            "password": os.environ["REDIS_SENTINEL_PASSWORD"]
        }
# A worker that loses the broker keeps reconnecting (for ever, backing off) instead of exiting.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The timer sweep (DESIGN §5): the one periodic task. Run two or more beats: each holds out for the
# PostgreSQL leader lock, only the holder sends (ops.scheduler; docs/decisions.md, issue 15).
ESCALATION_SWEEP_SECONDS = float(os.environ.get("ESCALATION_SWEEP_SECONDS", "5"))
ESCALATION_NUDGE_HORIZON_SECONDS = int(os.environ.get("ESCALATION_NUDGE_HORIZON_SECONDS", "120"))
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "escalation-timers-sweep": {"task": "escalation.timers_sweep", "schedule": ESCALATION_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULER = "ops.scheduler:LeaderScheduler"
# A standby beat asks for the lock this often; a leader re-checks its lock connection as often.
OPS_STANDBY_POLL_SECONDS = float(
    os.environ.get("OPS_STANDBY_POLL_SECONDS", str(max(min(ESCALATION_SWEEP_SECONDS / 4, 5.0), 0.25)))
)
# /healthz turns "degraded" when the sweep has not completed for this many periods (or the broker is down);
# the admins are told then by e-mail (OPS_ALERT_EMAILS, else active superusers) and OPS_ALERT_WEBHOOK,
# sent by the web process itself — not through the sweep. Repeated at most every OPS_ALERT_REPEAT_SECONDS.
OPS_SWEEP_STALE_PERIODS = float(os.environ.get("OPS_SWEEP_STALE_PERIODS", "3"))
OPS_ALERT_EMAILS = env_list("OPS_ALERT_EMAILS", "")
OPS_ALERT_WEBHOOK = os.environ.get("OPS_ALERT_WEBHOOK", "")
OPS_ALERT_REPEAT_SECONDS = int(os.environ.get("OPS_ALERT_REPEAT_SECONDS", "3600"))
# The emergency pack (ops.pack): written nightly at this hour (Asia/Shanghai) by a timer; dated copies kept.
OPS_PACK_HOUR = int(os.environ.get("OPS_PACK_HOUR", "2"))
OPS_PACK_KEEP = int(os.environ.get("OPS_PACK_KEEP", "14"))
# /metrics (Prometheus): open on the internal network unless a bearer token is set.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Notifications: delivery retries back off (seconds between attempts), then the row is marked failed.
NOTIFICATION_RETRY_BACKOFF = [float(s) for s in env_list("NOTIFICATION_RETRY_BACKOFF", "10,60,300")]
NOTIFICATION_HTTP_TIMEOUT = float(os.environ.get("NOTIFICATION_HTTP_TIMEOUT", "5"))
NOTIFICATION_REQUEUE_GRACE_SECONDS = float(os.environ.get("NOTIFICATION_REQUEUE_GRACE_SECONDS", "30"))
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "escalation.channels.LoggingSmsGateway")
# Alibaba Cloud SMS (SMS_GATEWAY=escalation.sms.AliyunSmsGateway); see escalation/sms.py
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_TEMPLATE_CODE = os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", "")
ALIYUN_SMS_REGION = os.environ.get("ALIYUN_SMS_REGION", "cn-hangzhou")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# The plan's clocks (Art. 2): compressible for tests and drills.
OUTAGE_LIMIT_SECONDS = int(os.environ.get("OUTAGE_LIMIT_SECONDS", "3600"))
OUTAGE_WARNING_SECONDS = [int(s) for s in env_list("OUTAGE_WARNING_SECONDS", "1800,2700")]

# Monitoring feeds (DESIGN §5): how far an integrator's clock may run ahead, and how old a system status
# event may be and still start or stop the outage clock.
MONITORING_CLOCK_SKEW_SECONDS = int(os.environ.get("MONITORING_CLOCK_SKEW_SECONDS", "300"))
MONITORING_EVENT_MAX_AGE_SECONDS = int(os.environ.get("MONITORING_EVENT_MAX_AGE_SECONDS", "86400"))

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")

# Reports (DESIGN §6): the plan's targets a drill is scored against (minutes; Art. 6). Late reporting (缓报,
# Art. 21) is measured against one threshold: the escalation policy ``late_report`` (admin-editable).
DRILL_TARGET_MINUTES = {
    name: int(minutes)
    for name, minutes in (
        item.split("=")
        for item in env_list("DRILL_TARGET_MINUTES", "report=60,decide=15,activate=90,terminate=240")
    )
}
# How often the owner of an overdue corrective action is reminded (the action's escalation timer repeats).
ACTION_REMINDER_HOURS = float(os.environ.get("ACTION_REMINDER_HOURS", "24"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "emergency-desk@localhost")

# Attachments (evidence files): size and type limits.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_ALLOWED_EXTENSIONS = env_list(
    "ATTACHMENT_ALLOWED_EXTENSIONS", "pdf,png,jpg,jpeg,gif,txt,csv,log,doc,docx,xls,xlsx,eml,zip"
)

# Login throttling (ASVS 2.2.1 / 6.1.1 of the issue): AXES_FAILURE_LIMIT failures of one username from one
# address lock that pair for AXES_COOLOFF_HOURS; the lock lifts by itself (no permanent lockout an attacker
# could aim at a manager), and the manager can still sign in from their own workstation meanwhile.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_VERBOSE = False

# A second factor (TOTP, django-otp) for the Leadership Group's decisions, co-approvals and the admin
# (security.second_factor). On by default; scripts/desk.py runs the embedded demo without it unless
# SECOND_FACTOR_REQUIRED=1; `check --deploy` warns when it is off. A verification counts for
# SECOND_FACTOR_MAX_AGE_SECONDS, then a decision asks again (step-up).
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", not DEBUG)
SECOND_FACTOR_MAX_AGE_SECONDS = int(os.environ.get("SECOND_FACTOR_MAX_AGE_SECONDS", str(15 * 60)))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Emergency Desk")

# The API paths an integrator token may reach (security.permissions.RoleScope).
INTEGRATOR_API_PREFIXES = env_list("INTEGRATOR_API_PREFIXES", "/api/v1/monitoring/")

# Sessions (ASVS 7.3): a new key at login (Django), ended after SESSION_IDLE_TIMEOUT_SECONDS without a
# request and SESSION_ABSOLUTE_TIMEOUT_SECONDS after login whatever happens (security.middleware).
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT_SECONDS", str(10 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Production transport (DEBUG off): HTTPS only, HSTS, cookies only over HTTPS. Behind a TLS-terminating
# proxy set SECURE_PROXY_SSL_HEADER=1 (the proxy must set X-Forwarded-Proto). SECURE_SSL_REDIRECT=0 only for
# a loopback benchmark or load test, never in production.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp 4): scripts only from our own origin — no inline script, no eval, no
# third party. Inline *styles* stay allowed (htmx's indicator style, Swagger UI); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "security": {"level": "INFO"},
    },
}

TEST_RUNNER = "django.test.runner.DiscoverRunner"
