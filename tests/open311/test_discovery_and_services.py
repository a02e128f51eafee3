"""GeoReport v2 conformance: discovery, the service list and service definitions, in XML
and JSON; encoding, content types, time zones, empty parameters and the error format."""

import json
import re
from xml.etree import ElementTree as ET

import pytest

from tests.open311.conftest import BASE, CONTENT_TYPES, FORMATS, Open311, category, parse
from wenming.cases.models import Category
from wenming.open311.models import ServiceAttribute

pytestmark = pytest.mark.django_db

W3C_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def assert_well_formed(response, fmt):
    """UTF-8, the format's content type, an XML declaration with the encoding and no namespaces."""
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    body = response.content.decode("utf-8")  # raises if not UTF-8
    if fmt == "xml":
        assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
        assert "xmlns" not in body
        ET.fromstring(response.content)
    else:
        json.loads(body)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_its_formats_and_a_changeset_with_a_zone(world, fmt):
    response = Open311().get("discovery", fmt)
    assert response.status_code == 200
    assert_well_formed(response, fmt)
    data = parse(response)
    if fmt == "json":
        assert isinstance(data, dict)  # the one document the specification gives as an object
    assert W3C_WITH_ZONE.match(data["changeset"])
    assert "示范市创城办" in data["contact"]
    assert data["key_service"]
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert W3C_WITH_ZONE.match(endpoint["changeset"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_service_list_has_every_subclass_citizens_may_report(world, fmt):
    Category.objects.filter(kind="C", code="0103").update(citizen_reportable=False)  # 消防设施损坏
    Category.objects.filter(kind="E", code="0602").update(is_active=False)  # 其他问题
    response = Open311().get("services", fmt)
    assert response.status_code == 200
    assert_well_formed(response, fmt)
    services = parse(response)
    assert isinstance(services, list)
    codes = [s["service_code"] for s in services]
    expected = Category.objects.filter(parent__isnull=False, citizen_reportable=True, is_active=True).count()
    assert len(codes) == expected > 30
    assert "C0103" not in codes and "E0602" not in codes and "E05" not in codes
    parking = next(s for s in services if s["service_code"] == "E0502")
    assert parking["service_name"] == "违规停车"
    assert "乱停车" in parking["description"]
    assert parking["group"] == "街面秩序"
    assert parking["type"] == "realtime"
    assert "违规停车" in parking["keywords"] and "乱停车" in parking["keywords"]
    metadata = {s["service_code"]: s["metadata"] for s in services}
    if fmt == "json":
        assert all(isinstance(s["service_code"], str) for s in services)
        assert metadata["E0502"] is True and metadata["E0101"] is False
    else:
        assert metadata["E0502"] == "true" and metadata["E0101"] == "false"
    # The element order of the specification.
    if fmt == "xml":
        first = ET.fromstring(response.content)[0]
        assert [c.tag for c in first] == [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_lists_its_attributes_with_datatypes_order_and_values(world, fmt):
    response = Open311().get("services/C0101", fmt)
    assert response.status_code == 200
    assert_well_formed(response, fmt)
    definition = parse(response)
    assert definition["service_code"] == "C0101"
    (cover,) = definition["attributes"]
    assert cover["code"] == "cover_type"
    assert cover["datatype"] == "singlevaluelist"
    assert cover["description"] == "井盖类型"
    assert [v["name"] for v in cover["values"]] == ["雨水", "污水", "电力", "通信", "其他"]
    assert [v["key"] for v in cover["values"]] == ["rain", "sewage", "power", "telecom", "other"]
    if fmt == "json":
        assert cover["required"] is True and cover["variable"] is True and cover["order"] == 1
    else:
        assert cover["required"] == "true" and cover["variable"] == "true" and cover["order"] == "1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_datatype_of_the_specification_can_be_defined(world, fmt):
    datatypes = set(ServiceAttribute.objects.values_list("datatype", flat=True))
    assert datatypes == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    definition = parse(Open311().get("services/E0301", fmt))
    assert [(a["code"], a["datatype"]) for a in definition["attributes"]] == [
        ("noticed_at", "datetime"),
        ("site", "text"),
    ]
    notice = parse(Open311().get("services/E0401", fmt))["attributes"][0]
    assert notice["variable"] in (False, "false")  # information only, no answer expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_without_attributes_has_an_empty_definition(world, fmt):
    definition = parse(Open311().get("services/E0101", fmt))
    assert definition["service_code"] == "E0101"
    assert definition["attributes"] in ([], None)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["X9999", "E05", "E9999", "C0103", "%E0%A4", "e0502x"])
def test_an_unknown_service_code_is_404_in_the_requested_format(world, fmt, code):
    Category.objects.filter(kind="C", code="0103").update(citizen_reportable=False)
    response = Open311().get(f"services/{code}", fmt)
    assert response.status_code == 404
    assert_well_formed(response, fmt)
    (error,) = parse(response)
    assert str(error["code"]) == "404"
    assert error["description"]


def test_service_codes_are_case_insensitive(world):
    assert parse(Open311().get("services/e0502"))["service_code"] == "E0502"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_xml_error_document_has_the_specification_s_shape(world, fmt):
    response = Open311().get("services/NOPE", fmt)
    if fmt == "xml":
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        assert [c.tag for c in root[0]] == ["code", "description"]
        assert root[0].find("code").text == "404"
    else:
        body = json.loads(response.content)
        assert isinstance(body, list) and body[0]["code"] == 404 and isinstance(body[0]["description"], str)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_jurisdiction_id_is_absent_and_any_is_ignored_with_one_city(world, fmt):
    for value in ("", "990100", "somewhere.gov"):
        response = Open311().get("services", fmt, jurisdiction_id=value)
        assert response.status_code == 200, value


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_several_cities_jurisdiction_id_is_required_and_checked(world, fmt):
    from shapely.geometry import box

    from tests.conftest import feature
    from wenming.org import services as org

    org.import_areas([feature("990200", "另一市", box(113.0, 40.0, 113.2, 40.1))], "city")
    client = Open311()
    missing = client.get("services", fmt, jurisdiction_id="")
    assert missing.status_code == 400
    assert "jurisdiction_id" in parse(missing)[0]["description"]
    unknown = client.get("services", fmt, jurisdiction_id="123456")
    assert unknown.status_code == 404
    assert client.get("services", fmt, jurisdiction_id="990100").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_endpoint_or_method_answers_in_the_format(world, fmt):
    client = Open311()
    missing = client.client.get(f"{BASE}nothing.{fmt}")
    assert missing.status_code == 404
    assert_well_formed(missing, fmt)
    wrong = client.client.delete(f"{BASE}services.{fmt}")
    assert wrong.status_code == 405
    assert "GET" in wrong["Allow"]
    assert_well_formed(wrong, fmt)


def test_the_openapi_description_is_served(world):
    response = Open311().client.get(f"{BASE}openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/requests.{format}" in document["paths"]
    assert document["servers"] == [{"url": "/open311/v2"}]


def test_special_characters_are_escaped_in_xml_and_control_characters_dropped(world):
    major = category("E0502").parent
    sub = category("E0502")
    sub.name = '违规<停车> & "泊位"\x07'
    sub.save()
    response = Open311().get("services", "xml")
    root = ET.fromstring(response.content)
    names = [s.find("service_name").text for s in root]
    assert '违规<停车> & "泊位"' in names
    assert major.name in [s.find("group").text for s in root]


def test_head_is_answered_like_get(world):
    response = Open311().client.head(f"{BASE}services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES["json"]
