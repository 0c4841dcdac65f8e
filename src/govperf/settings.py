"""Django settings for GovPerf.

Everything comes from the environment through the typed readers in
``govperf.core.env``; defaults give a safe embedded set-up (SQLite under
``var/``, SqliteHuey, no services). ``govperf check --deploy`` refuses the
defaults that are unsafe in production.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from govperf.core.env import env_bool, env_int, env_list, env_path, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = env_path("GOVPERF_VAR_DIR", REPO_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- core -----------------------------------------------------------------

DEBUG = env_bool("GOVPERF_DEBUG", False)
# Marker the deploy check looks for: the key was not given by the operator.
SECRET_KEY_FROM_ENV = env_str("SECRET_KEY") is not None


def _embedded_secret_key() -> str:
    # A per-installation key under var/, so sessions survive restarts of `make run`.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS_FROM_ENV = env_str("ALLOWED_HOSTS") is not None
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "huey.contrib.djhuey",
    "govperf.core",
    "govperf.audit",
    "govperf.orgs",
    "govperf.accounts",
    "govperf.indicators",
    "govperf.plans",
    "govperf.data",
    "govperf.evaluation",
    "govperf.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govperf.core.middleware.AuditContextMiddleware",
    "govperf.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside the locale middleware, so that its messages are in the request's language.
    "govperf.core.middleware.ApiErrorBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "govperf.accounts.middleware.SecurityGateMiddleware",
    "govperf.core.middleware.DomainErrorMiddleware",
    # Last, so that it sees the outcome of every other middleware (django-axes' rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govperf.urls"
WSGI_APPLICATION = "govperf.wsgi.application"
AUTH_USER_MODEL = "orgs.Person"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "govperf.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "govperf.sqlite3",
            "OPTIONS": {
                # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two
                # writers queue instead of failing with "database is locked" mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }

# --- cache and jobs ---------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("GOVPERF_HUEY_NAME", "govperf"),
        "url": REDIS_URL,
        "immediate": env_bool("GOVPERF_HUEY_IMMEDIATE", False),
        "consumer": {"workers": env_int("GOVPERF_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    # Embedded mode serves from one process, so a local-memory cache is shared by all requests.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "govperf",
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "govperf",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_bool("GOVPERF_HUEY_IMMEDIATE", False),
        "consumer": {"workers": env_int("GOVPERF_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

# --- security -------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_MIN_LENGTH = env_int("GOVPERF_PASSWORD_MIN_LENGTH", 8, minimum=6)
PASSWORD_MIN_CLASSES = env_int("GOVPERF_PASSWORD_MIN_CLASSES", 3, minimum=1)
PASSWORD_MAX_AGE_DAYS = env_int("GOVPERF_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)  # 0 = never
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {
        "NAME": "govperf.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AXES_FAILURE_LIMIT = env_int("GOVPERF_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GOVPERF_LOCKOUT_MINUTES", 30, minimum=1))
# Lock the account itself, whatever address the attempts come from (PRODUCT.md Security);
# axes warns that this ignores the address, which is the point.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "govperf.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Idle timeout: the session expires this long after the last request.
SESSION_COOKIE_AGE = 60 * env_int("GOVPERF_SESSION_MINUTES", 30, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("GOVPERF_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# No script reads the cookie: htmx sends the token from the page (hx-headers on <body>).
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("GOVPERF_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("GOVPERF_HSTS_SECONDS", 0, minimum=0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GOVPERF_BEHIND_PROXY", False) else None
)

# Roles whose accounts must use a TOTP second factor.
OTP_REQUIRED_ROLES = env_list(
    "GOVPERF_OTP_ROLES", ["system_admin", "security_auditor", "perf_office", "leader"]
)
OTP_TOTP_ISSUER = env_str("GOVPERF_OTP_ISSUER", "GovPerf")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- i18n -----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# Each app keeps its own catalogue in <app>/locale (found through INSTALLED_APPS).
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

# --- API ------------------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500
API_TOKEN_MAX_DAYS = env_int("GOVPERF_API_TOKEN_MAX_DAYS", 365, minimum=1)

# --- logging --------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("GOVPERF_LOG_LEVEL", "WARNING")},
    "loggers": {
        "govperf": {"level": env_str("GOVPERF_LOG_LEVEL", "INFO")},
        # A handler of its own: huey's consumer then adds none (each line printed once),
        # and its per-task lines show only when asked for.
        "huey": {
            "handlers": ["console"],
            "level": env_str("GOVPERF_LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
    },
}
