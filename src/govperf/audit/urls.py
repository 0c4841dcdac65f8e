from django.urls import path

from govperf.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("verify/", views.verify, name="verify"),
    path("head.json", views.head_export, name="head"),
]
