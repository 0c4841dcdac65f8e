"""Schemes: create, edit (a used version is kept: the edit becomes a new version), presets, weights."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from govperf.audit.services import record, snapshot
from govperf.core.errors import (
    ErrorDetail,
    NotFound,
    ValidationFailed,
)
from govperf.evaluation import selectors
from govperf.evaluation.models import (
    Scheme,
    SchemeVersion,
)
from govperf.evaluation.presets import PRESETS
from govperf.evaluation.services.common import (
    CODE_RE,
    UNSET,
    Problems,
    check_definition,
    check_version,
    copy_json,
    require_office,
    touch,
)
from govperf.orgs.models import Person

# --- schemes -------------------------------------------------------------------------------------


def _scheme_state(scheme: Scheme) -> dict[str, Any]:
    return {
        **snapshot(scheme, ["code", "name", "description", "is_preset", "version"]),
        "current": scheme.current.number if scheme.current_id else None,
    }


def create_scheme(
    *,
    actor: Person | None,
    code: str,
    name: str,
    definition: Any,
    description: str = "",
    is_preset: bool = False,
) -> Scheme:
    if actor is not None:
        require_office(actor)
    p = Problems()
    code = p.text(code, "code", max_length=64, required=True)
    if code and not CODE_RE.match(code):
        p.add("code", _("Letters, digits, hyphens and underscores only."), code)
    elif code and Scheme.objects.filter(code=code).exists():
        p.add("code", _("A scheme with this code exists."), code)
    name = p.text(name, "name", max_length=200, required=True)
    description = p.text(description, "description", max_length=5000)
    p.raise_if_any(_("The scheme could not be saved."))
    check_definition(definition)
    try:
        with transaction.atomic():
            scheme = Scheme.objects.create(
                code=code, name=name, description=description, is_preset=is_preset
            )
            version = SchemeVersion.objects.create(
                scheme=scheme, number=1, definition=definition, created_by=actor
            )
            scheme.current = version
            scheme.save(update_fields=["current"])
            record(
                action="scheme.create",
                actor=actor,
                actor_label="" if actor else "system",
                obj=scheme,
                after={**_scheme_state(scheme), "definition": definition},
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            _("The scheme could not be saved."),
            [ErrorDetail(field="code", message=_("A scheme with this code exists."))],
        ) from exc
    return scheme


def update_scheme(
    *,
    actor: Person,
    scheme: Scheme,
    expected_version: int | None,
    definition: Any = UNSET,
    name: Any = UNSET,
    description: Any = UNSET,
    change_note: str = "",
) -> Scheme:
    """Edit a scheme. A definition already used by a round is never changed: the edit
    becomes a new version, and rounds keep the version they used."""
    require_office(actor)
    p = Problems()
    if name is not UNSET:
        name = p.text(name, "name", max_length=200, required=True)
    if description is not UNSET:
        description = p.text(description, "description", max_length=5000)
    change_note = p.text(change_note, "change_note", max_length=200)
    p.raise_if_any(_("The scheme could not be saved."))
    if definition is not UNSET:
        check_definition(definition)
    with transaction.atomic():
        scheme = (
            Scheme.objects.select_for_update(of=("self",))
            .select_related("current")
            .get(pk=scheme.pk)
        )
        check_version(scheme, expected_version, _("The scheme"))
        before = _scheme_state(scheme)
        fields = []
        if name is not UNSET and name != scheme.name:
            scheme.name = name
            fields.append("name")
        if description is not UNSET and description != scheme.description:
            scheme.description = description
            fields.append("description")
        current = scheme.current
        new_version = None
        if definition is not UNSET and (current is None or definition != current.definition):
            if current is None or selectors.version_in_use(current):
                number = (scheme.versions.aggregate(m=Max("number"))["m"] or 0) + 1
                new_version = SchemeVersion.objects.create(
                    scheme=scheme,
                    number=number,
                    definition=definition,
                    change_note=change_note,
                    created_by=actor,
                )
                scheme.current = new_version
                fields.append("current")
            else:
                current.definition = definition
                current.change_note = change_note or current.change_note
                current.save(update_fields=["definition", "change_note"])
        if not fields and definition is UNSET:
            return scheme
        touch(scheme, *fields)
        record(
            action="scheme.update",
            actor=actor,
            obj=scheme,
            before=before,
            after={
                **_scheme_state(scheme),
                **({"definition": definition} if definition is not UNSET else {}),
                "new_version": new_version.number if new_version else None,
            },
        )
    return scheme


def load_presets(*, actor: Person | None = None) -> list[Scheme]:
    """Load the C6 presets that are not there yet; returns those created (idempotent)."""
    created = []
    for code, definition in PRESETS:
        if Scheme.objects.filter(code=code).exists():
            continue
        created.append(
            create_scheme(
                actor=actor,
                code=code,
                name=definition["name"],
                description=definition.get("description", ""),
                definition=definition,
                is_preset=True,
            )
        )
    return created


def set_component_weights(
    *,
    actor: Person,
    scheme: Scheme,
    expected_version: int | None,
    component: str | None,
    weights: dict[str, float],
    note: str = "",
) -> Scheme:
    """Put weights (from a weighting tool) into the scheme: the components' weights when
    ``component`` is None, else the indicators' weights of that component."""
    require_office(actor)
    if scheme.current_id is None:
        raise NotFound(_("Scheme version not found."))
    definition = copy_json(scheme.current.definition)
    items = definition.get("components", [])
    if component is not None:
        comp = next((c for c in items if c.get("code") == component), None)
        if comp is None or "indicators" not in comp:
            raise ValidationFailed(
                _("The weights could not be applied."),
                [
                    ErrorDetail(
                        field="component", message=_("No indicator component with this code.")
                    )
                ],
            )
        items = comp["indicators"]
    codes = [item.get("code") for item in items]
    if sorted(codes) != sorted(weights):
        raise ValidationFailed(
            _("The weights could not be applied."),
            [ErrorDetail(field="weights", message=_("Give one weight for each item, no more."))],
        )
    for item in items:
        item["weight"] = weights[item["code"]]
    return update_scheme(
        actor=actor,
        scheme=scheme,
        expected_version=expected_version,
        definition=definition,
        change_note=note or _("Weights set with a weighting tool."),
    )
