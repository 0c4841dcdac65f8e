"""Through the browser at desktop and phone width: the office's results with their charts,
a unit's drill-down, the round page following a computation, the weighting tools, and an
expert scoring by rubric on a phone (screenshots in test-artifacts/)."""

import pytest

from govperf.evaluation import services
from tests.browser_support import as_person, fits, shot
from tests.evaluation.conftest import World, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published():
    world = World()
    return world, publish(world)


def charts_drawn(page) -> int:
    page.wait_for_selector("[data-chart] svg")
    return page.locator("[data-chart][data-chart-ready] svg").count()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_results_with_charts_and_drill_down(published, page, phone, width):
    world, rs = published
    tab = page if width == "desktop" else phone
    as_person(tab, world.office)
    tab.goto(f"{tab.base_url}/evaluation/results/{rs.pk}/")
    assert charts_drawn(tab) == 2
    tables = " ".join(tab.locator("[data-testid=result-table]").all_inner_texts())
    assert (tables.count("优秀"), tables.count("良好"), tables.count("合格")) == (1, 1, 1)
    assert fits(tab)
    shot(tab, f"evaluation-results-{width}")
    tab.click(f"a[href='/evaluation/results/{rs.pk}/units/{world.org.county.pk}/']")
    tab.wait_for_selector("[data-testid=drill-down]")
    assert charts_drawn(tab) == 1
    tab.locator("details.drill summary").nth(1).click()
    assert "四舍五入" in tab.locator("[data-testid=composite-text]").inner_text()
    assert "越高越好：96 ÷ 目标值 120 = 0.8" in tab.locator("[data-testid=drill-down]").inner_text()
    assert fits(tab)
    shot(tab, f"evaluation-unit-{width}")


def test_the_round_page_follows_a_computation(published, page):
    world, rs = published
    job = services.start_computation(actor=world.office, round_=rs.round, enqueue=False)
    as_person(page, world.office)
    page.goto(f"{page.base_url}/evaluation/rounds/{rs.round_id}/")
    assert "排队中" in page.locator("[data-testid=job-progress]").inner_text()
    shot(page, "evaluation-round-queued")
    services.run_computation(job.pk)
    # The progress bar polls every second and reloads the page when the job is done.
    page.wait_for_selector("[data-testid=result-sets] >> text=第 2 版", timeout=10000)
    assert "12/12" in page.locator("[data-testid=job-progress]").inner_text()
    shot(page, "evaluation-round-done")


def test_the_office_weighs_by_ahp(published, page):
    world, rs = published
    as_person(page, world.office)
    page.goto(f"{page.base_url}/evaluation/schemes/{rs.round.scheme_version.scheme_id}/")
    page.fill("#ahp-matrix", "1 2 6\n1/2 1 3\n1/6 1/3 1")
    page.click("[data-testid=weight-tools] form >> text=计算")
    page.wait_for_selector("[data-testid=weights-result]")
    assert "CR = 0" in page.locator("[data-testid=weights-result]").inner_text()
    shot(page, "evaluation-weights")
    page.fill("#ahp-matrix", "1 9 1/9\n1/9 1 9\n9 1/9 1")
    page.click("[data-testid=weight-tools] form >> text=计算")
    page.wait_for_selector("[data-testid=weights-result] >> text=一致性不足")
    shot(page, "evaluation-weights-inconsistent")


def test_an_expert_scores_by_rubric_on_a_phone(phone):
    world = World()
    round_ = world.open_round()
    task = round_.tasks.get(evaluator=world.org.expert, unit=world.org.health)
    as_person(phone, world.org.expert)
    phone.goto(f"{phone.base_url}/evaluation/tasks/")
    assert fits(phone)
    shot(phone, "evaluation-tasks-phone")
    phone.click(f"a[href='/evaluation/tasks/{task.pk}/']")
    phone.select_option("#id_level__OPEN", "部分达成")
    phone.fill("#id_pct__OPEN", "0.9")
    phone.click("[data-testid=score-form] button[type=submit]")
    phone.wait_for_selector("text=“部分达成”等级的得分率应在 0.6 到 0.8 之间")
    assert fits(phone)
    shot(phone, "evaluation-score-refused-phone")
    phone.fill("#id_pct__OPEN", "0.75")
    phone.click("[data-testid=score-form] button[type=submit]")
    phone.wait_for_selector("text=评分已保存")
    task.refresh_from_db()
    assert task.items == {"OPEN": {"level": "部分达成", "pct": 0.75}}
