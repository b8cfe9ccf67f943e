"""Test settings: fast hashing, eager-free Celery, in-memory mail."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, INSTALLED_APPS, REDIS_URL, REST_FRAMEWORK

# The benchmarks' views and command are tested (tests/benchmarks/) but not routed.
if "benchmarks" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process when enqueued (after commit), so tests see their effects.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests share one process; a Redis cache would leak throttles between tests.
CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"}}
AXES_FAILURE_LIMIT = 5
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests that need the real Redis (CI's) opt in with `settings.REDIS_URL = TEST_REDIS_URL`.
TEST_REDIS_URL = REDIS_URL
REDIS_URL = ""
