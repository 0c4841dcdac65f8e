from django.urls import path

from govperf.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("formula-check/", views.formula_check, name="formula_check"),
    path("taxonomies/", views.taxonomies, name="taxonomies"),
    path("taxonomies/<slug:code>/", views.taxonomy, name="taxonomy"),
    path("taxonomies/<slug:code>/<slug:tag_code>/", views.tag_edit, name="tag_edit"),
    path("rubrics/", views.rubrics, name="rubrics"),
    path("rubrics/new/", views.rubric_create, name="rubric_create"),
    path("rubrics/<slug:code>/edit/", views.rubric_edit, name="rubric_edit"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("export/", views.export, name="export"),
]
