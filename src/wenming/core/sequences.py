"""Serial numbers that never repeat: the next number under a prefix, counted in the database."""

from django.db.models import F

from wenming.core.models import Sequence


def next_serial(prefix: str) -> int:
    """The next number in the sequence named ``prefix``; call inside the transaction that uses it."""
    Sequence.objects.bulk_create([Sequence(prefix=prefix)], ignore_conflicts=True)
    # The row lock (PostgreSQL) or the immediate transaction (SQLite) serialises writers.
    Sequence.objects.filter(prefix=prefix).update(last=F("last") + 1)
    return Sequence.objects.select_for_update().get(prefix=prefix).last
