"""Every schema and enum the API exposes has a name of its own.

The OpenAPI document names components after their Python classes; two classes with
one name (``Plan.Status`` and ``Round.Status``) would silently replace each other in
the document, and clients and the schemathesis test would read the wrong one.
"""

import collections
import enum
import inspect
import typing

from pydantic import BaseModel

from govperf.api import api


def _types(annotation):
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types(arg)


def _walk(model, names, seen):
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        for t in _types(field.annotation):
            if inspect.isclass(t) and issubclass(t, enum.Enum):
                names[t.__name__].add(f"{t.__module__}.{t.__qualname__}")
            elif inspect.isclass(t) and issubclass(t, BaseModel):
                names[t.__name__].add(f"{t.__module__}.{t.__qualname__}")
                _walk(t, names, seen)


def exposed_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = collections.defaultdict(set)
    seen: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = [m for m in operation.response_models.values() if inspect.isclass(m)]
                for model in [*models, *(operation.models or [])]:
                    if issubclass(model, BaseModel):
                        _walk(model, names, seen)
    return names


def test_component_names_are_unique():
    clashes = {name: sorted(where) for name, where in exposed_names().items() if len(where) > 1}
    assert clashes == {}
