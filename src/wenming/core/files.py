"""Serving stored images through views (after their checks), never straight from the media folder."""

from django.http import FileResponse, Http404


def image_response(field, cache_control: str, content_type: str = "image/jpeg") -> FileResponse:
    """The file behind an image field; no file (a variant not made, a file gone from disk) is a 404."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache_control
    return response
