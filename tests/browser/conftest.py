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


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside_requests = []
    page.on(
        "request",
        lambda request: None
        if request.url.startswith(live_server.url) or request.url.startswith("data:")
        else page.outside_requests.append(request.url),
    )
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (390×844, touch) as the citizen portal is mostly used."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.outside_requests = []
    page.on(
        "request",
        lambda request: None
        if request.url.startswith(live_server.url) or request.url.startswith("data:") or request.url.startswith("blob:")
        else page.outside_requests.append(request.url),
    )
    yield page
    context.close()
