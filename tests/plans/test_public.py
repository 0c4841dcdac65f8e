"""The public page of a plan open for comment, and its comment form: no sign-in, moderated,
rate-limited, with the commenter's personal data masked."""

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from govperf.plans import services
from govperf.plans.models import PlanComment
from tests.helpers import signed_in


def open_to_public(org, plan, public=True):
    return services.open_comments(
        actor=org.office, plan=plan, until=timezone.now() + dt.timedelta(days=7), public=public
    )


def test_anyone_reads_the_draft_with_the_basis_of_each_target(org, plan):
    services.update_item(
        actor=org.edu_coord,
        item=plan.items.order_by("sort_order").first(),
        expected_version=None,
        basis="按近三年平均增速测算",
    )
    open_to_public(org, plan)

    response = Client().get(f"/plans/public/{plan.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "按近三年平均增速测算" in page and 'data-testid="public-comment-form"' in page


def test_a_plan_not_opened_to_the_public_is_not_found(org, plan):
    assert Client().get(f"/plans/public/{plan.pk}/").status_code == 404
    open_to_public(org, plan, public=False)
    assert Client().get(f"/plans/public/{plan.pk}/").status_code == 404
    assert Client().get(f"/api/v1/public/plans/{plan.pk}").status_code == 404


def test_a_public_comment_waits_for_moderation_then_shows_masked(org, plan):
    plan = open_to_public(org, plan)
    response = Client().post(
        f"/plans/public/{plan.pk}/comment/",
        {"name": "王小明", "contact": "13812345678", "body": "建议把入园率目标再提高一些"},
    )
    assert response.status_code == 302
    comment = PlanComment.objects.get()
    assert (comment.source, comment.status, comment.contact) == ("public", "pending", "13812345678")
    assert "建议把入园率" not in Client().get(f"/plans/public/{plan.pk}/").content.decode()

    services.moderate_comment(actor=org.office, comment=comment, publish=True)
    page = Client().get(f"/plans/public/{plan.pk}/").content.decode()
    assert "建议把入园率目标再提高一些" in page
    assert "王**" in page and "王小明" not in page and "13812345678" not in page


def test_the_office_sees_the_contact_the_unit_sees_it_masked(org, plan):
    plan = open_to_public(org, plan)
    comment = services.add_public_comment(
        plan=plan, name="王小明", contact="13812345678", body="意见", client_key="x"
    )
    services.moderate_comment(actor=org.office, comment=comment, publish=True)

    office = json.loads(signed_in(org.office).get(f"/api/v1/plans/{plan.pk}/comments").content)
    unit = json.loads(signed_in(org.edu_coord).get(f"/api/v1/plans/{plan.pk}/comments").content)
    unit_page = signed_in(org.edu_coord).get(f"/plans/{plan.pk}/").content.decode()

    assert [c["contact"] for c in office] == ["13812345678"]
    assert [c["contact"] for c in unit] == ["138****5678"]
    assert "138****5678" in unit_page and "13812345678" not in unit_page


def test_a_robot_filling_the_hidden_field_is_thanked_and_ignored(org, plan):
    plan = open_to_public(org, plan)
    response = Client().post(
        f"/plans/public/{plan.pk}/comment/",
        {"name": "bot", "body": "buy now", "website": "http://spam.example"},
    )
    assert response.status_code == 302
    assert PlanComment.objects.count() == 0


def test_the_form_shows_errors_and_the_limit(org, plan):
    plan = open_to_public(org, plan)
    client = Client(REMOTE_ADDR="203.0.113.9")
    invalid = client.post(f"/plans/public/{plan.pk}/comment/", {"name": "王", "body": ""})
    assert invalid.status_code == 200 and PlanComment.objects.count() == 0
    for _i in range(services.PUBLIC_COMMENT_LIMIT[0]):
        assert (
            client.post(
                f"/plans/public/{plan.pk}/comment/", {"name": "王", "body": "意见"}
            ).status_code
            == 302
        )
    limited = client.post(f"/plans/public/{plan.pk}/comment/", {"name": "王", "body": "意见"})
    assert limited.status_code == 429
    assert PlanComment.objects.count() == services.PUBLIC_COMMENT_LIMIT[0]


def test_after_the_deadline_the_page_stays_without_the_form(org, plan):
    plan = open_to_public(org, plan)
    services.close_comments(actor=org.office, plan=plan)
    page = Client().get(f"/plans/public/{plan.pk}/").content.decode()
    assert "public-comment-form" not in page
    response = Client().post(
        f"/plans/public/{plan.pk}/comment/", {"name": "王", "body": "迟到的意见"}
    )
    assert response.status_code == 302 and PlanComment.objects.count() == 0


def test_the_public_api(org, plan):
    plan = open_to_public(org, plan)
    client = Client()
    created = client.post(
        f"/api/v1/public/plans/{plan.pk}/comments",
        {"name": "李女士", "contact": "li@example.cn", "body": "口径是什么？"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert json.loads(created.content)["status"] == "pending"
    comment = PlanComment.objects.get()
    services.moderate_comment(actor=org.office, comment=comment, publish=True)
    services.answer_comment(
        actor=org.edu_coord,
        comment=comment,
        answer="见指标说明",
        adopted=False,
        not_adopted_reason="已公开口径",
    )

    data = json.loads(client.get(f"/api/v1/public/plans/{plan.pk}").content)

    assert (data["unit_name"], data["open"], len(data["items"])) == ("教育局", True, 6)
    assert data["comments"] == [
        {
            "name": "李**",
            "body": "口径是什么？",
            "answer": "见指标说明",
            "adopted": False,
            "not_adopted_reason": "已公开口径",
            "created_at": data["comments"][0]["created_at"],
        }
    ]
    assert "li@example.cn" not in json.dumps(data)


def test_the_public_api_is_rate_limited(org, plan):
    plan = open_to_public(org, plan)
    client = Client(REMOTE_ADDR="203.0.113.10")
    url = f"/api/v1/public/plans/{plan.pk}/comments"
    codes = [
        client.post(
            url, {"name": "王", "body": "意见"}, content_type="application/json"
        ).status_code
        for _i in range(services.PUBLIC_COMMENT_LIMIT[0] + 1)
    ]
    assert codes == [201] * services.PUBLIC_COMMENT_LIMIT[0] + [429]
