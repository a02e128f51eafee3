"""Django settings for wenming, read from environment variables.

Every setting has a safe default so that `wenming demo` works on a fresh machine:
SQLite in ``./var``, a secret key generated there on first run, Chinese UI.
"""

import json
from pathlib import Path

from wenming.env import (
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    load_or_create_secret,
    parse_database_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR = env_path("WENMING_DATA_DIR", Path("var"))
MEDIA_ROOT = env_path("WENMING_MEDIA_DIR", DATA_DIR / "media")
STATIC_ROOT = env_path("WENMING_STATIC_DIR", DATA_DIR / "static")

DEBUG = env_bool("WENMING_DEBUG", False)
SECRET_KEY = env_str("WENMING_SECRET_KEY") or load_or_create_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("WENMING_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("WENMING_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": parse_database_url(env_str("WENMING_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'wenming.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("WENMING_REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    # Loads every app's rules.py, where its pages' and actions' access rules are declared.
    "rules.apps.AutodiscoverRulesConfig",
    "wenming.core",
    "wenming.org",
    "wenming.workdays",
    "wenming.notifications",
    "wenming.cases",
    "wenming.open311",
    "wenming.coverage",
    "wenming.participation",
    "wenming.office",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wenming.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wenming.org.access.ActingMembershipMiddleware",
    "wenming.core.middleware.ServiceErrorMiddleware",
]

ROOT_URLCONF = "wenming.urls"
WSGI_APPLICATION = "wenming.wsgi.application"

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
                "wenming.office.context_processors.shell",
                "wenming.participation.context_processors.portal",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff log in with their user name; citizens with their phone number or e-mail.
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",  # user.has_perm asks the apps' rules
    "django.contrib.auth.backends.ModelBackend",
    "wenming.participation.backends.PhoneOrEmailBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "office:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "wenming.core.storage.StaticFilesStorage"},
}
# Serve straight from the packages' static folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = env_int("WENMING_SESSION_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("WENMING_BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("WENMING_SECURE_COOKIES", False)

EMAIL_BACKEND = env_str("WENMING_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("WENMING_FROM_EMAIL", "wenming@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("WENMING_LOG_LEVEL", "WARNING")},
}

# The product's own settings.
WENMING_AREA_TOLERANCE = 0.005  # share of a child's area allowed outside its parent on import
# Office hours on working days, for deadlines counted in working hours or days.
WENMING_WORKING_HOURS = [("08:30", "12:00"), ("14:30", "18:00")]
WENMING_MAX_UPLOAD_BYTES = env_int("WENMING_MAX_UPLOAD_MB", 15) * 1024 * 1024
WENMING_MAX_IMAGE_PIXELS = 50_000_000
# Outbound notifications: e-mail through EMAIL_BACKEND, SMS through the city's gateway.
WENMING_NOTIFY_EMAIL = env_bool("WENMING_NOTIFY_EMAIL", True)
WENMING_SMS_WEBHOOK_URL = env_str("WENMING_SMS_WEBHOOK_URL", "")

# Citizen portal accounts: how verification codes are sent (participation/channels.py):
# "console" prints them (demo), "http" is the city's SMS gateway, "email" sends mail; e.g. "http,email".
WENMING_CODE_CHANNEL = env_str("WENMING_CODE_CHANNEL", "console")
WENMING_SMS_GATEWAY_URL = env_str("WENMING_SMS_GATEWAY_URL", "")
WENMING_SMS_GATEWAY_TOKEN = env_str("WENMING_SMS_GATEWAY_TOKEN", "")
WENMING_SMS_GATEWAY_TIMEOUT = env_int("WENMING_SMS_GATEWAY_TIMEOUT", 10)
# Limits on public writes, overriding participation.protection.DEFAULT_LIMITS as JSON:
# {"report": {"account": [10, 3600], "ip": [30, 3600]}} = 10 reports an hour per account, 30 per address.
WENMING_PORTAL_LIMITS = json.loads(env_str("WENMING_PORTAL_LIMITS", "") or "{}")
# Questionnaire answers accepted per questionnaire from one network address per day.
WENMING_QUESTIONNAIRE_IP_DAILY_CAP = env_int("WENMING_QUESTIONNAIRE_IP_DAILY_CAP", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = WENMING_MAX_UPLOAD_BYTES + 1024 * 1024
