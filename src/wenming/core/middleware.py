from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from wenming.core.errors import ServiceError


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the person chose another language (the language cookie).

    The browser's Accept-Language is ignored: staff machines often run English
    browsers, and the product speaks Chinese first.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ServiceErrorMiddleware:
    """Pages answer a refusal that a view did not handle itself with the error's status and
    message: 403, 404, 409, 429 (with Retry-After) or 400. The JSON API and Open311 map
    the same errors in their own formats."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceError):
            return None
        response = render(
            request,
            "service_error.html",
            {"status": exception.status, "message": exception.message},
            status=exception.status,
        )
        if getattr(exception, "retry_after", None):
            response["Retry-After"] = str(exception.retry_after)
        return response
