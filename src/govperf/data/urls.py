from django.urls import path

from govperf.data import entry_views, office_views, quality_views

app_name = "data"
urlpatterns = [
    path("", entry_views.home, name="home"),
    path("entry/<int:unit_pk>/<str:period>/", entry_views.entry, name="entry"),
    path("entry/<int:unit_pk>/<str:period>/check/", entry_views.check_cell, name="check"),
    path("entry/<int:unit_pk>/<str:period>/<slug:verb>/", entry_views.entry_act, name="act"),
    path("approval/", entry_views.approvals, name="approvals"),
    path("approval/<int:unit_pk>/<str:period>/", entry_views.approval, name="approval"),
    path("values/<int:pk>/", entry_views.value_detail, name="value"),
    path("values/<int:pk>/evidence/", entry_views.evidence_add, name="evidence_add"),
    path("values/<int:pk>/correction/", entry_views.correction_request, name="correction_request"),
    path("evidence/<int:pk>/", entry_views.evidence_download, name="evidence"),
    path("evidence/<int:pk>/delete/", entry_views.evidence_delete, name="evidence_delete"),
    path("locks/", office_views.lock_list, name="locks"),
    path("locks/<int:pk>/unlock/", office_views.unlock, name="unlock"),
    path("corrections/", office_views.correction_queue, name="corrections"),
    path("corrections/<int:pk>/decide/", office_views.correction_decide, name="correction_decide"),
    path("rules/", office_views.rule_list, name="rules"),
    path("rules/new/", office_views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", office_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", office_views.rule_delete, name="rule_delete"),
    path("quality/", quality_views.quality, name="quality"),
    path("quality/<int:pk>/", quality_views.quality_run, name="quality_run"),
    path("quality/<int:pk>/units/<int:unit_pk>/", quality_views.quality_unit, name="quality_unit"),
]

# Import, export, code mappings and connectors (data.exchange_views).
from govperf.data.exchange_views import urlpatterns as exchange_urlpatterns  # noqa: E402

urlpatterns += exchange_urlpatterns
