"""The Open311 GeoReport v2 endpoints: HTTP around ``georeport``.

Every endpoint answers in the format its name ends with (.xml or .json), errors
included. API keys, not cookies, identify clients, so no endpoint uses CSRF.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wenming.cases import services as cases
from wenming.core import ratelimit
from wenming.core.errors import ServiceError
from wenming.core.files import image_response
from wenming.open311 import georeport, keys
from wenming.open311.formats import errors, render
from wenming.open311.georeport import Params, Problems
from wenming.open311.openapi import openapi_document

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
RATE_WINDOW = 60


def _anonymous_limit() -> int:
    return getattr(settings, "WENMING_OPEN311_ANONYMOUS_PER_MINUTE", 300)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _throttle(key: str, limit: int) -> None:
    result = ratelimit.hit(key, limit, RATE_WINDOW)
    if not result.allowed:
        raise Problems(
            [
                (
                    429,
                    _("Too many requests: at most %(limit)d a minute. Try again in %(seconds)d seconds.")
                    % {"limit": limit, "seconds": result.retry_after},
                )
            ],
            headers={"Retry-After": str(result.retry_after)},
        )


def _retry_after(exc) -> dict:
    return {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else {}


class Call:
    """One call: its format, parameters, client application (if any) and city."""

    def __init__(self, request, fmt):
        self.request = request
        self.fmt = fmt
        self.params = Params(request.POST if request.method == "POST" else None, request.GET)
        self.files = request.FILES if request.method == "POST" else None
        self.client = None
        self.city = None

    def media_url(self, case, photo) -> str:
        return self.request.build_absolute_uri(reverse("open311:media", args=[case.number, photo.pk]))


def endpoint(*methods):
    """An Open311 endpoint for ``methods``, answering errors in the call's format.

    A call with a valid api_key counts against its application's limit, any other
    against its address's; a bad api_key is refused even where none is needed."""

    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def inner(request, fmt, **kwargs):
            allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
            if request.method not in allowed:
                return errors(
                    fmt,
                    [(405, _("Use %s on this endpoint.") % " or ".join(methods))],
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                call = Call(request, fmt)
                given = call.params.get("api_key")
                if given is not None:
                    call.client = keys.authenticate(given)
                if call.client is not None:
                    _throttle(f"open311:app:{call.client.pk}", call.client.per_minute)
                else:
                    _throttle(f"open311:ip:{_client_ip(request)}", _anonymous_limit())
                if given is not None and call.client is None:
                    raise Problems([(403, _("The api_key is not valid, or it was revoked."))])
                call.city = georeport.jurisdiction(call.params)
                return view(call, **kwargs)
            except Problems as exc:
                return errors(fmt, exc.problems, headers=exc.headers)
            except ServiceError as exc:
                return errors(fmt, georeport.problems_from(exc), headers=_retry_after(exc))
            except RequestDataTooBig:
                return errors(fmt, [(413, _("The request is too large."))])
            except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
                return errors(fmt, [(400, _("The request body cannot be read."))])

        return inner

    return wrap


def _path_value(value: str) -> str:
    cleaned = georeport.clean(value)
    if cleaned != value or not value:
        raise Problems([(404, _("Not found."))])
    return value


@endpoint("GET")
def discovery(call: Call):
    base = call.request.build_absolute_uri(reverse("open311:discovery", args=["xml"]))
    base = base.rsplit("/", 1)[0]
    changeset = georeport.changeset()
    office = _campaign_office(call.city)
    contact = getattr(settings, "WENMING_OPEN311_CONTACT", "") or (
        f"{office.name} {office.phone}".strip() if office else _("The campaign office")
    )
    data = {
        "changeset": changeset,
        "contact": contact,
        "key_service": getattr(settings, "WENMING_OPEN311_KEY_SERVICE", "")
        or _("API keys for posting requests are issued by %s; reading needs none.")
        % (office.name if office else _("the campaign office")),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(call.fmt, "discovery", data)


def _campaign_office(city):
    from wenming.org.models import Unit, UnitKind

    offices = Unit.objects.filter(kind=UnitKind.CAMPAIGN_OFFICE, is_active=True, area__parent__isnull=True)
    if city is not None:
        offices = offices.filter(area=city)
    return offices.order_by("path").first()


@endpoint("GET")
def service_list(call: Call):
    return render(call.fmt, "services", georeport.service_list())


@endpoint("GET")
def service_definition(call: Call, code: str):
    return render(call.fmt, "service_definition", georeport.service_definition(_path_value(code)))


@endpoint("GET", "POST")
def requests(call: Call):
    if call.request.method == "POST":
        return _post(call)
    cases = georeport.search(call.params, call.city)
    return render(call.fmt, "service_requests", [georeport.request_out(c, call.media_url) for c in cases])


def _post(call: Call):
    if call.client is None:
        raise Problems([(403, _("An api_key is required: ask the campaign office for one."))])
    submitted = georeport.submit(
        call.params,
        call.files,
        call.client,
        call.city,
        idempotency_key=georeport.clean(call.request.headers.get("Idempotency-Key", "")),
    )
    data = [
        {
            "service_request_id": submitted.case.number,
            "token": submitted.token,
            "service_notice": georeport.submitted_notice(submitted),
            "account_id": call.params.get("account_id"),
        }
    ]
    return render(call.fmt, "service_requests", data, status=201 if submitted.created else 200)


@endpoint("GET")
def request_detail(call: Call, number: str):
    case = georeport.one(_path_value(number), call.city)
    return render(call.fmt, "service_requests", [georeport.request_out(case, call.media_url)])


@endpoint("GET")
def token(call: Call, token: str):
    link = georeport.from_token(_path_value(token), call.city)
    return render(call.fmt, "service_requests", [{"token": link.token, "service_request_id": link.case.number}])


@csrf_exempt
def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return errors(fmt, [(404, _("No such Open311 endpoint; see discovery.xml or openapi.json."))])


def openapi(request):
    from django.http import JsonResponse

    return JsonResponse(openapi_document(request), json_dumps_params={"ensure_ascii": False})


def media(request, number: str, photo: int):
    """The public copy (no metadata) of a case's photo; never the original."""
    result = ratelimit.hit(f"open311:ip:{_client_ip(request)}", _anonymous_limit(), RATE_WINDOW)
    if not result.allowed:
        return errors("xml", [(429, _("Too many requests."))], headers={"Retry-After": str(result.retry_after)})
    if georeport.clean(number) != number or len(number) > 24:
        raise Http404
    attachment = (
        cases.Attachment.objects.filter(pk=photo, case__number=number, case__hidden=False, redacted=False)
        .exclude(public_image="")
        .first()
    )
    return image_response(attachment.public_image if attachment else None, "public, max-age=300")
