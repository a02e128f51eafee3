"""A value built from database tables and kept per process until the tables change."""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TableCache(Generic[T]):
    """Calls ``build()`` again whenever ``version()`` (a cheap aggregate query) changes,
    so every process of a deployment sees changes made by the others without a restart."""

    def __init__(self, version: Callable[[], tuple], build: Callable[[], T]):
        self._version = version
        self._build = build
        self._lock = threading.Lock()
        self._cached: tuple[tuple, T] | None = None

    def get(self) -> T:
        version = self._version()
        cached = self._cached
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._lock:
            if self._cached is None or self._cached[0] != version:
                self._cached = (version, self._build())
            return self._cached[1]

    def invalidate(self) -> None:
        self._cached = None
