"""Fixed-window rate limits: counted in the database by default, in Redis when it is the
cache; exact under concurrency, across processes; old windows cleaned up."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.core.cache import caches
from django.db import connection

from wenming.core import ratelimit
from wenming.core.models import RateCounter

NOW = 1_800_000_030.0  # 30 seconds into a minute


@pytest.fixture(params=["database", "cache"])
def backend(request, monkeypatch, settings):
    """Each test runs against both stores: the table, and a cache standing in for Redis."""
    if request.param == "cache":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}
        }
        caches["default"].clear()
        monkeypatch.setattr(ratelimit, "uses_cache", lambda: True)
    return request.param


@pytest.mark.django_db
def test_requests_are_allowed_up_to_the_limit_in_a_window(backend):
    results = [ratelimit.hit("client:1", 3, 60, now=NOW + i) for i in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0, 0]
    assert [r.retry_after for r in results] == [0, 0, 0, 27, 26]
    assert results[0].reset_at == 1_800_000_060


@pytest.mark.django_db
def test_the_next_window_starts_afresh(backend):
    for i in range(3):
        ratelimit.hit("client:1", 3, 60, now=NOW + i)
    assert not ratelimit.hit("client:1", 3, 60, now=NOW + 29).allowed
    fresh = ratelimit.hit("client:1", 3, 60, now=NOW + 30)
    assert fresh.allowed and fresh.remaining == 2


@pytest.mark.django_db
def test_keys_are_counted_apart_and_long_keys_stay_apart(backend):
    assert ratelimit.hit("a", 1, 60, now=NOW).allowed
    assert not ratelimit.hit("a", 1, 60, now=NOW).allowed
    assert ratelimit.hit("b", 1, 60, now=NOW).allowed
    long_1, long_2 = "x" * 300 + "1", "x" * 300 + "2"
    assert ratelimit.hit(long_1, 1, 60, now=NOW).allowed
    assert ratelimit.hit(long_2, 1, 60, now=NOW).allowed
    assert not ratelimit.hit(long_1, 1, 60, now=NOW).allowed


@pytest.mark.django_db
def test_a_limit_of_zero_means_no_limit_and_counts_nothing(backend):
    assert all(ratelimit.hit("free", 0, 60, now=NOW).allowed for _ in range(5))
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_the_database_is_used_unless_redis_is_the_cache(settings):
    assert not ratelimit.uses_cache()
    ratelimit.hit("k", 5, 60, now=NOW)
    assert RateCounter.objects.get().count == 1
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1"}
    }
    assert ratelimit.uses_cache()


@pytest.mark.django_db
def test_cleanup_removes_ended_windows_only():
    ratelimit.hit("old", 5, 60, now=NOW - 120)
    ratelimit.hit("current", 5, 60, now=NOW)
    ratelimit.hit("hourly", 5, 3600, now=NOW - 10)
    assert ratelimit.cleanup(now=NOW) == 1
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"current", "hourly"}


@pytest.mark.django_db
def test_hits_clean_up_now_and_then(monkeypatch):
    ratelimit.hit("old", 5, 60, now=NOW - 3600)
    monkeypatch.setattr(ratelimit, "_last_cleanup", NOW - ratelimit.CLEANUP_EVERY_SECONDS - 1)
    ratelimit.hit("new", 5, 60, now=NOW)
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["new"]
    ratelimit.hit("older", 5, 60, now=NOW - 7200)
    ratelimit.hit("new", 5, 60, now=NOW + 1)  # cleaned a moment ago: not again yet
    assert RateCounter.objects.count() == 2


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_processes_hitting_one_key_together_never_exceed_the_limit(tmp_path):
    """Three separate processes, ten hits each, one window of twelve: exactly twelve pass."""
    script = textwrap.dedent(f"""
        import django
        django.setup()
        from wenming.core import ratelimit
        print(sum(ratelimit.hit("race", 12, 3600, now={NOW}).allowed for _ in range(10)))
    """)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "WENMING_DATABASE_URL": _database_url(),
        "WENMING_DATA_DIR": str(tmp_path),
    }
    env.pop("WENMING_REDIS_URL", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    allowed = [int(out.strip()) for out, _ in outputs]
    assert sum(allowed) == 12
    assert RateCounter.objects.get(key="race").count == 12


@pytest.mark.django_db
def test_a_real_redis_counts_across_clients(tmp_path, settings):
    """With a Redis server and its client library at hand, the cache store is checked for real."""
    pytest.importorskip("redis")
    import shutil
    import socket
    import time

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}",
            }
        }
        for _ in range(50):
            try:
                caches["default"].set("ping", 1)
                break
            except Exception:
                time.sleep(0.1)
        results = [ratelimit.hit("redis-client", 2, 60) for _ in range(3)]
        assert [r.allowed for r in results] == [True, True, False]
        assert results[2].retry_after >= 1
        assert not RateCounter.objects.exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
