"""Stored files: served through views (after their checks), never straight from the media folder;
and never left behind by a change that failed."""

from contextlib import contextmanager

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


@contextmanager
def files_removed_on_failure():
    """Yields a list for the (storage, name) of each file stored inside the block; if the block
    fails (its transaction rolls back), those files are deleted again: nothing half-saved."""
    saved: list = []
    try:
        yield saved
    except BaseException:
        for storage, name in saved:
            storage.delete(name)
        raise
