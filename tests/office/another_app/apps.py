from django.apps import AppConfig


class AnotherAppConfig(AppConfig):
    """An app the shell has never heard of, installed only for the test."""

    name = "tests.office.another_app"
    label = "another_app"
