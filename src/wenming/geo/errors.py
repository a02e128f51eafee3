class CoverageError(ValueError):
    """Coverage data or a computation cannot be used; the message says why, for a person."""
