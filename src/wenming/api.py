"""The JSON API (version 1), for apps and for the browser.

Apps authenticate with a token (``Authorization: Bearer wm_…``, or ``Token wm_…``)
made with ``wenming token create``; the browser with its session (and CSRF token).
Every error is JSON: ``{"code": "...", "message": "...", "details": {...}}``, the
message in the person's language. The interactive documentation at ``docs`` uses
the Swagger UI bundled with django-ninja, served from this server.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from wenming.cases.api import categories_router
from wenming.cases.api import router as cases_router
from wenming.core.errors import ServiceError
from wenming.org.tokens import authenticate_token

log = logging.getLogger(__name__)

SCHEMES = ("bearer", "token")
INVALID_TOKEN = "invalid_token"


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer wm_…`` (or ``Token wm_…``). A token that is sent but
    unknown, revoked or of an inactive account is refused at once: no fallback."""

    def __call__(self, request):
        scheme, _sep, key = (request.headers.get(self.header) or "").partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is None:
            raise AuthenticationError(401, INVALID_TOKEN)
        request.user = user  # so that code reading request.user sees the app's person
        return user


api = NinjaAPI(
    title="wenming API",
    version="1",
    description="文明城市创建管理平台 · JSON API. Authenticate with `Authorization: Bearer wm_…` "
    "(`wenming token create USERNAME`) or, in the browser, with your session.",
    urls_namespace="api",
    auth=[ApiTokenAuth(), django_auth],
    docs=Swagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request, status: int, code: str, message: str, details: dict | None = None):
    response = api.create_response(
        request, {"code": code, "message": str(message), "details": details or {}}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="wenming"'
    return response


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    response = error(request, exc.status, exc.code, exc.message, exc.details)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field(loc) -> str:
    # ("query", "page") / ("body", "lon") / ("path", "number") → "page" / "lon" / "number"
    parts = [str(p) for p in loc[1:]] or [str(p) for p in loc]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = {}
    for e in exc.errors:
        fields.setdefault(_field(e.get("loc", ())), e.get("msg", ""))
    return error(request, 400, "invalid", _("Some fields are not valid: %s") % ", ".join(fields), {"fields": fields})


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    # A token was sent but is unknown, revoked or of an inactive account: say so, apps then ask for a new one.
    details = {"reason": INVALID_TOKEN} if exc.message == INVALID_TOKEN else {}
    return error(
        request, 401, "unauthenticated", _("Log in, or send a valid API token (Authorization: Bearer wm_…)."), details
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 403:  # e.g. the CSRF check of session authentication
        return error(request, 403, "forbidden", _("Forbidden: %s") % exc.message)
    return error(request, exc.status_code, "error", exc.message)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc: PermissionDenied):
    return error(request, 403, "forbidden", str(exc) or _("You may not do this."))


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc: RequestDataTooBig):
    return error(request, 413, "too_large", _("The request is too large."))


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def unreadable(request, exc: Exception):
    # Malformed multipart bodies, too many fields or files.
    return error(request, 400, "invalid", _("The request could not be read."), {"fields": {"body": str(exc)}})


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    if settings.DEBUG:
        raise exc
    log.exception("API error on %s %s", request.method, request.path)
    return error(request, 500, "server_error", _("Something went wrong on the server; it has been logged."))


api.add_router("/cases", cases_router)
api.add_router("/categories", categories_router)
