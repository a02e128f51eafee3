"""Platform-wide tables that belong to no business module."""

from django.db import models


class RateCounter(models.Model):
    """Requests counted for one key in one fixed window (see ``wenming.core.ratelimit``).

    Used when the cache is not shared between processes (the default SQLite
    deployment); with Redis the counters live in the cache instead.
    """

    key = models.CharField(max_length=200)
    # Start and end of the window, in whole seconds since the epoch (UTC).
    window_start = models.BigIntegerField()
    expires_at = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="core_ratecounter_key_window")]

    def __str__(self):
        return f"{self.key} @ {self.window_start}: {self.count}"


class Sequence(models.Model):
    """The last serial number given under a prefix: case numbers (kind + category + date),
    suggestion numbers (JY + date) and whatever else is numbered by day (see ``core.sequences``)."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}: {self.last}"
