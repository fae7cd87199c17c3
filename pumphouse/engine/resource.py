"""Resources as the engine sees them: typed nodes with references.

A resource's ``attrs`` are what is compared between source and destination
and what a driver creates from. References to other resources are written
as ``ref(type, source_id)`` and translated to destination ids through the
mapping before they are compared or used.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

Key = tuple[str, str]

_REF = '$ref'


def ref(resource_type: str, source_id: str | None) -> dict | None:
    """A reference to another resource, by its type and source id."""
    if source_id is None:
        return None
    return {_REF: [resource_type, source_id]}


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {_REF}


def ref_key(value: dict) -> Key:
    resource_type, source_id = value[_REF]
    return resource_type, source_id


def references(value: Any) -> list[Key]:
    """Every reference inside ``value``, depth first."""
    if is_ref(value):
        return [ref_key(value)]
    if isinstance(value, dict):
        return [k for v in value.values() for k in references(v)]
    if isinstance(value, (list, tuple)):
        return [k for v in value for k in references(v)]
    return []


class Unresolved(str):
    """A destination id that does not exist yet (a resource to create)."""


def translate(value: Any, lookup: Callable[[Key], str | None]) -> Any:
    """Replace references by destination ids found with ``lookup``.

    A reference ``lookup`` cannot resolve becomes an :class:`Unresolved`
    placeholder, which equals no real id.
    """
    if is_ref(value):
        key = ref_key(value)
        found = lookup(key)
        return found if found is not None else Unresolved(
            f'<new {key[0]} {key[1]}>')
    if isinstance(value, dict):
        return {k: translate(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v, lookup) for v in value]
    return value


@dataclasses.dataclass
class Resource:
    """One resource of the source cloud.

    ``attrs`` are compared and created from; ``data`` is what else the
    driver keeps for itself (never compared); ``needs`` are extra
    dependencies not visible as references in ``attrs``.
    """

    type: str
    id: str
    name: str | None
    attrs: dict
    data: dict = dataclasses.field(default_factory=dict)
    needs: list[Key] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> Key:
        return self.type, self.id

    @property
    def depends_on(self) -> list[Key]:
        seen = []
        for key in references(self.attrs) + [tuple(k) for k in self.needs]:
            if key not in seen and key != self.key:
                seen.append(key)
        return seen

    def to_details(self) -> dict:
        return {'attrs': self.attrs, 'data': self.data,
                'needs': [list(k) for k in self.needs]}

    @classmethod
    def from_item(cls, item) -> 'Resource':
        details = item.details or {}
        return cls(type=item.resource_type, id=item.source_id,
                   name=item.source_name, attrs=details.get('attrs', {}),
                   data=details.get('data', {}),
                   needs=[tuple(k) for k in details.get('needs', [])])


def differences(expected: dict, actual: dict,
                ignore: tuple[str, ...] = ()) -> dict:
    """Attributes whose values differ: {name: {source, destination}}.

    Lists compare as sets of their JSON-ish items when both are lists of
    scalars, since APIs do not keep the order of tags and the like.
    """
    diffs = {}
    for name in sorted(set(expected) | set(actual)):
        if name in ignore:
            continue
        want, got = expected.get(name), actual.get(name)
        if _normal(want) != _normal(got):
            diffs[name] = {'source': want, 'destination': got}
    return diffs


def _normal(value: Any) -> Any:
    if isinstance(value, list) and all(
            isinstance(v, (str, int, float, bool)) or v is None
            for v in value):
        return sorted(value, key=repr)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value
