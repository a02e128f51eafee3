"""Logging in from a browser test: staff through the login form, residents by reusing a server-side login."""

from django.test import Client

from tests.conftest import PASSWORD


def log_in(page, live_server, username):
    """Through the back office's login form, as staff do; lands on the dashboard."""
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(live_server.url + "/office/")


def log_in_as(page, live_server, user):
    """Reuse a server-side login: the portal's own login form has its own tests."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
