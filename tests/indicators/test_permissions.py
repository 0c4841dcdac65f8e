"""Every role tries every library write, through the API and through the pages: the office
succeeds; everyone else is refused, nothing changes and the refusal is in the audit log."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govperf.audit.models import AuditEntry
from govperf.indicators.models import Indicator, IndicatorVersion, Rubric, Tag, Taxonomy
from tests.helpers import signed_in
from tests.indicators.conftest import make_indicator

ROLES = [
    "admin",
    "auditor",
    "office",
    "leader",
    "edu_leader",
    "edu_coord",
    "edu_staff",
    "health_leader",
    "evaluator",
    "expert",
]
LEVELS = [{"name": "好", "min": 0.5, "max": 1}, {"name": "差", "min": 0, "max": 0.5}]


def state():
    return (
        list(
            Indicator.objects.order_by("pk").values_list(
                "code", "version", "is_active", "current_id"
            )
        ),
        list(IndicatorVersion.objects.order_by("pk").values_list("pk", "name")),
        list(Taxonomy.objects.order_by("pk").values_list("code", "name", "version")),
        list(Tag.objects.order_by("pk").values_list("code", "name", "version")),
        list(Rubric.objects.order_by("pk").values_list("code", "name", "version")),
    )


def json_call(method, url, payload):
    return lambda c: getattr(c, method)(url, payload, content_type="application/json")


API_WRITES = {
    "create indicator": json_call("post", "/api/v1/indicators", {"code": "NEW", "name": "新"}),
    "patch indicator": json_call("patch", "/api/v1/indicators/A", {"version": 1, "name": "改"}),
    "deactivate indicator": json_call("post", "/api/v1/indicators/A/deactivate", {"version": 1}),
    "create taxonomy": json_call("post", "/api/v1/taxonomies", {"code": "bsc", "name": "BSC"}),
    "patch taxonomy": json_call(
        "patch", "/api/v1/taxonomies/dimension", {"version": 1, "name": "维度"}
    ),
    "create category": json_call(
        "post", "/api/v1/taxonomies/dimension/tags", {"code": "x", "name": "X"}
    ),
    "patch category": json_call(
        "patch", "/api/v1/taxonomies/dimension/tags/economy", {"version": 1, "name": "经济"}
    ),
    "delete category": lambda c: c.delete("/api/v1/taxonomies/budget/tags/cost-social"),
    "create rubric": json_call(
        "post", "/api/v1/rubrics", {"code": "two", "name": "两级", "levels": LEVELS}
    ),
    "patch rubric": json_call(
        "patch", "/api/v1/rubrics/three-level", {"version": 1, "name": "三级"}
    ),
    "import": lambda c: c.post(
        "/api/v1/indicators/import",
        {"file": SimpleUploadedFile("i.csv", b"code,name\nNEW,\xe6\x96\xb0\n")},
    ),
}


def page_writes(a: Indicator) -> dict:
    form = {
        "name": "改",
        "frequency": "Monthly",
        "time_aggregation": "sum",
        "direction": "higher",
        "kind": "quantitative",
        "horizon": "annual",
        "decimals": "2",
    }
    return {
        "create indicator": lambda c: c.post("/indicators/new/", {**form, "code": "NEW"}),
        "edit indicator": lambda c: c.post(f"/indicators/{a.pk}/edit/", {**form, "version": "1"}),
        "deactivate indicator": lambda c: c.post(
            f"/indicators/{a.pk}/active/",
            {"active": "0", "version": str(Indicator.objects.get(pk=a.pk).version)},
        ),
        "create taxonomy": lambda c: c.post(
            "/indicators/taxonomies/", {"code": "bsc", "name": "BSC", "sort_order": "1"}
        ),
        "add category": lambda c: c.post(
            "/indicators/taxonomies/dimension/",
            {"add_tag": "1", "tag-code": "x", "tag-name": "X", "tag-sort_order": "1"},
        ),
        "edit category": lambda c: c.post(
            "/indicators/taxonomies/dimension/economy/",
            {"code": "economy", "name": "经济", "sort_order": "1", "version": "1"},
        ),
        "create rubric": lambda c: c.post(
            "/indicators/rubrics/new/",
            {
                "code": "two",
                "name": "两级",
                "levels-TOTAL_FORMS": "2",
                "levels-INITIAL_FORMS": "0",
                "levels-0-name": "好",
                "levels-0-min": "0.5",
                "levels-0-max": "1",
                "levels-1-name": "差",
                "levels-1-min": "0",
                "levels-1-max": "0.5",
            },
        ),
        "import": lambda c: c.post(
            "/indicators/import/",
            {"file": SimpleUploadedFile("i.csv", b"code,name\nNEW,\xe6\x96\xb0\n")},
        ),
    }


@pytest.fixture
def library(org, presets):
    make_indicator(org.office, "A", "甲")
    return org


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("operation", sorted(API_WRITES))
def test_library_writes_through_the_api(library, name, operation):
    before = state()
    refusals = AuditEntry.objects.filter(result="denied").count()
    response = API_WRITES[operation](signed_in(library.people()[name]))
    if name == "office":
        assert response.status_code in (200, 201, 204), response.content
        if operation != "import":  # the API import without ?dry_run writes too
            assert state() != before
    else:
        assert response.status_code == 403, response.content
        assert state() == before
        assert AuditEntry.objects.filter(result="denied").count() == refusals + 1


@pytest.mark.parametrize("name", ROLES)
def test_library_writes_through_the_pages(library, name):
    person = library.people()[name]
    client = signed_in(person)
    a = Indicator.objects.get(code="A")
    for operation, call in page_writes(a).items():
        before = state()
        response = call(client)
        if name == "office":
            assert response.status_code in (200, 302), (operation, response.content[:500])
            if operation != "import":  # the page import only previews until confirmed
                assert state() != before, operation
        else:
            assert response.status_code == 403, (operation, response.status_code)
            assert state() == before, operation


@pytest.mark.parametrize("name", ROLES)
def test_everyone_signed_in_reads_the_library(library, name):
    client = signed_in(library.people()[name])
    a = Indicator.objects.get(code="A")
    for url in (
        "/indicators/",
        f"/indicators/{a.pk}/",
        "/indicators/taxonomies/",
        "/indicators/rubrics/",
    ):
        assert client.get(url).status_code == 200, url
    for url in (
        "/api/v1/indicators",
        "/api/v1/indicators/A",
        "/api/v1/taxonomies",
        "/api/v1/rubrics",
    ):
        assert client.get(url).status_code == 200, url
