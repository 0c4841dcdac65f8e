"""Whether an indicator version is "in use", and where an indicator is used.

Editing an indicator whose current version is in use creates a new version
instead of changing the old one, so that plans, data and results keep the
definition they were made with (PRODUCT.md C2: "a changed definition never
rewrites past results"). One function decides it: :func:`version_in_use`.

The indicator library does not know which apps refer to its versions. Each
app that stores a reference to an ``IndicatorVersion`` declares it once, in
its ``AppConfig.ready()``::

    from govperf.indicators.usage import register_version_user

    class PlansConfig(AppConfig):
        def ready(self):
            register_version_user("plans.Target", "indicator_version")

``model_label`` is ``"app_label.ModelName"``; ``field_name`` is a foreign key
(or many-to-many field) to ``indicators.IndicatorVersion`` on that model. A
version is in use as soon as one row of any registered model refers to it.
Registering the same pair twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps

if TYPE_CHECKING:
    from govperf.indicators.models import Indicator, IndicatorVersion

_USERS: list[tuple[str, str]] = []


def register_version_user(model_label: str, field_name: str) -> None:
    """Declare that ``model_label.field_name`` refers to indicator versions."""
    pair = (model_label, field_name)
    if pair not in _USERS:
        _USERS.append(pair)


def unregister_version_user(model_label: str, field_name: str) -> None:
    """Withdraw a declaration (for tests that register a stand-in model)."""
    pair = (model_label, field_name)
    if pair in _USERS:
        _USERS.remove(pair)


def version_users() -> list[tuple[str, str]]:
    return list(_USERS)


def version_in_use(version: IndicatorVersion) -> bool:
    """True when any registered model refers to ``version``."""
    for label, field_name in _USERS:
        model = apps.get_model(label)
        if model._default_manager.filter(**{field_name: version}).exists():
            return True
    return False


@dataclass(frozen=True)
class Usage:
    """How many rows of one registered model refer to some version of an indicator."""

    model_label: str
    name: str
    count: int
    versions: tuple[int, ...]  # version numbers referred to


def usages(indicator: Indicator) -> list[Usage]:
    """Where the versions of ``indicator`` are used, one entry per registered model that uses any."""
    found = []
    for label, field_name in _USERS:
        model = apps.get_model(label)
        rows = model._default_manager.filter(**{f"{field_name}__indicator": indicator})
        count = rows.count()
        if count:
            numbers = sorted(set(rows.values_list(f"{field_name}__number", flat=True)))
            found.append(
                Usage(
                    model_label=label,
                    name=str(model._meta.verbose_name_plural),
                    count=count,
                    versions=tuple(numbers),
                )
            )
    return found
