import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "govperf.plans"
    label = "plans"
    verbose_name = _("Goals and performance plans")

    def ready(self) -> None:
        # A version a target refers to is "in use": editing the indicator then makes a new
        # version, so the plan keeps the definition it was made with (PRODUCT.md C2).
        register = _version_user_registry()
        if register is not None:
            register("plans.Target", "indicator_version")


def _version_user_registry():
    """The indicator library's ``register_version_user``, wherever it lives (None if absent)."""
    for module in ("govperf.indicators.services", "govperf.indicators.usage"):
        try:
            imported = importlib.import_module(module)
        except ImportError:
            continue
        register = getattr(imported, "register_version_user", None)
        if register is not None:
            return register
    return None
