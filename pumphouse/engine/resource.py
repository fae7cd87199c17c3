# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Resources as the engine sees them: typed nodes with references.

A resource's ``attrs`` are what is compared between source and destination
and what a driver creates from. References to other resources are written
as ``ref(type, source_id)`` and translated to destination ids through the
mapping before they are compared or used.

A reference is *required* (``ref``: its target is taken into the workload)
or *optional* (``optional_ref``: it only orders the two resources when
both migrate). The planner drops an optional reference whose target
neither migrates with the workload nor was migrated before (see
:func:`pumphouse.engine.planner.settle`), and says so.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

Key = tuple[str, str]

_REF = '$ref'
_OPTIONAL = '$optional'


def ref(resource_type: str, source_id: str | None) -> dict | None:
    """A reference to another resource, by its type and source id."""
    if source_id is None:
        return None
    return {_REF: [resource_type, source_id]}


def optional_ref(resource_type: str, source_id: str | None,
                 label: str | None = None) -> dict | None:
    """A reference that does not take its target into the workload (a
    flavor's access naming a project the workload leaves behind).

    ``label`` names the target in the warning shown when the reference is
    dropped (its source name; the source id when there is none).
    """
    if source_id is None:
        return None
    return {_REF: [resource_type, source_id],
            _OPTIONAL: label or source_id}


def is_ref(value: Any) -> bool:
    return (isinstance(value, dict) and _REF in value
            and set(value) <= {_REF, _OPTIONAL})


def is_optional(value: Any) -> bool:
    """Whether ``value`` is an :func:`optional_ref`."""
    return is_ref(value) and _OPTIONAL in value


def ref_key(value: dict) -> Key:
    resource_type, source_id = value[_REF]
    return resource_type, source_id


def references(value: Any, optional: bool = True) -> list[Key]:
    """Every reference inside ``value``, depth first; without the
    optional ones unless ``optional``."""
    if is_ref(value):
        return [ref_key(value)] if optional or not is_optional(value) \
            else []
    if isinstance(value, dict):
        return [k for v in value.values()
                for k in references(v, optional)]
    if isinstance(value, (list, tuple)):
        return [k for v in value for k in references(v, optional)]
    return []


def optional_references(attrs: dict) -> list[tuple[str, Key, str]]:
    """``(attribute, key, label)`` of every optional reference in
    ``attrs``, attribute by attribute."""
    found = []
    for name, value in attrs.items():
        for item in _optional_in(value):
            found.append((name, ref_key(item), item[_OPTIONAL]))
    return found


def _optional_in(value: Any) -> list[dict]:
    if is_ref(value):
        return [value] if is_optional(value) else []
    if isinstance(value, dict):
        return [r for v in value.values() for r in _optional_in(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _optional_in(v)]
    return []


def without_optional(value: Any, keys: set[Key]) -> Any:
    """``value`` without the optional references to ``keys``: left out
    of lists, None where a single value."""
    if is_ref(value):
        return None if is_optional(value) and ref_key(value) in keys \
            else value
    if isinstance(value, dict):
        return {k: without_optional(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [without_optional(v, keys) for v in value
                if not (is_optional(v) and ref_key(v) in keys)]
    return value


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
        """What must be migrated before this resource, optional references
        included (their targets that migrate too)."""
        return self._keys(optional=True)

    @property
    def requires(self) -> list[Key]:
        """What the workload must take in with this resource: its
        references but the optional ones, and its ``needs``."""
        return self._keys(optional=False)

    def _keys(self, optional: bool) -> list[Key]:
        seen = []
        for key in references(self.attrs, optional) + [
                tuple(k) for k in self.needs]:
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
