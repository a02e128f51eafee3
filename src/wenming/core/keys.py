"""Secret keys handed to apps: shown once, stored only as their SHA-256."""

import hashlib
import secrets


def new_key(prefix: str) -> str:
    """``prefix`` and 43 URL-safe random characters (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
