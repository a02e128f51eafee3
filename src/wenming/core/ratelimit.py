"""Fixed-window rate limits that hold across processes and servers.

``hit(key, limit, window_seconds)`` counts one request for ``key`` in the
current window and says whether it is allowed. The count lives where every
process of the deployment sees it:

- with Redis as the default cache (``WENMING_REDIS_URL``): in the cache,
  ``cache.add`` + ``cache.incr`` with an expiry, one round trip each;
- otherwise (the default SQLite deployment, or PostgreSQL without Redis): in
  the ``core.RateCounter`` table, created with ``bulk_create(ignore_conflicts=True)``
  and counted with a conditional ``UPDATE … SET count = count + 1 WHERE count < limit``,
  so two processes never both take the last slot.

Old windows are deleted by ``cleanup()``, which ``hit`` also runs now and then.
Windows are aligned on the epoch (a 60-second window starts on the minute):
a client may make up to twice the limit across a window boundary, the usual
price of fixed windows.
"""

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db.models import F

REDIS_BACKENDS = ("django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache")
CACHE_PREFIX = "wenming:ratelimit:"
KEY_MAX = 200
# hit() deletes expired windows at most this often per process.
CLEANUP_EVERY_SECONDS = 600

_last_cleanup = 0.0
_cleanup_lock = threading.Lock()


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    remaining: int  # requests still allowed in this window
    retry_after: int  # seconds until the window ends (when the next request is sure to be allowed)
    limit: int = 0
    reset_at: int = 0  # end of the window, seconds since the epoch


def uses_cache() -> bool:
    """Whether the counters live in the shared cache (Redis) rather than the database."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend in REDIS_BACKENDS


def _key(key: str) -> str:
    key = str(key)
    if len(key) > KEY_MAX:
        # Long keys (a whole URL, a long header) keep their start for reading and a hash for uniqueness.
        key = key[: KEY_MAX - 41] + "#" + hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()
    return key


def hit(key: str, limit: int, window_seconds: int, *, now: float | None = None) -> RateResult:
    """Count one request for ``key``; allowed while at most ``limit`` were made in the window.

    A ``limit`` of 0 or less means no limit (nothing is counted)."""
    now = time.time() if now is None else now
    window_seconds = max(int(window_seconds), 1)
    start = int(now // window_seconds) * window_seconds
    end = start + window_seconds
    retry_after = max(int(math.ceil(end - now)), 1)
    if limit <= 0:
        return RateResult(True, 0, 0, limit, end)
    key = _key(key)
    if uses_cache():
        count = _count_in_cache(key, start, window_seconds)
        allowed = count <= limit
    else:
        _maybe_cleanup(now)
        allowed, count = _count_in_database(key, start, end, limit)
    remaining = max(limit - count, 0)
    return RateResult(allowed, remaining, 0 if allowed else retry_after, limit, end)


def _count_in_cache(key: str, start: int, window_seconds: int) -> int:
    cache = caches["default"]
    name = f"{CACHE_PREFIX}{key}:{start}"
    # The entry outlives its window a little, so a slow clock elsewhere still finds it.
    timeout = window_seconds + 5
    cache.add(name, 0, timeout=timeout)
    try:
        return cache.incr(name)
    except ValueError:
        # Expired between add and incr: this request opens the window again.
        cache.add(name, 0, timeout=timeout)
        return cache.incr(name)


def _count_in_database(key: str, start: int, end: int, limit: int) -> tuple[bool, int]:
    from wenming.core.models import RateCounter

    RateCounter.objects.bulk_create(
        [RateCounter(key=key, window_start=start, expires_at=end, count=0)], ignore_conflicts=True
    )
    window = RateCounter.objects.filter(key=key, window_start=start)
    allowed = bool(window.filter(count__lt=limit).update(count=F("count") + 1))
    count = window.values_list("count", flat=True).first()
    return allowed, limit if count is None else count


def cleanup(now: float | None = None) -> int:
    """Delete the counters of windows that have ended; returns how many. Safe to run any time."""
    from wenming.core.models import RateCounter

    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(expires_at__lt=int(now)).delete()
    return deleted


def _maybe_cleanup(now: float) -> None:
    global _last_cleanup
    if now - _last_cleanup < CLEANUP_EVERY_SECONDS:
        return
    with _cleanup_lock:
        if now - _last_cleanup < CLEANUP_EVERY_SECONDS:
            return
        _last_cleanup = now
    cleanup(now)
