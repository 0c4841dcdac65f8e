"""The JSON API at /api/v1/: one NinjaAPI assembling one router per app.

Authentication: the browser session (with CSRF on writes), or an API token in
``Authorization: Bearer gp_…`` for other systems. Errors share one body
(``govperf.core.api``).
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from ninja import NinjaAPI

from govperf.accounts.api import router as accounts_router
from govperf.audit.api import router as audit_router
from govperf.core.api import SessionAuthVerified, TokenAuth, install_error_handlers
from govperf.data.api import router as data_router
from govperf.data.exchange_api import router as data_exchange_router
from govperf.evaluation.api import router as evaluation_router
from govperf.indicators.api import router as indicators_router
from govperf.orgs.api import router as orgs_router
from govperf.plans.api import router as plans_router

api = NinjaAPI(
    title="GovPerf API",
    version="1",
    description="政府目标绩效管理平台 API. Errors share one body: {code, message, details}.",
    urls_namespace="api",
    auth=[SessionAuthVerified(), TokenAuth()],
    # Swagger UI sets inline styles; only the docs page gets that allowance.
    docs_decorator=csp_update({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"]}),
)
install_error_handlers(api)

api.add_router("/", accounts_router)
api.add_router("/", orgs_router)
api.add_router("/audit/", audit_router)
api.add_router("/", indicators_router)
api.add_router("/", plans_router)
api.add_router("/", data_router)
api.add_router("/", data_exchange_router)
api.add_router("/", evaluation_router)
