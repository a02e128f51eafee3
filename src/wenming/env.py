"""Typed helpers that read configuration from environment variables."""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(ValueError):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default.resolve()


def sqlite_options() -> dict:
    # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write
    # lock at BEGIN so two writers queue on the busy timeout instead of failing
    # with "database is locked" half-way through a transaction.
    return {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
    }


def parse_database_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into Django settings."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ConfigError("WENMING_DATABASE_URL: a sqlite URL needs a file path")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": sqlite_options(),
            # Tests use a file too, so that concurrent writers behave as in production.
            "TEST": {"NAME": f"{path}.test"},
        }
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("WENMING_DATABASE_URL: a postgres URL needs a database name")
        options = dict(parse_qsl(parts.query))
        conn_max_age = int(options.pop("conn_max_age", "60"))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ConfigError(f"WENMING_DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:// or postgres://)")


def load_or_create_secret(path: Path) -> str:
    """Return the secret key stored at ``path``, creating it on first run."""
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Create with owner-only permissions; never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
