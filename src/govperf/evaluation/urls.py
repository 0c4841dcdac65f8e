from django.urls import path

from govperf.evaluation import office_views, result_views, round_views, scheme_views, views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("schemes/", scheme_views.scheme_list, name="schemes"),
    path("schemes/new/", scheme_views.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", scheme_views.scheme_detail, name="scheme"),
    path("schemes/<int:pk>/edit/", scheme_views.scheme_edit, name="scheme_edit"),
    path(
        "schemes/<int:pk>/weights/<slug:method>/",
        scheme_views.scheme_weights,
        name="scheme_weights",
    ),
    path(
        "schemes/<int:pk>/weights/", scheme_views.scheme_apply_weights, name="scheme_apply_weights"
    ),
    path(
        "schemes/<int:pk>/sensitivity/", scheme_views.scheme_sensitivity, name="scheme_sensitivity"
    ),
    path("rounds/", round_views.round_list, name="rounds"),
    path("rounds/new/", round_views.round_create, name="round_create"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round"),
    path("rounds/<int:pk>/act/<slug:verb>/", round_views.round_act, name="round_act"),
    path("rounds/<int:pk>/jobs/<int:job_pk>/", round_views.job_progress, name="job"),
    path("rounds/<int:pk>/import/", round_views.round_import, name="round_import"),
    path("rounds/<int:pk>/adjust/", round_views.round_adjust, name="round_adjust"),
    path(
        "rounds/<int:pk>/adjust/<int:adj_pk>/remove/",
        round_views.adjustment_remove,
        name="adjustment_remove",
    ),
    path("rounds/<int:pk>/tasks/", round_views.round_tasks, name="round_tasks"),
    path(
        "rounds/<int:pk>/tasks/<int:task_pk>/reassign/",
        round_views.task_reassign,
        name="task_reassign",
    ),
    path("results/<int:pk>/", result_views.results, name="results"),
    path("results/<int:pk>/act/<slug:verb>/", result_views.results_act, name="results_act"),
    path("results/<int:pk>/units/<int:unit_pk>/", result_views.unit_result, name="unit_result"),
    path(
        "results/<int:pk>/units/<int:unit_pk>/report.pdf",
        result_views.export_unit_pdf,
        name="unit_pdf",
    ),
    path("results/<int:pk>/results.xlsx", result_views.export_xlsx, name="export_xlsx"),
    path(
        "results/<int:pk>/indicators.xlsx",
        result_views.export_indicators_xlsx,
        name="export_indicators",
    ),
    path("results/<int:pk>/report.pdf", result_views.export_pdf, name="export_pdf"),
    path("results/<int:pk>/appeal/", result_views.appeal_create, name="appeal_create"),
    path("appeals/", result_views.appeals, name="appeals"),
    path("appeals/<int:pk>/", result_views.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/withdraw/", result_views.appeal_withdraw, name="appeal_withdraw"),
    path("settings/", office_views.settings_page, name="settings"),
    path("settings/workdays/<int:pk>/delete/", office_views.workday_delete, name="workday_delete"),
]
