"""Writing Open311 documents as XML or JSON, the same data either way.

XML: UTF-8 with its declaration, no namespaces; a list becomes an element of
items named by ``ITEM_TAGS`` (``<services><service>…``); None an empty element;
True/False ``true``/``false``. JSON: lists at the top level (the discovery and
the service definition are objects, as in the specification).
"""

import json
import re
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Element name of the items of a list, by the list's element name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(moment: datetime | None) -> str | None:
    """A W3C datetime in the city's time zone, with its offset: 2025-05-01T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime):
        return w3c(value)
    return _XML_ILLEGAL.sub("", str(value))


def _element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for name, item in value.items():
            element.append(_element(name, item))
    elif isinstance(value, (list, tuple)):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            element.append(_element(item_tag, item))
    elif value is not None:
        element.text = _text(value)
    return element


def to_xml(root: str, data) -> bytes:
    body = ET.tostring(_element(root, data), encoding="unicode", short_empty_elements=True)
    return (XML_DECLARATION + body + "\n").encode("utf-8")


def _json_default(value):
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default, indent=None).encode("utf-8")


def render(fmt: str, root: str, data, *, status: int = 200, headers=None) -> HttpResponse:
    """One document in the requested format; ``root`` names the XML root element."""
    fmt = fmt if fmt in FORMATS else "xml"
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def errors(fmt: str, problems: list[tuple[int, str]], *, status: int | None = None, headers=None) -> HttpResponse:
    """The specification's error document: every problem with its code and description.

    The HTTP status is ``status`` or else the most telling code among the problems
    (403 before 404 before the others)."""
    if status is None:
        codes = [code for code, _ in problems]
        status = next((c for c in (403, 429, 404, 413, 405) if c in codes), codes[0] if codes else 400)
    data = [{"code": code, "description": description} for code, description in problems]
    return render(fmt, "errors", data, status=status, headers=headers)
