from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from govperf.api import api
from govperf.core import views as core_views

urlpatterns = [
    path("", include("govperf.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("govperf.accounts.urls")),
    path("orgs/", include("govperf.orgs.urls")),
    path("audit/", include("govperf.audit.urls")),
    path("indicators/", include("govperf.indicators.urls")),
    path("plans/", include("govperf.plans.urls")),
    path("data/", include("govperf.data.urls")),
    path("evaluation/", include("govperf.evaluation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
]
