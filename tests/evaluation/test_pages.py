"""Every page renders for the people who use it (office, leader, unit leader, evaluator,
expert), and refuses or hides what they may not see."""

import datetime as dt
import re

from django.urls import reverse

from govperf.evaluation import presets, selectors, services
from govperf.evaluation.models import ResultSet
from tests.evaluation.conftest import compute
from tests.helpers import signed_in


def get(person, name, *args, status=200, **query):
    response = signed_in(person).get(reverse(f"evaluation:{name}", args=args), query)
    assert response.status_code == status, (name, response.status_code)
    return response.content.decode()


def test_office_pages(world, published):
    office = world.office
    rs, round_ = published, published.round
    scheme = round_.scheme_version.scheme
    assert "2025年度" in get(office, "home")
    assert "测试方案" in get(office, "schemes")
    page = get(office, "scheme", scheme.pk)
    assert 'data-testid="weight-tools"' in page and "ENR" in page
    assert 'name="definition"' in get(office, "scheme_edit", scheme.pk)
    assert 'name="definition"' in get(office, "scheme_create")
    assert 'data-testid="interval-table"' in get(
        office, "scheme_sensitivity", scheme.pk, result_set=rs.pk, spread=10
    )
    assert round_.name in get(office, "rounds")
    assert 'name="units"' in get(office, "round_create")
    page = get(office, "round", round_.pk)
    assert 'data-testid="task-progress"' in page and 'data-testid="job-progress"' in page
    assert 'data-testid="round-task-table"' in get(office, "round_tasks", round_.pk)
    page = get(office, "results", rs.pk)
    assert 'data-chart="grade-chart"' in page and 'data-chart="ranking-chart"' in page
    assert "96.3" in page and "82.9" in page
    page = get(office, "unit_result", rs.pk, world.org.county.pk)
    assert "higher is better: 96 ÷ target 120 = 0.8" in page
    assert 'name="appeal_days"' in get(office, "settings")
    get(office, "appeals")
    task = round_.tasks.filter(evaluator=world.expert2).first()
    assert 'data-testid="reassign"' in get(office, "task", task.pk)


def test_leader_sees_published_results_and_scores_as_superior(world, published):
    leader = world.org.leader
    page = get(leader, "results", published.pk)
    assert "96.3" in page and 'data-testid="set-actions"' not in page
    get(leader, "unit_result", published.pk, world.org.edu.pk)
    assert 'data-testid="home-rounds"' in get(leader, "home")
    tasks_page = get(leader, "tasks")
    assert 'data-testid="task-table"' in tasks_page
    get(leader, "settings", status=403)
    get(leader, "round_create", status=403)


def test_unit_leader_sees_its_own_drill_down_and_may_appeal(world, published):
    edu_leader = world.org.edu_leader
    page = get(edu_leader, "results", published.pk)
    assert reverse("evaluation:unit_result", args=[published.pk, world.org.edu.pk]) in page
    assert reverse("evaluation:unit_result", args=[published.pk, world.org.health.pk]) not in page
    assert reverse("evaluation:appeal_create", args=[published.pk]) in page
    get(edu_leader, "unit_result", published.pk, world.org.edu.pk)
    get(edu_leader, "unit_result", published.pk, world.org.health.pk, status=404)
    assert 'data-testid="appeal-form"' in get(edu_leader, "appeal_create", published.pk)
    get(edu_leader, "scheme_edit", published.round.scheme_version.scheme_id, status=403)


def test_evaluators_see_their_tasks_and_no_results(world, published):
    expert = world.org.expert
    page = get(expert, "tasks")
    assert len(re.findall(r'href="/evaluation/tasks/\d+/"', page)) == 3
    task = published.round.tasks.filter(evaluator=expert).first()
    page = get(expert, "task", task.pk)
    assert "达成" in page and "部分达成" in page  # the rubric
    other = published.round.tasks.filter(evaluator=world.expert2).first()
    get(expert, "task", other.pk, status=404)
    get(expert, "results", published.pk, status=404)
    assert 'data-testid="conflict-form"' in get(expert, "conflicts")


def test_a_draft_is_the_offices_only(world):
    round_ = world.open_round()
    world.score_everything(round_)
    rs = compute(world, round_).result_set
    assert rs.status == ResultSet.Status.DRAFT
    get(world.office, "results", rs.pk)
    get(world.org.leader, "results", rs.pk, status=404)
    get(world.org.edu_leader, "results", rs.pk, status=404)


def test_scoring_through_the_form(world):
    round_ = world.open_round()
    task = round_.tasks.get(component="leader", unit=world.org.edu)
    client = signed_in(world.org.leader)
    url = reverse("evaluation:task", args=[task.pk])
    refused = client.post(url, {"version": 1, "level": "好", "score": "85", "comment": ""})
    assert refused.status_code == 200
    assert "A score for “好” lies between 90 and 100." in refused.content.decode()
    task.refresh_from_db()
    assert task.status == "pending"
    saved = client.post(url, {"version": 1, "level": "好", "score": "92", "comment": ""})
    assert saved.status_code == 302
    task.refresh_from_db()
    assert (task.status, str(task.score)) == ("submitted", "92.000000")


def test_the_scheme_editor_shows_located_errors(world):
    services.load_presets(actor=world.office)
    scheme = selectors.get_scheme_by_code("tcity-multi-subject")
    client = signed_in(world.office)
    definition = dict(presets.TCITY, components=[dict(c) for c in presets.TCITY["components"]])
    definition["components"][0]["weight"] = 15
    import json

    response = client.post(
        reverse("evaluation:scheme_edit", args=[scheme.pk]),
        {
            "version": 1,
            "name": scheme.name,
            "description": "",
            "definition": json.dumps(definition),
        },
    )
    assert response.status_code == 200
    assert "scheme.components: " in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.version == 1


def test_the_round_page_polls_a_running_job(world):
    round_ = world.open_round()
    job = services.start_computation(actor=world.office, round_=round_, enqueue=False)
    client = signed_in(world.office)
    page = client.get(reverse("evaluation:round", args=[round_.pk])).content.decode()
    assert f'hx-get="{reverse("evaluation:job", args=[round_.pk, job.pk])}"' in page
    fragment = client.get(
        reverse("evaluation:job", args=[round_.pk, job.pk]), HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and "job-progress" in fragment.content.decode()
    services.run_computation(job.pk)
    done = client.get(reverse("evaluation:job", args=[round_.pk, job.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_weights_tools_answer_with_a_fragment(world):
    services.load_presets(actor=world.office)
    scheme = selectors.get_scheme_by_code("hangzhou-3plus1")
    client = signed_in(world.office)
    url = reverse("evaluation:scheme_weights", args=[scheme.pk, "ahp"])
    ok = client.post(
        url, {"target": "", "matrix": "1 2 9\n1/2 1 8\n1/9 1/8 1"}, HTTP_HX_REQUEST="true"
    )
    assert ok.status_code == 200 and 'data-testid="weights-result"' in ok.content.decode()
    bad = client.post(
        url, {"target": "", "matrix": "1 9 1/9\n1/9 1 9\n9 1/9 1"}, HTTP_HX_REQUEST="true"
    )
    text = bad.content.decode()
    assert "not consistent enough" in text and "matrix[" in text
    equal = client.post(
        reverse("evaluation:scheme_weights", args=[scheme.pk, "equal"]),
        {"target": "goal"},
        HTTP_HX_REQUEST="true",
    )
    assert equal.content.decode().count('name="weight" value="20.0"') == 5


def test_settings_page_saves_a_working_day_correction(world):
    client = signed_in(world.office)
    response = client.post(
        reverse("evaluation:settings"),
        {"form": "workday", "date": "2025-09-12", "is_workday": "0", "note": "台风停工"},
    )
    assert response.status_code == 302
    from govperf.evaluation.models import WorkdayCorrection

    assert WorkdayCorrection.objects.get().date == dt.date(2025, 9, 12)


def test_the_round_list_does_not_query_per_round(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.office)
    first = world.open_round()
    url = reverse("evaluation:rounds")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        services.open_round(
            actor=world.office,
            cycle=world.cycle,
            period="2025",
            scheme_version=first.scheme_version,
            units=world.units,
            deadline=dt.date(2026, 1, 31),
        )
    with CaptureQueriesContext(connection) as four:
        assert client.get(url).content.decode().count('href="/evaluation/rounds/') >= 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_pages_name_components_and_evaluators_by_their_labels(world, published):
    office, round_ = world.office, published.round
    progress = get(office, "round", round_.pk).split('data-testid="task-progress"')[1]
    progress = progress.split("</section>")[0]
    # The scheme's labels and the evaluator kinds' names, not their codes.
    assert "<td>目标考核</td><td>expert</td>" in progress
    assert "<td>领导考评</td><td>superior</td>" in progress
    assert "<td>goal</td>" not in progress and "<td>leader</td>" not in progress
    tasks = get(world.org.expert, "tasks")
    assert "<td>目标考核</td>" in tasks and "<td>goal</td>" not in tasks


def test_the_sensitivity_page_opens_on_the_latest_results(world, published):
    scheme = published.round.scheme_version.scheme
    page = get(world.office, "scheme_sensitivity", scheme.pk)
    assert 'data-testid="interval-table"' in page
    assert f'<option value="{published.pk}" selected>' in page
    # Groups by name: edu and health are 社会民生类, the county 区县.
    assert "社会民生类" in page and "区县" in page


def test_evaluation_terms_keep_their_own_chinese_words(world):
    """The same English word means different things in different apps ("rejected" plans
    are 不予公开, a rejected appeal is 不予支持): the evaluation app's words carry a
    context, so another app's translation cannot take their place."""
    from django.utils import translation

    from govperf.evaluation.forms import AdjustmentForm
    from govperf.evaluation.models import Adjustment, Appeal, ResultSet
    from govperf.orgs.models import Unit

    with translation.override("zh-hans"):
        assert str(Appeal.Status.REJECTED.label) == "不予支持"
        assert str(Adjustment._meta.get_field("kind").verbose_name) == "类型"
        assert str(ResultSet._meta.get_field("computed_at").verbose_name) == "计算时间"
        assert str(AdjustmentForm(units=Unit.objects.none()).fields["kind"].label) == "类型"
