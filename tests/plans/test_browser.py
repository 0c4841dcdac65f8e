"""The plans pages in headless Chromium at desktop and phone width: the goal tree with its
drill-down, the editor grid by keyboard, the review page and the public comment page.
Screenshots land in test-artifacts/."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from govperf.plans import services
from govperf.plans.models import PlanComment, PlanItem
from tests.browser_support import as_person, fits, shot
from tests.helpers import Org
from tests.plans.conftest import Library, ready_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    org = Org()
    lib = Library()
    cycle = services.create_cycle(
        actor=org.office, code="2026", name="2026年度", period="2026", status="active"
    )
    top = services.create_goal(
        actor=org.office,
        owner_unit=org.city,
        level="strategic",
        title="民生福祉持续增进",
        start_period="2026",
        end_period="2028",
    )
    goal = services.create_goal(
        actor=org.edu_coord,
        owner_unit=org.edu,
        level="unit",
        parent=top,
        decomposition="level",
        title="三年完成50个老旧小区改造",
        start_period="2026",
        end_period="2028",
        indicator=lib.renov,
        target_value=Decimal(50),
        unit_of_measure="个",
    )
    services.decompose_goal_by_time(
        actor=org.edu_coord,
        goal=goal,
        parts=[{"period": y, "target": v} for y, v in (("2026", 20), ("2027", 15), ("2028", 15))],
    )
    plan = ready_plan(org, lib, cycle)
    return org, lib, cycle, goal, plan


def test_goal_tree_drill_down(page, world):
    org, *_rest = world
    as_person(page, org.office)
    page.goto(page.base_url + "/plans/goals/")
    page.locator("[data-testid=goal-chart] svg").wait_for()
    page.locator("[data-testid=goal-chart] svg text", has_text="三年完成50个").first.click()
    page.locator("#goal-detail [data-testid=goal-panel]").wait_for()
    assert "20" in page.locator("[data-testid=goal-timeline]").inner_text()
    shot(page, "plans-goal-tree")


def test_goal_tree_at_phone_width(phone, world):
    org, *_rest = world
    as_person(phone, org.edu_leader)
    phone.goto(phone.base_url + "/plans/goals/")
    phone.locator("[data-testid=goal-list] a", has_text="三年完成50个").click()
    phone.locator("#goal-detail [data-testid=goal-panel]").wait_for()
    assert fits(phone)
    shot(phone, "plans-goal-tree-phone")


def test_editor_grid_by_keyboard(page, world):
    org, _lib, _cycle, _goal, plan = world
    as_person(page, org.edu_coord)
    page.goto(page.base_url + f"/plans/{plan.pk}/edit/")
    item = plan.items.order_by("sort_order").first()
    weight = page.locator(f"#i{item.pk}-weight")
    weight.fill("30")
    assert page.locator("#weight-total").inner_text() == "105"  # live, before saving
    weight.press("Tab")  # leaving the cell saves the row
    page.locator(f"#row-{item.pk} input[name=version][value='2']").wait_for(state="attached")
    assert PlanItem.objects.get(pk=item.pk).weight == Decimal(30)
    page.locator(f"#i{item.pk}-floor").fill("9")
    page.locator(f"#i{item.pk}-floor").press("Tab")
    page.locator(f"#i{item.pk}-floor.is-invalid").wait_for()
    assert (
        "must not be above" in page.locator(f"#row-{item.pk}").inner_text()
        or "不能高于" in page.locator(f"#row-{item.pk}").inner_text()
    )
    shot(page, "plans-editor")


def test_editor_at_phone_width(phone, world):
    org, _lib, _cycle, _goal, plan = world
    as_person(phone, org.edu_coord)
    phone.goto(phone.base_url + f"/plans/{plan.pk}/edit/")
    assert phone.locator("[data-testid=plan-row]").count() == 6
    assert fits(phone)
    shot(phone, "plans-editor-phone")


def test_review_page_and_list(page, phone, world):
    org, _lib, _cycle, _goal, plan = world
    services.submit_plan(actor=org.edu_coord, plan=plan)
    for p in (page, phone):
        as_person(p, org.office)
        p.goto(p.base_url + f"/plans/{plan.pk}/review/")
        p.locator("[data-testid=act-approve]").wait_for()
    assert fits(phone)
    # At phone width each item is a card: its name takes the whole width (not a column one
    # character wide) and each value carries its label.
    card = phone.locator("[data-testid=plan-items] tbody tr").first
    name = card.locator("td.cell-indicator")
    assert name.bounding_box()["width"] > 0.8 * phone.viewport_size["width"] - 40
    assert phone.locator("[data-testid=plan-items] thead").is_hidden()
    label = card.locator("td[data-label]").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert label.strip('"') in ("Period", "期间")
    shot(page, "plans-review")
    shot(phone, "plans-review-phone")
    page.goto(page.base_url + "/plans/")
    assert "教育局" in page.locator("[data-testid=plan-table]").inner_text()
    shot(page, "plans-list")


def test_public_comment_at_phone_width(phone, world):
    org, _lib, _cycle, _goal, plan = world
    services.open_comments(
        actor=org.office, plan=plan, until=timezone.now() + dt.timedelta(days=7), public=True
    )
    phone.goto(phone.base_url + f"/plans/public/{plan.pk}/")
    assert fits(phone)
    phone.fill("#id_name", "王小明")
    phone.fill("#id_contact", "13812345678")
    phone.fill("#id_body", "建议公布各街道的数据")
    phone.click("[data-testid=public-comment-form] button[type=submit]")
    phone.locator(".alert-success").wait_for()
    assert list(PlanComment.objects.values_list("name", "status")) == [("王小明", "pending")]
    shot(phone, "plans-public-phone")
