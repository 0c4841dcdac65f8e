from django.urls import path

from govperf.plans import goal_views, office_views, public_views, views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/review/", views.plan_review, name="review"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/measures/", views.plan_measures, name="measures"),
    path("<int:pk>/items/add/", views.item_add, name="item_add"),
    path("<int:pk>/items/<int:item_pk>/", views.item_row, name="item_row"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/act/<slug:verb>/", views.plan_act, name="act"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path(
        "<int:pk>/comments/<int:comment_pk>/moderate/",
        views.comment_moderate,
        name="comment_moderate",
    ),
    path("<int:pk>/comments/<int:comment_pk>/answer/", views.comment_answer, name="comment_answer"),
    path("<int:pk>/comment-window/", views.comment_window, name="comment_window"),
    path("<int:pk>/export.xlsx", office_views.plan_export, name="export"),
    path("goals/", goal_views.goals, name="goals"),
    path("goals/new/", goal_views.goal_create, name="goal_create"),
    path("goals/<int:pk>/", goal_views.goal_detail, name="goal"),
    path("goals/<int:pk>/edit/", goal_views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/targets/", goal_views.goal_targets, name="goal_targets"),
    path("targets/new/", goal_views.target_create, name="target_create"),
    path("targets/<int:pk>/", goal_views.target_detail, name="target"),
    path("targets/<int:pk>/edit/", goal_views.target_edit, name="target_edit"),
    path("targets/<int:pk>/decompose/", goal_views.target_decompose, name="target_decompose"),
    path("cycles/", office_views.cycles, name="cycles"),
    path("checker/", office_views.checker_settings, name="checker"),
    path("checker/<slug:code>/", office_views.checker_setting_save, name="checker_save"),
    path("import/", office_views.import_view, name="import"),
    path("import/template.xlsx", office_views.import_template, name="import_template"),
    path("public/<int:pk>/", public_views.public_plan, name="public"),
    path("public/<int:pk>/comment/", public_views.public_comment, name="public_comment"),
]
