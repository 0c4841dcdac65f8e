from django.urls import path

from govperf.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/children/", views.children, name="children"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("units/<int:pk>/active/", views.unit_set_active, name="unit_set_active"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/memberships/", views.membership_add, name="membership_add"),
    path("people/<int:pk>/<slug:action>/", views.person_action, name="person_action"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("import/", views.import_view, name="import"),
    path("import/template/<slug:kind>.xlsx", views.import_template, name="import_template"),
]
