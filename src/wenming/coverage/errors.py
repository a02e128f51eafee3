from wenming.core.errors import Invalid


class CoverageError(Invalid):
    """Coverage data or a computation cannot be used; the message says why, for a person."""

    code = "coverage"
