"""Settings shared by every environment, read from the environment.

Every value that differs between a laptop and production comes from an
environment variable (12-factor); the defaults are the embedded development
setup: SQLite, no Redis, the development payment gateway.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime files of the embedded setup: SQLite database, on-disk broker, media.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Names of cities, districts, business areas and categories in both
    # languages (merchants/translation.py); before the admin, as it asks.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # sitemap.xml (storefront/seo.py)
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS/JS as static files
    "fontawesome",  # shipped by django-bootstrap-static: icons as a webfont
    "django_htmx",
    "csp",  # its system checks catch settings in the pre-4.0 format
    "o2o",
    "accounts",
    "merchants",
    "offers",
    "orders",
    "payments",
    "reviews",
    "rankings",
    "notifications",
    # Presentation: pages, API views and the demo data loader, each combining
    # the apps above; no models, and no app imports them (pyproject.toml:
    # [tool.importlinter]). The benchmarks' app is added below, on demand.
    "storefront",
    "dashboard",
    "moderation",
    "api",
    "demo",
]

MIDDLEWARE = [
    "o2o.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, plus ?lang=<code>: one address per language (hreflang, sitemap).
    "o2o.i18n.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ?ref=<code> of a share link: kept in the session, then dropped from the address.
    "accounts.referrals.ReferralMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After what its 413 page needs (language, user, messages); no middleware
    # above reads the body on the way in (CSRF reads the form only in
    # process_view, which a refused request never reaches).
    "o2o.http.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes docs).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "o2o.urls"
WSGI_APPLICATION = "o2o.wsgi.application"

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
                "o2o.context_processors.site",
                "storefront.context_processors.city",
                "notifications.context_processors.header",
                "payments.context_processors.test_mode",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default. IMMEDIATE transactions take SQLite's write lock when a
# transaction starts, so check-then-act services serialise instead of failing
# with "database is locked" halfway through; the timeout makes waiting
# writers queue rather than error under a crowd.
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The few hot hand-written statements (o2o.rawsql, e.g. a redemption)
    # are prepared once per connection: planning them cost more than running
    # them. Only those: Django's own cursors bind client-side and never
    # prepare. Turn off behind a pooler in transaction mode that cannot keep
    # prepared statements (PgBouncer before 1.21 or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (also the store of rate limits and login throttles) -------------
REDIS_URL = env("REDIS_URL", default="")
COUNTERS_NAMESPACE = env("COUNTERS_NAMESPACE", default="o2o:counters")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "o2o.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # One process serves the embedded site (threads share this memory).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# How long a rendered catalogue fragment may be served (o2o.pagecache): edits
# invalidate at once; sales counts on the lists refresh within this time.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

# --- Client addresses ------------------------------------------------------
# How many proxies (load balancers) stand in front of the app, each appending
# to X-Forwarded-For. 0: clients connect directly and only the socket's
# address counts. Every limit keyed on an address reads it through
# o2o.http.client_ip, so a header a client writes cannot move it. Too high a
# count lets clients choose their address; too low makes every client look
# like the proxy, sharing one budget.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "offers:home"
LOGOUT_REDIRECT_URL = "offers:home"

# django-axes: lock an e-mail + IP pair after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "o2o.lockout.lockout_response"
AXES_VERBOSE = False
# The lock's address is the one every other limit uses (never django-ipware's guess).
AXES_CLIENT_IP_CALLABLE = "o2o.http.client_ip"

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Content-Security-Policy and Permissions-Policy -------------------------
# Defence in depth behind template escaping: scripts, styles, fonts and images
# come from this site only (Bootstrap's CSS draws a few SVGs as data: URIs),
# no page can be framed, forms post only here. The templates have no inline
# script, handler or style attribute (static/o2o/*.js), so no nonce is needed,
# and none could be: whole pages are cached for anonymous visitors
# (o2o.pagecache), a nonce would be cached with them. Stripe's hosts are added
# on the Stripe payment page only (payments.views.stripe_pay), the API docs'
# needs on the docs page only (api.urls).
# --- Maps (offers.templatetags.places.store_map, static/o2o/map.js) ----------
# Leaflet from npm (package.json), served by the app under static/leaflet/
# when `npm ci` has put it in node_modules; without it the pages list the
# stores and draw no map. Map tiles come only from MAP_TILES_URL, a Leaflet
# URL template such as "https://{s}.tile.example.com/{z}/{x}/{y}.png" (its
# provider's terms apply; MAP_TILES_ATTRIBUTION is shown on the map). Empty
# (the default): no tiles, the pins on a plain background, and no page asks
# another host for anything.
LEAFLET_DIR = BASE_DIR / "node_modules" / "leaflet" / "dist"
MAP_LEAFLET = env.bool("MAP_LEAFLET", default=True) and LEAFLET_DIR.is_dir()
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="")


def tiles_source(url: str) -> str | None:
    """The Content-Security-Policy source of a tile URL template: its scheme
    and host, with a leading "{s}." subdomain as a wildcard."""
    if not url:
        return None
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("https", "http") or not host:
        raise ImproperlyConfigured("MAP_TILES_URL must be an http(s) URL template.")
    host = host.replace("{s}.", "*.", 1)
    if "{" in host:
        raise ImproperlyConfigured("MAP_TILES_URL: only a leading {s}. may vary in the host.")
    return f"{scheme}://{host}"


MAP_TILES_SOURCE = tiles_source(MAP_TILES_URL)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The map's tiles, from the one host the site is configured for.
        "img-src": [SELF, "data:", *([MAP_TILES_SOURCE] if MAP_TILES_SOURCE else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Powerful features: none for anyone, except the camera (the redeem page
# scans voucher QR codes) and geolocation (the "near me" button of /nearby/), and
# those for our own pages only: no frame (Stripe's included) may ask, and the
# browser still asks the person.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "camera": ["self"],
    "geolocation": ["self"],
    "microphone": [],
    "display-capture": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "midi": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "idle-detection": [],
    "browsing-topics": [],
}

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
if LEAFLET_DIR.is_dir():
    STATICFILES_DIRS.append(("leaflet", LEAFLET_DIR))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# The app serves uploaded media itself unless a CDN or proxy is put in front.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Uploads (o2o.images, o2o.http.RequestSizeLimitMiddleware) ---------------
# A photo may be at most this many bytes and pixels (checked from its size and
# header before it is decoded); what is stored is a re-encoded copy whose
# longest side is at most IMAGE_STORED_MAX_SIDE.
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_UPLOAD_MAX_PIXELS = env.int("IMAGE_UPLOAD_MAX_PIXELS", default=40_000_000)
IMAGE_STORED_MAX_SIDE = env.int("IMAGE_STORED_MAX_SIDE", default=1600)
# A request whose body is declared larger is refused (413) before any of it is
# read. The largest honest one is the deal form: a cover and 8 photos at the
# photo limit, plus its text fields.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=100 * 1024 * 1024)
# Django's own limits, stated: form fields other than files may hold 2.5 MB in
# all; an uploaded file over 2.5 MB is streamed to a temporary file, not kept
# in memory; and a request may carry at most 20 files.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # file backend only
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="O2O Deals <noreply@example.com>")

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's three, with a JSON parser that refuses bodies nested too deeply.
    "DEFAULT_PARSER_CLASSES": [
        "o2o.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "o2o.api.AutoSchema",  # operation ids, refusals: see there
    "EXCEPTION_HANDLER": "o2o.api.exception_handler",
    # Sign-ups and log-ins per client address, the API and the pages together
    # (o2o.ratelimit).
    "DEFAULT_THROTTLE_RATES": {"auth": "20/min"},
    # DRF's stock throttles, if any view uses one, read addresses as
    # o2o.http.client_ip does.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "O2O Deals API",
    "DESCRIPTION": "API v1 for mobile apps and point-of-sale devices. Every refusal is "
    "a JSON body `{code, detail}` (`ErrorResponse`) with a stable code; each operation "
    "lists, by status, the codes it can answer with. Operation ids are the path's words "
    "and what the method does: `offers_list`, `offers_retrieve`, `orders_pay`.",
    "VERSION": "1.0.0",
    # The version is not part of the operation ids and tags (o2o.api.AutoSchema).
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from drf-spectacular-sidecar, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "VoucherStatusEnum": "orders.models.Voucher.Status",
        "CouponKindEnum": "orders.models.CouponCampaign.Kind",
    },
}

# --- Celery ---------------------------------------------------------------
# Redis in production; without it, kombu's filesystem transport is a real
# broker on local disk, so `make run` still runs a worker and beat.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
# Notifications have their own queue, so a burst of e-mails never delays
# cancellations, expiries or refunds on the default queue.
CELERY_QUEUE_PREFIX = env("CELERY_QUEUE_PREFIX", default="")  # isolates test workers
CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_QUEUE_PREFIX}default"
CELERY_TASK_ROUTES = {"notifications.tasks.*": {"queue": f"{CELERY_QUEUE_PREFIX}notifications"}}
if CELERY_BROKER_URL.startswith("redis"):
    # An unacknowledged job (its worker died) goes back to the queue after this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The voucher expiry (orders.tasks.expire_vouchers): rows per transaction,
# workers sharing a backlog, and seconds a run may take before handing over.
EXPIRY_BATCH_SIZE = env.int("EXPIRY_BATCH_SIZE", default=5000)
EXPIRY_WORKERS = env.int("EXPIRY_WORKERS", default=2)
EXPIRY_TIME_BUDGET = env.int("EXPIRY_TIME_BUDGET", default=180)
CELERY_BEAT_SCHEDULE = {
    "cancel-unpaid-orders": {
        "task": "orders.tasks.cancel_unpaid_orders",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    "expire-vouchers": {
        "task": "orders.tasks.expire_vouchers",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "reconcile-pending-payments": {
        "task": "payments.tasks.reconcile_pending_payments",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 100},
    },
    "close-settlement-statements": {
        "task": "payments.tasks.close_settlement_statements",
        "schedule": crontab(minute=30, hour="*/6"),
        "options": {"expires": 3600},
    },
    "notify-expiring-vouchers": {
        "task": "notifications.tasks.notify_expiring_vouchers",
        "schedule": crontab(minute=0, hour=10),
        "options": {"expires": 3600},
    },
    "send-review-reminders": {
        "task": "notifications.tasks.send_review_reminders",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
    "merchant-daily-summaries": {
        "task": "notifications.tasks.send_daily_summaries",
        "schedule": crontab(minute=0, hour=8),
        "options": {"expires": 3600},
    },
    "send-deferred-tasks": {
        "task": "o2o.tasks.send_deferred_tasks",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    "flush-view-counters": {
        "task": "offers.tasks.flush_view_counters",
        "schedule": timedelta(seconds=30),
        "options": {"expires": 25},
    },
    "end-finished-offers": {
        "task": "offers.tasks.end_finished_offers",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # Rankings (榜单) from redemptions and reviews: rankings.services.
    "compute-rankings": {
        "task": "rankings.tasks.compute_rankings",
        "schedule": crontab(minute="7,37"),
        "options": {"expires": 1500},
    },
    # Saved deals gone on sale or about to end, into their savers' inboxes.
    "notify-saved-offers": {
        "task": "notifications.tasks.notify_saved_offers",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # "Remind me" of coming deals, once each, within a minute of their start.
    "send-sale-reminders": {
        "task": "notifications.tasks.send_sale_reminders",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
}

# --- Marketplace rules ----------------------------------------------------
CURRENCY = env("CURRENCY", default="CNY")
PAYMENT_WINDOW = timedelta(minutes=env.int("PAYMENT_WINDOW_MINUTES", default=15))
REDEMPTION_UNDO_WINDOW = timedelta(minutes=10)
PLATFORM_COMMISSION_RATE = Decimal(env("PLATFORM_COMMISSION_RATE", default="0.08"))
MAX_ORDER_QUANTITY = 50
# Wrong voucher codes allowed per staff member and per store before a pause.
REDEEM_FAILURE_RATE = env("REDEEM_FAILURE_RATE", default="10/10m")
SITE_NAME = env("SITE_NAME", default="O2O Deals")
# Whether robots.txt lets search engines in (storefront/seo.py). Unset: yes
# in production with real payments; no under DEBUG or with the development
# gateway (a demo or a staging copy must not be indexed as the shop).
SEARCH_ENGINES_INDEX = env.bool("SEARCH_ENGINES_INDEX", default=None)
# The load benchmarks' app (benchmarks/: its views, routed under /bench/, and
# grow_bench_data): installed only for them, never part of the product.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)
if BENCHMARK_VIEWS:
    INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")  # a local fake (localstripe) in tests
# Stripe requires Stripe.js from its own host; it is the one script from elsewhere.
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# The one switch for payments: "stripe", or "dev", the development gateway
# (a page of ours where the payer presses "pay" and no money moves). New
# payments, the payment URLs, the system check and the "test payments"
# banner all read it. Here it follows the keys; production has no such
# fallback (o2o/settings/production.py).
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", default="") or ("stripe" if STRIPE_SECRET_KEY else "dev")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "o2o.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "o2o.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),  # "json" in production
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "kombu.connection": {"level": "ERROR"}},
}

if CELERY_BROKER_URL == "filesystem://":
    for _folder in ("broker", "broker-processed", "broker-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
