"""How long a resident waits for "send me a code" (POST /account/register/, action send_code) when the
city's SMS gateway is slow: the portal must give up after WENMING_SMS_GATEWAY_TIMEOUT, not wait
for the gateway. Timed through the whole portal stack against the stand-in gateway of
tests/participation/test_accounts_channels.py on loopback, answering at once (the baseline),
within the timeout, and only after it.

python bench/code_channels.py [--timeout 1] [--delays 0.5,2.5] [--repeat 3]
"""

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

from fresh import fresh_wenming

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=1.0, help="WENMING_SMS_GATEWAY_TIMEOUT in seconds (default 1)")
    parser.add_argument("--delays", default="0.5,2.5", help="seconds the slow gateways take to answer, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="requests per gateway; the best and the median are shown")
    args = parser.parse_args()

    fresh_wenming()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from tests.participation.test_accounts_channels import Gateway

    logging.disable(logging.ERROR)  # the late gateway's failures are expected; their log lines would bury the table
    settings.ALLOWED_HOSTS = ["*"]
    settings.WENMING_CODE_CHANNEL = "http"
    settings.WENMING_SMS_GATEWAY_TOKEN = "bench-token"
    settings.WENMING_SMS_GATEWAY_TIMEOUT = args.timeout
    settings.WENMING_PORTAL_LIMITS = {"code": {"account": (10**9, 3600), "ip": (10**9, 3600)}}
    client = Client()
    numbers = (f"1391234{i:04d}" for i in range(10_000))  # a new number each time: no minute to wait between codes

    def ask(gateway):
        settings.WENMING_SMS_GATEWAY_URL = gateway.url
        started = time.perf_counter()
        response = client.post(reverse("participation:register"), {"action": "send_code", "address": next(numbers)})
        return time.perf_counter() - started, response.status_code

    rows = []
    for delay in [0.0, *(float(d) for d in args.delays.split(","))]:
        with Gateway(delay=delay) as gateway:
            ask(gateway)  # warm up: first request, templates, connections
            results = [ask(gateway) for _ in range(args.repeat)]
        times = [t for t, _status in results]
        statuses = sorted({status for _t, status in results})
        name = "baseline: answers at once" if delay == 0 else f"answers after {delay:g} s"
        rows.append((name, min(times), statistics.median(times), statuses))

    assert rows[0][3] == [200], rows[0]  # the code went out: the set-up works
    base = rows[0][1]
    print(f"gateway timeout: {args.timeout:g} s; {args.repeat} requests per gateway")
    print(f"{'gateway':<28}{'best s':>9}{'median s':>10}{'× baseline':>12}{'× timeout':>11}  HTTP")
    for name, best, median, statuses in rows:
        print(
            f"{name:<28}{best:>9.3f}{median:>10.3f}{best / base:>12.1f}{best / args.timeout:>11.2f}  "
            f"{', '.join(map(str, statuses))}"
        )


if __name__ == "__main__":
    sys.exit(main())
