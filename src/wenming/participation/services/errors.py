"""What the portal's services raise when they refuse: a message for the person, messages by
form field, and the HTTP status the views answer with. Nothing was saved."""


class PortalError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(PortalError):
    """Bad input."""


class Forbidden(PortalError):
    status = 403
    code = "forbidden"


class NotFound(PortalError):
    status = 404
    code = "not_found"


class Conflict(PortalError):
    """Not possible in the present state, or done already."""

    status = 409
    code = "conflict"


class TooSoon(PortalError):
    status = 429
    code = "too_soon"

    def __init__(self, message: str, retry_after: int, fields: dict | None = None):
        super().__init__(message, fields)
        self.retry_after = retry_after
