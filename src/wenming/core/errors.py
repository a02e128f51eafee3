"""The one family of errors that every service raises when it refuses.

An error carries what each front door needs to answer: the HTTP status, a machine
code, a message for the person (already translated) and details, among them the
message for each form field that is wrong (``details["fields"]``). Whatever raises
one has saved nothing.

Each front door maps the family once: pages in ``core.middleware.ServiceErrorMiddleware``,
the JSON API in ``wenming.api``, Open311 in its endpoint wrapper.
"""


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, fields: dict | None = None, **details):
        super().__init__(message)
        self.message = str(message)
        if fields:
            details["fields"] = dict(fields)
        self.details = details

    @property
    def fields(self) -> dict:
        """The message for each form field that is wrong, by field name."""
        return self.details.get("fields", {})


class Invalid(ServiceError):
    """Bad input."""


class Forbidden(ServiceError):
    """The person's role does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """No such thing, or it lies outside the person's data scope."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """Not possible in the present state, or someone else changed it in the meantime."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """A step that the record's state does not allow; ``details["allowed"]`` lists those that it does."""

    code = "invalid_transition"


class TooSoon(ServiceError):
    """Too many attempts in a short time; try again after ``retry_after`` seconds."""

    status = 429
    code = "too_soon"

    def __init__(self, message: str, retry_after: int, fields: dict | None = None, **details):
        super().__init__(message, fields, **details)
        self.retry_after = int(retry_after)
