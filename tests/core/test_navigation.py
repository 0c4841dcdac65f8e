"""The main navigation follows the policy and marks exactly one item active."""

from govperf.core.navigation import navigation_for


def test_items_follow_the_policy(org):
    admin = [i["url"] for i in navigation_for(org.admin, "/")]
    auditor = [i["url"] for i in navigation_for(org.auditor, "/")]
    assert "/orgs/people/" in admin and "/audit/" not in admin
    assert "/audit/" in auditor


def test_the_longest_matching_link_is_the_one_active(org):
    items = navigation_for(org.admin, "/orgs/people/3/")
    assert [i["url"] for i in items if i["active"]] == ["/orgs/people/"]
    items = navigation_for(org.admin, "/orgs/units/3/")
    assert [i["url"] for i in items if i["active"]] == ["/orgs/"]
    items = navigation_for(org.admin, "/")
    assert [i["url"] for i in items if i["active"]] == ["/"]
