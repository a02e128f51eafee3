"""The citizen portal's write path on the Hohhot demo: 随手拍 reports per second through the whole
HTTP stack (POST /report/: session, middleware, rate limits, form parsing, photo checks, intake,
tracking), against services.intake() called directly with the same input, on the same fresh database;
and the cost of one rate-limit count, in the database (the default) and in Redis when it is reachable.

python bench/portal.py [--n N] [--database postgres://user@host:5432/name] [--redis redis://127.0.0.1:6379/0]
"""

import argparse
import io
import sys
import time

from fresh import fresh_wenming


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="reports per method (default 300)")
    parser.add_argument("--database", default="sqlite", help="sqlite (default) or a postgres:// URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for the rate-limit comparison")
    args = parser.parse_args()

    fresh_wenming(args.database)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from PIL import Image

    from wenming.cases import demo as cases_demo
    from wenming.cases import services
    from wenming.cases.models import Case, Category
    from wenming.core import ratelimit
    from wenming.org import demo as org_demo
    from wenming.participation.models import Citizen

    org_demo.load()
    cases_demo.load_routing()
    settings.ALLOWED_HOSTS = ["*"]
    settings.WENMING_PORTAL_LIMITS = {"report": {"account": (10**9, 3600), "ip": (10**9, 3600)}}
    print(f"database: {connection.vendor}")

    buffer = io.BytesIO()
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(buffer, "JPEG", quality=85)
    photo = buffer.getvalue()
    category = Category.objects.get(kind="E", code="0501")
    user = get_user_model().objects.create_user("bench-citizen", password="x")
    Citizen.objects.create(user=user, nickname="测试", phone="13900009999")
    client = Client()
    client.force_login(user)
    # Points spread over 新城区 (a box well inside the district), one per report so none is a duplicate.
    lon0, lat0 = 111.68, 40.83

    def where(i):
        return lon0 + (i % 60) * 0.0012, lat0 + (i // 60) * 0.0012

    def portal(i, with_photo):
        lon, lat = where(i)
        data = {
            "category": category.pk,
            "lon": lon,
            "lat": lat,
            "description": "人行道上有人摆摊卖水果，影响通行",
            "client_key": f"portal-{with_photo}-{i}",
        }
        if with_photo:
            data["photos"] = SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")
        response = client.post("/report/", data)
        assert response.status_code == 302, response.status_code

    def direct(i, with_photo):
        lon, lat = where(i + args.n)
        photos = [SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")] if with_photo else []
        services.intake(
            source="citizen",
            category=category,
            lon=lon,
            lat=lat,
            user=user,
            photos=photos,
            description="人行道上有人摆摊卖水果，影响通行",
            client_key=f"direct-{with_photo}-{i}",
        )

    rows = []
    for with_photo in (False, True):
        n = args.n if not with_photo else max(args.n // 5, 20)
        timings = {}
        for name, run in (("direct", direct), ("portal", portal)):
            started = time.perf_counter()
            for i in range(n):
                run(i + (0 if not with_photo else 10 * args.n), with_photo)
            timings[name] = n / (time.perf_counter() - started)
        rows.append((with_photo, n, timings))
    print(f"{Case.objects.count():,} cases written")
    print(f"{'report':<40}{'n':>6}{'reports/s':>12}{'× baseline':>12}")
    for with_photo, n, timings in rows:
        label = "with one 1600×1200 photo" if with_photo else "without photo"
        print(f"{'baseline: services.intake() ' + label:<40}{n:>6}{timings['direct']:>12.1f}{1:>12.3f}")
        print(
            f"{'POST /report/ ' + label:<40}{n:>6}{timings['portal']:>12.1f}"
            f"{timings['portal'] / timings['direct']:>12.3f}"
        )

    # One rate-limit count: a row in the database (default) or a key in Redis.
    counts = 2000
    started = time.perf_counter()
    for i in range(counts):
        ratelimit.hit(f"bench:{i % 50}", 10**9, 3600)
    database_rate = counts / (time.perf_counter() - started)
    print(f"{'rate-limit count':<40}{'':>6}{'counts/s':>12}{'× baseline':>12}")
    print(f"{'baseline: in the ' + connection.vendor + ' database':<40}{counts:>6}{database_rate:>12,.0f}{1:>12.3f}")
    try:
        import redis

        redis.Redis.from_url(args.redis, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis to compare with
        print(f"Redis at {args.redis} not reachable ({exc.__class__.__name__}); skipped")
        return
    from django.test.utils import override_settings

    override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": args.redis}}
    ).enable()
    started = time.perf_counter()
    for i in range(counts):
        ratelimit.hit(f"bench:{i % 50}", 10**9, 3600)
    redis_rate = counts / (time.perf_counter() - started)
    print(f"{'in Redis':<40}{counts:>6}{redis_rate:>12,.0f}{redis_rate / database_rate:>12.3f}")


if __name__ == "__main__":
    sys.exit(main())
