"""What the import commands share: reading the file and reporting rejections."""

from django.core.management.base import CommandError

from wenming.core.tables import TableError, read_table
from wenming.org.services import ImportRejected


def rows_from(path):
    try:
        return read_table(path)
    except TableError as exc:
        raise CommandError(str(exc)) from None


def rejected(exc: ImportRejected) -> CommandError:
    lines = [f"Nothing was imported: {len(exc.problems)} problem(s) found."]
    lines += [f"  {problem}" for problem in exc.problems]
    return CommandError("\n".join(lines))
