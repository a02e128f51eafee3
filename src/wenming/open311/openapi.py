"""An OpenAPI 3 description of the Open311 endpoints, served at /open311/v2/openapi.json.

For client developers, and for the schema-driven fuzzing in the tests. Each
endpoint exists in two formats, chosen by the extension of its path; only the
JSON bodies are described in detail (the XML carries the same fields).
"""

from django.urls import reverse

from wenming.open311.georeport import DESCRIPTION_MAX, MAX_PAGE, MAX_REQUESTS

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
    "description": "json or xml: the format of the answer, errors included",
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "The code of the city; required only where the server serves several cities",
}
API_KEY_QUERY = {
    "name": "api_key",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "The client application's key (required for POST; may also be sent in the body)",
}

STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
DATETIME = {"type": "string", "format": "date-time"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(ok_status: str, ok_schema, *error_codes) -> dict:
    both = lambda schema: {  # noqa: E731
        "application/json": {"schema": schema},
        "text/xml": {"schema": {"type": "string"}},
    }
    responses = {ok_status: {"description": "Success", "content": both(ok_schema)}}
    for code in error_codes:
        responses[str(code)] = {"description": ERROR_TEXT[code], "content": both(_ref("Errors"))}
    return responses


ERROR_TEXT = {
    400: "Missing or invalid parameters (all of them are listed)",
    403: "Missing, invalid or revoked api_key",
    404: "Unknown service_code, request, token or jurisdiction",
    405: "Method not allowed",
    413: "Request too large",
    429: "Too many requests; see the Retry-After header (not in the specification, understood by HTTP clients)",
}

SCHEMAS = {
    "Errors": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": STRING},
        },
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": DATETIME,
            "contact": STRING,
            "key_service": STRING,
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "specification": STRING,
                        "url": STRING,
                        "changeset": DATETIME,
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": STRING},
                    },
                },
            },
        },
    },
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "service_code": {"type": "string", "example": "E0501"},
            "service_name": STRING,
            "description": STRING,
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": STRING,
            "group": STRING,
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": STRING,
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["variable", "code", "datatype", "required", "order", "description", "values"],
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": STRING,
                        "datatype": {
                            "type": "string",
                            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": NULLABLE_STRING,
                        "order": {"type": "integer"},
                        "description": STRING,
                        "values": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"key": STRING, "name": STRING}},
                        },
                    },
                },
            },
        },
    },
    "ServiceRequest": {
        "type": "object",
        "required": [
            "service_request_id",
            "status",
            "service_name",
            "service_code",
            "requested_datetime",
            "updated_datetime",
            "lat",
            "long",
        ],
        "properties": {
            "service_request_id": STRING,
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": NULLABLE_STRING,
            "service_name": STRING,
            "service_code": STRING,
            "description": STRING,
            "agency_responsible": NULLABLE_STRING,
            "service_notice": NULLABLE_STRING,
            "requested_datetime": DATETIME,
            "updated_datetime": DATETIME,
            "expected_datetime": {**DATETIME, "nullable": True},
            "address": NULLABLE_STRING,
            "address_id": NULLABLE_STRING,
            "lat": {"type": "number"},
            "long": {"type": "number"},
            "media_url": {"type": "string", "nullable": True, "format": "uri"},
        },
    },
    "Created": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token", "service_notice"],
            "properties": {
                "service_request_id": STRING,
                "token": STRING,
                "service_notice": STRING,
                "account_id": NULLABLE_STRING,
            },
        },
    },
    "Token": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["token", "service_request_id"],
            "properties": {"token": STRING, "service_request_id": STRING},
        },
    },
    "NewRequest": {
        "type": "object",
        "required": ["service_code"],
        "properties": {
            "api_key": STRING,
            "jurisdiction_id": STRING,
            "service_code": {"type": "string", "example": "E0501"},
            "lat": {
                "type": "number",
                "description": "WGS-84 degrees (with long); or give address_id or address_string",
            },
            "long": {"type": "number"},
            "address_string": STRING,
            "address_id": {"type": "string", "description": "The code of an area (grid, community, street …)"},
            "email": STRING,
            "device_id": STRING,
            "account_id": STRING,
            "first_name": STRING,
            "last_name": STRING,
            "phone": STRING,
            "description": {"type": "string", "maxLength": DESCRIPTION_MAX, "description": "Plain text, no HTML"},
            "media_url": STRING,
        },
        "additionalProperties": {
            "description": "attribute[CODE] (and attribute[CODE][] for each value of a multivaluelist)",
        },
    },
}


def openapi_document(request=None) -> dict:
    base = reverse("open311:openapi").rsplit("/", 1)[0]
    form = {"schema": _ref("NewRequest")}
    multipart = {
        "schema": {
            **SCHEMAS["NewRequest"],
            "properties": {**SCHEMAS["NewRequest"]["properties"], "media": {"type": "string", "format": "binary"}},
        }
    }
    list_parameters = [
        {
            "name": "service_request_id",
            "in": "query",
            "schema": STRING,
            "description": "Comma-separated ids; overrides every other filter",
        },
        {"name": "service_code", "in": "query", "schema": STRING, "description": "Comma-separated service codes"},
        {"name": "start_date", "in": "query", "schema": DATETIME, "description": "W3C datetime with a time zone"},
        {
            "name": "end_date",
            "in": "query",
            "schema": DATETIME,
            "description": "W3C datetime with a time zone; at most 90 days after start_date",
        },
        {"name": "status", "in": "query", "schema": STRING, "description": "open, closed, or both comma-separated"},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
        {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_REQUESTS}},
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Open311 GeoReport v2",
            "version": "2",
            "description": (
                "The GeoReport v2 interface of the civilized city platform (http://wiki.open311.org/GeoReport_v2). "
                "Every path ends in .xml or .json; errors come in the same format. Posting needs an api_key "
                "issued by the campaign office; reading does not. Over the rate limit the answer is 429 "
                "with Retry-After."
            ),
        },
        "servers": [{"url": base}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"api_key": {"type": "apiKey", "in": "query", "name": "api_key"}},
        },
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "summary": "Service discovery",
                    "operationId": "discovery",
                    "parameters": [FORMAT],
                    "responses": _responses("200", _ref("Discovery"), 429),
                }
            },
            "/services.{format}": {
                "get": {
                    "summary": "Service list: the kinds of problems that may be reported",
                    "operationId": "serviceList",
                    "parameters": [FORMAT, JURISDICTION],
                    "responses": _responses("200", {"type": "array", "items": _ref("Service")}, 400, 404, 429),
                }
            },
            "/services/{service_code}.{format}": {
                "get": {
                    "summary": "Service definition: the extra questions of a service",
                    "operationId": "serviceDefinition",
                    "parameters": [
                        {"name": "service_code", "in": "path", "required": True, "schema": STRING},
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": _responses("200", _ref("ServiceDefinition"), 400, 404, 429),
                }
            },
            "/requests.{format}": {
                "get": {
                    "summary": "Service requests: the last 90 days, at most 1,000, newest first",
                    "operationId": "getServiceRequests",
                    "parameters": [FORMAT, JURISDICTION, *list_parameters],
                    "responses": _responses("200", {"type": "array", "items": _ref("ServiceRequest")}, 400, 404, 429),
                },
                "post": {
                    "summary": "Post a service request (form-encoded, or multipart with a media file)",
                    "operationId": "postServiceRequest",
                    "parameters": [
                        FORMAT,
                        API_KEY_QUERY,
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": STRING,
                            "description": (
                                "Send the same key again to get the first result instead of a second request"
                            ),
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": form, "multipart/form-data": multipart},
                    },
                    "responses": {
                        **_responses("201", _ref("Created"), 400, 403, 404, 413, 429),
                        "200": {
                            "description": "The request made earlier with the same Idempotency-Key",
                            "content": {
                                "application/json": {"schema": _ref("Created")},
                                "text/xml": {"schema": {"type": "string"}},
                            },
                        },
                    },
                },
            },
            "/requests/{service_request_id}.{format}": {
                "get": {
                    "summary": "One service request",
                    "operationId": "getServiceRequest",
                    "parameters": [
                        {"name": "service_request_id", "in": "path", "required": True, "schema": STRING},
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": _responses("200", {"type": "array", "items": _ref("ServiceRequest")}, 400, 404, 429),
                }
            },
            "/tokens/{token}.{format}": {
                "get": {
                    "summary": "The service_request_id of a token",
                    "operationId": "getServiceRequestIdFromToken",
                    "parameters": [
                        {"name": "token", "in": "path", "required": True, "schema": STRING},
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": _responses("200", _ref("Token"), 400, 404, 429),
                }
            },
        },
    }
