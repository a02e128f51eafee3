"""A real Chromium (Debian's) driven by Playwright."""

import os
import shutil

import pytest

# Playwright's sync API keeps an event loop running in the test thread; the tests'
# own database calls are still synchronous, so Django's guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("WENMING_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("WENMING_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def watched_page(browser, live_server, local=("data:",), **context_options):
    """A page in a new context that records every request leaving the live server."""
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside_requests = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((live_server.url, *local)) else page.outside_requests.append(request.url)
        ),
    )
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, page = watched_page(browser, live_server, viewport={"width": 1280, "height": 860})
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (390×844, touch) as the citizen portal is mostly used."""
    context, page = watched_page(
        browser,
        live_server,
        local=("data:", "blob:"),
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()
