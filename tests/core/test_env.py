"""Configuration from environment variables."""

import os
import stat

import pytest

from wenming.env import ConfigError, env_bool, env_list, load_or_create_secret, parse_database_url


def test_sqlite_urls_get_wal_busy_timeout_and_immediate_transactions():
    db = parse_database_url("sqlite:////srv/wenming/db.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/srv/wenming/db.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_a_relative_sqlite_path_stays_relative():
    assert parse_database_url("sqlite:///var/db.sqlite3")["NAME"] == "var/db.sqlite3"


def test_postgres_urls_are_split_into_their_parts():
    db = parse_database_url("postgres://wm:p%40ss@db.internal:6432/wenming?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "wm",
        "p@ss",
        "db.internal",
        "6432",
        "wenming",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "sqlite://"])
def test_unusable_database_urls_are_refused(url):
    with pytest.raises(ConfigError):
        parse_database_url(url)


def test_booleans_are_read_strictly(monkeypatch):
    monkeypatch.setenv("WM_FLAG", "yes")
    assert env_bool("WM_FLAG") is True
    monkeypatch.setenv("WM_FLAG", "0")
    assert env_bool("WM_FLAG", True) is False
    monkeypatch.setenv("WM_FLAG", "maybe")
    with pytest.raises(ConfigError):
        env_bool("WM_FLAG")


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("WM_HOSTS", " a.example , b.example,")
    assert env_list("WM_HOSTS", []) == ["a.example", "b.example"]


def test_the_secret_key_is_created_once_and_kept_private(tmp_path):
    path = tmp_path / "data" / "secret_key"
    first = load_or_create_secret(path)
    assert len(first) > 40
    assert load_or_create_secret(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_project_runs_in_chinese_on_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
