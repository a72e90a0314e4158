"""Settings, read from the environment (see README "Configuration").

With no environment at all this is the embedded default: SQLite under var/,
local-memory cache, in-memory channel layer and Celery tasks run in process.
Setting DATABASE_URL and REDIS_URL switches to PostgreSQL and Redis; DEBUG=false
turns on the production hardening that ``manage.py check --deploy`` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# The embedded default keeps its SQLite file and collected static files here.
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# A fixed development key is fine while DEBUG is on; production must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # makes runserver serve ASGI (websockets) in development
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "axes",
    "claims",
    "deliberation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database that is away answers 503 with the reason, not 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Bodies too large, control characters in paths and queries: 4xx at once
    # (after the CSP, which its error pages get too).
    "config.badinput.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Writes by signed-in people on pages, per scope (the API's are DRF's).
    "config.throttling.PageWriteThrottleMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "deliberation.context_processors.notifications",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'counterpoint.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Fail fast (and answer 503) rather than hang when PostgreSQL is away.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
    if env.bool("DB_POOL", default=True):
        # ASGI serves each request on a fresh thread, so persistent connections
        # do not carry over; a pool spares a PostgreSQL connect per request.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
            # Seconds a request waits for a connection before answering 503.
            "timeout": env.float("DB_POOL_TIMEOUT", default=10),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Short socket timeouts: a Redis outage must surface as an error, not a hang.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# After a Redis call failed, the cache, rate limits and live events go on
# without Redis for this many seconds before trying again (config/cache.py):
# a frozen Redis costs one request per process a timeout, not every request.
REDIS_RETRY_AFTER = env.float("REDIS_RETRY_AFTER", default=5)
# Live events are sent by a thread of each process, not by the request
# (deliberation/events.py): each within this many seconds, or dropped...
LIVE_SEND_TIMEOUT = env.float("LIVE_SEND_TIMEOUT", default=2)
# ...as are events beyond this many waiting to be sent.
LIVE_PENDING_MAX = env.int("LIVE_PENDING_MAX", default=1000)
# k-anonymity: no tally of a side or a team (a small-group copy), and no
# opinion group, of fewer than this many people is shown to anyone but the
# debate's moderators (deliberation/selectors/voting.py, the analysis).
MIN_GROUP_SIZE = env.int("MIN_GROUP_SIZE", default=3)
# A live socket asks again whether its person may follow the debate before
# every event with text, and before count-only events (tallies) at most this
# many seconds after its last answer (deliberation/consumers.py).
LIVE_ACCESS_RECHECK = env.float("LIVE_ACCESS_RECHECK", default=5)
# Seconds each of /healthz's checks may take before it counts as failing.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=3)
# Except for the channel layer's reads: channels-redis waits for messages with a
# blocking BZPOPMIN of up to 5 s (RedisChannelLayer.brpop_timeout), so a shorter
# read timeout fails every quiet websocket consumer with a TimeoutError.
CHANNEL_LAYER_SOCKET_TIMEOUT = 10

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis' own backend, answering "not cached" while Redis is away:
            # writes go on (rate limits fail open), see config/cache.py.
            "BACKEND": "config.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cp"),
            # Its calls take a millisecond; one that hangs (a frozen Redis) is
            # given up soon, and Redis skipped for REDIS_RETRY_AFTER seconds.
            "OPTIONS": {**REDIS_TIMEOUTS, "socket_timeout": 0.5},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        **REDIS_TIMEOUTS,
                        "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT,
                    }
                ],
                "prefix": "cp-live",
                # Messages a busy process may hold before dropping new ones.
                "capacity": 1000,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -----------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No broker: run tasks in process (embedded default only; tests use a worker).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=270)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message a worker took but never acknowledged (it died) goes back to the
# queue after this many seconds; tasks declared with acks_late rely on it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    # A frozen Redis fails a send or a read instead of hanging it (above the
    # worker's one-second blocking wait for tasks).
    "socket_timeout": 5,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages (kombu's default: ~100 s).
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
    # A web process sending a task gives up on an unreachable broker at once
    # (the outbox keeps the message for the sweep) instead of retrying ~6 s.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport with a fix that keeps a worker alive through a
    # Redis restart (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_TIMEZONE = "UTC"
# Tests give their worker a queue of its own so no other worker takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="counterpoint")

# Transactional outbox (deliberation/outbox.py): tasks are written with the
# change that asks for them and sent after commit; the sweep (`manage.py
# outbox_sweep --loop`, a process of its own) sends delayed tasks when due,
# what a broker outage held back, and again what a lost queue dropped.
OUTBOX_SWEEP_INTERVAL = env.float("OUTBOX_SWEEP_INTERVAL", default=5)
OUTBOX_SWEEP_AFTER = env.float("OUTBOX_SWEEP_AFTER", default=5)
# A task sent but not started by a worker within this many seconds is sent again.
OUTBOX_LEASE = env.float("OUTBOX_LEASE", default=30)
# A task that raised is run again after this many seconds.
OUTBOX_RETRY_AFTER = env.float("OUTBOX_RETRY_AFTER", default=300)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)

# Periodic work for `celery -A config beat` (run exactly one per deployment).
CELERY_BEAT_SCHEDULE = {
    "apply-scheduled-phases": {
        "task": "deliberation.apply_scheduled_phases",
        "schedule": 5.0,  # seconds: a scheduled phase opens within 5 s
    },
    # Debates past "purge N days after closing"; idempotent, so hourly is plenty.
    "purge-expired-debates": {"task": "deliberation.purge_expired", "schedule": 3600.0},
}

# Opinion analysis: after votes, at most one run per debate per this many seconds.
ANALYSIS_MIN_INTERVAL = env.int("ANALYSIS_MIN_INTERVAL", default=30)
ANALYSIS_AFTER_VOTES = env.bool("ANALYSIS_AFTER_VOTES", default=True)
# "direct": participants clustered directly (red-dwarf's way); "polis": 100
# base clusters first, k smoothed across runs. Direct agrees better with
# Pol.is's own groups on the five conversations measured (docs/analysis.md).
ANALYSIS_MODE = env.str("ANALYSIS_MODE", default="direct")
if ANALYSIS_MODE not in ("direct", "polis"):
    raise ImproperlyConfigured("ANALYSIS_MODE must be direct or polis.")

# Duplicate suggestions: "auto" uses sentence embeddings when the optional
# extra is installed (pip install '.[embeddings]'), TF-IDF otherwise.
SIMILARITY_BACKEND = env.str("SIMILARITY_BACKEND", default="auto")
if SIMILARITY_BACKEND not in ("auto", "tfidf", "embeddings"):
    raise ImproperlyConfigured("SIMILARITY_BACKEND must be auto, tfidf or embeddings.")
# Interchange (import/export of Kialo, Argdown, AIF, W3C annotations, CSV).
INTERCHANGE_IMPORT_MAX_BYTES = env.int(
    "INTERCHANGE_IMPORT_MAX_BYTES", default=10_000_000
)
INTERCHANGE_IMPORT_MAX_CLAIMS = env.int("INTERCHANGE_IMPORT_MAX_CLAIMS", default=20_000)
# An uploaded file is kept only up to INTERCHANGE_IMPORT_MAX_BYTES; past it, only
# its size (deliberation/uploads.py), and the import refuses it.
FILE_UPLOAD_HANDLERS = [
    "deliberation.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A request body (uploads and all) larger than this is refused (413) from its
# Content-Length, before it is read (config/badinput.py); other bodies than
# uploads, from DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB).
REQUEST_MAX_BYTES = env.int(
    "REQUEST_MAX_BYTES", default=INTERCHANGE_IMPORT_MAX_BYTES + 1_000_000
)
# Uploads larger than this import in a background task whose progress is shown.
INTERCHANGE_INLINE_MAX_BYTES = env.int("INTERCHANGE_INLINE_MAX_BYTES", default=200_000)
# An import job whose runs were cut off this many times (a worker killed
# mid-run) is marked failed instead of started again; finished jobs are
# forgotten by purge_expired after IMPORT_JOB_KEEP_DAYS.
IMPORT_JOB_MAX_RUNS = env.int("IMPORT_JOB_MAX_RUNS", default=3)
# The report's PDF is made by a worker the same way (deliberation/services/
# reports.py) and kept until the debate changes.
REPORT_JOB_MAX_RUNS = env.int("REPORT_JOB_MAX_RUNS", default=3)
IMPORT_JOB_KEEP_DAYS = env.int("IMPORT_JOB_KEEP_DAYS", default=7)
# Idempotency-Key headers (API) and one-time form fields (pages): a retry with
# the same key within this many hours gets the first answer again.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# Base of absolute URLs written outside a request (annotation exports from the CLI).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# --- Auth -------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out log-ins
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + name}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Teachers land on their classes; a pupil's guest account on its debate
# (deliberation.views.classroom.my_classes).
LOGIN_REDIRECT_URL = "/classes/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Username first, email optional: pupils and pseudonymous participants have none.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_USERNAME_VALIDATORS = "deliberation.forms.USERNAME_VALIDATORS"
# A class shares one IP address: per-IP limits must leave room for 30 pupils
# logging in at once. Failed log-ins are django-axes' job (below), not allauth's.
ACCOUNT_RATE_LIMITS = {"login": "300/m/ip", "signup": "120/m/ip", "login_failed": None}

# Login lockout: after AXES_FAILURE_LIMIT failures for one username from one IP,
# that pair (not the whole IP) waits AXES_COOLOFF_MINUTES. With Redis, failures
# live in the cache only, so IP addresses expire with the lockout; the embedded
# default keeps them in the database. Successful log-ins are never logged.
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "config.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# Behind proxies, how many of them to trust: the client address is read from
# that many hops of X-Forwarded-For (rate limits, join limits, lockouts);
# 0 (the default) ignores the header, which anyone can forge.
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=env.int("AXES_IPWARE_PROXY_COUNT", default=0)
)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
)

# --- Rate limits --------------------------------------------------------------
# Every limit on writes, in one place: RATE_LIMIT_<SCOPE> is "count/period"
# (s, m, h or d), per person unless said otherwise; pages and API share the
# counts (config/throttling.py). Beyond, the answer is 429 with Retry-After.
RATE_LIMIT_CLAIMS = env.str("RATE_LIMIT_CLAIMS", default="20/m")  # claims, theses
RATE_LIMIT_VOTES = env.str("RATE_LIMIT_VOTES", default="120/m")
RATE_LIMIT_COMMENTS = env.str("RATE_LIMIT_COMMENTS", default="20/m")
RATE_LIMIT_ANNOTATIONS = env.str("RATE_LIMIT_ANNOTATIONS", default="30/m")
RATE_LIMIT_FLAGS = env.str("RATE_LIMIT_FLAGS", default="10/m")
RATE_LIMIT_DEBATES = env.str("RATE_LIMIT_DEBATES", default="20/h")  # and imports
RATE_LIMIT_SOURCES = env.str("RATE_LIMIT_SOURCES", default="60/h")
RATE_LIMIT_CITATIONS = env.str("RATE_LIMIT_CITATIONS", default="60/m")
# Changing or deleting a claim, source, citation, comment, annotation or debate.
RATE_LIMIT_EDITS = env.str("RATE_LIMIT_EDITS", default="30/m")
# Any other write by a signed-in person (moderation, settings, notifications).
RATE_LIMIT_WRITES = env.str("RATE_LIMIT_WRITES", default="60/m")
# Joining by code or link, per signed-in account.
RATE_LIMIT_JOIN = env.str("RATE_LIMIT_JOIN", default="20/m")
# Joins with one class code, whoever sends them: a class behind one school
# address joins at once, since the limit is the code's, not the address'.
RATE_LIMIT_JOIN_CODE = env.str("RATE_LIMIT_JOIN_CODE", default="600/m")
# Wrong (or expired) codes tried per client address and per account: past
# these, that address or account waits JOIN_BACKOFF_SECONDS, doubled each time
# again within a day (up to JOIN_BACKOFF_MAX_SECONDS).
RATE_LIMIT_JOIN_FAILURES_IP = env.str("RATE_LIMIT_JOIN_FAILURES_IP", default="60/h")
RATE_LIMIT_JOIN_FAILURES_ACCOUNT = env.str(
    "RATE_LIMIT_JOIN_FAILURES_ACCOUNT", default="10/h"
)
JOIN_BACKOFF_SECONDS = env.int("JOIN_BACKOFF_SECONDS", default=60)
JOIN_BACKOFF_MAX_SECONDS = env.int("JOIN_BACKOFF_MAX_SECONDS", default=3600)
RATE_LIMIT_SCOPES = (
    "claims",
    "votes",
    "comments",
    "annotations",
    "flags",
    "debates",
    "sources",
    "citations",
    "edits",
    "writes",
    "join",
    "join_code",
    "join_failures_ip",
    "join_failures_account",
)
# A join code stops working this many days after it was made or renewed
# (0: codes never expire unless the teacher sets a time).
JOIN_CODE_DAYS = env.int("JOIN_CODE_DAYS", default=14)
RATELIMIT_VIEW = "config.views.rate_limited"
RATELIMIT_IP_META_KEY = "config.throttling.client_ip"

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 + WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    # JSON read with limits (depth, NUL, unpaired surrogates): config/badinput.py.
    "DEFAULT_PARSER_CLASSES": [
        "config.badinput.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    # Every write is throttled: views name a scope ("writes" when they do not);
    # the rates are the RATE_LIMIT_* above, read when a request comes, and the
    # pages share the counts. One Redis round trip each (config/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ScopedRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Counterpoint API",
    "DESCRIPTION": "Debates, claims, sources and citations of Counterpoint.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Descriptions, examples (config/schema.py).
        "config.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClaimStanceEnum": "claims.models.Claim.Stance",
        "VoteStanceEnum": "deliberation.models.Vote.Stance",
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "FlagStatusEnum": "deliberation.models.Flag.Status",
    },
}

# --- Static files and pages ---------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names (long cache) need collectstatic, which deploys run.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Strict CSP: only our own origin, no inline script or style.
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

# --- Security (production) ---------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small ES modules read it for API posts
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies sent over HTTPS only: on by default when DEBUG is off. SECURE_COOKIES=false
# serves them over plain HTTP, for a proxy on another host that terminates TLS and
# talks HTTP to this one (the browser still sees HTTPS; never on a public http site).
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is polled over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
