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

"""Heat's adopt data for a stack whose resources were migrated.

Heat abandons a stack as a document (``DELETE .../abandon``, or
``GET .../export`` where the source allows it)::

    {"name": ..., "id": ..., "action": "CREATE", "status": "COMPLETE",
     "template": {...}, "environment": {...}, "files": {...},
     "resources": {"<name>": {"type": ..., "resource_id": <physical id>,
                               "action": ..., "status": ...,
                               "metadata": {...}, "resource_data": {...}},
                   "<group>": {"resources": {...}}}}   # a nested stack

(measured on the harness's 2024.1 Heat: a nested stack's entry has no
type and no resource id, only its ``resources``; a router interface's
id is ``<router id>:subnet_id=<subnet id>``; a volume attachment's is
the volume's id; a random string's is a name, its value in
``resource_data``; abandoning returns at once and the stack disappears
a moment later).

Adopting, measured on the same Heat with that document as it was: the
stack must be adopted by a user who can see what its template names (as
admin, Heat refused alice's keypair: "The Key (alice-key) could not be
found"); as its owner, ``ADOPT_COMPLETE`` in about 4 s with its nested
stacks, each of the 13 physical resources under its abandoned id, the
random string's output unchanged. openstacksdk's ``get_stack`` and
``find_stack`` treat ``ADOPT_COMPLETE`` as not found (``Stack.fetch``):
read an adopted stack with a plain GET.

and adopts one from the same document (``adopt_stack_data``), each
resource taking over the physical resource ``resource_id`` names. For a
migrated stack every physical id is the source cloud's and must become
the destination's: :func:`translate` replaces them through the
migration's mapping, in the resources of nested stacks too, in the
resources' data (a server's internal ports, for one) and in the
parameters. What it cannot translate it reports, so that a pre-check can
name the resource and the plan can stop before a stack is adopted
holding a source id.
"""

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any

#: Resource types that hold no physical resource of a cloud: their data
#: (a random string's value, a software config) moves as it is, so that
#: the stack's outputs stay equal.
NON_PHYSICAL_TYPES = frozenset({
    'OS::Heat::RandomString', 'OS::Heat::Value', 'OS::Heat::None',
    'OS::Heat::SoftwareConfig', 'OS::Heat::StructuredConfig',
    'OS::Heat::MultipartMime', 'OS::Heat::CloudConfig',
    'OS::Heat::WaitConditionHandle', 'OS::Heat::WaitCondition',
    'OS::Heat::TestResource',
})


#: An OpenStack id inside a composite resource id: Heat names a router
#: interface ``<router id>:subnet_id=<subnet id>``.
_ID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                 r'[0-9a-f]{12}|[0-9a-f]{32}')


@dataclasses.dataclass(frozen=True)
class Untranslated:
    """A physical resource of the stack the mapping has no copy of."""

    #: Resource names from the top stack down (nested stacks' names).
    path: tuple[str, ...]
    type: str
    resource_id: str

    def __str__(self) -> str:
        return f'{"/".join(self.path)} ({self.type}, {self.resource_id})'


@dataclasses.dataclass
class Translated:
    """Adopt data for the destination and what could not be translated."""

    data: dict
    untranslated: list[Untranslated]


def translate(abandoned: Mapping[str, Any],
              mapping: Mapping[str, str]) -> Translated:
    """``abandoned`` (Heat's abandon or export document) with every
    source id that ``mapping`` (source id -> destination id) knows
    replaced by the destination's. The input is not changed."""
    untranslated: list[Untranslated] = []
    data = {key: value for key, value in abandoned.items()
            if key not in ('resources', 'environment')}
    data['environment'] = _environment(abandoned.get('environment') or {},
                                       mapping)
    data['resources'] = _resources(abandoned.get('resources') or {},
                                   mapping, (), untranslated)
    return Translated(data, untranslated)


def _environment(environment: Mapping[str, Any],
                 mapping: Mapping[str, str]) -> dict:
    """Parameters that name a migrated resource by its id name the
    copy; the rest of the environment is kept."""
    result = dict(environment)
    for key in ('parameters', 'parameter_defaults'):
        if key in environment:
            result[key] = _deep(environment[key], mapping)
    return result


def _resources(resources: Mapping[str, Any], mapping: Mapping[str, str],
               path: tuple[str, ...],
               untranslated: list[Untranslated]) -> dict:
    result = {}
    for name, resource in resources.items():
        here = (*path, name)
        copy = dict(resource)
        nested = resource.get('resources')
        physical = resource.get('resource_id')
        if nested is not None:
            # A nested stack: its resource id is the nested stack's,
            # which adopting the parent makes anew.
            copy['resources'] = _resources(nested, mapping, here,
                                           untranslated)
        elif physical and resource.get('type') not in NON_PHYSICAL_TYPES:
            translated = _physical_id(physical, mapping)
            if translated is None:
                untranslated.append(Untranslated(
                    here, resource.get('type') or '', physical))
            else:
                copy['resource_id'] = translated
        if 'resource_data' in resource:
            copy['resource_data'] = _deep(resource['resource_data'],
                                          mapping)
        result[name] = copy
    return result


def _physical_id(physical: str, mapping: Mapping[str, str]) -> str | None:
    """The destination's id for ``physical``: mapped as a whole, or every
    id inside a composite one mapped (None when one is not)."""
    if physical in mapping:
        return mapping[physical]
    ids = _ID.findall(physical)
    if not ids or any(i not in mapping for i in ids):
        return None
    return _ID.sub(lambda match: mapping[match.group(0)], physical)


def _deep(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every string equal to a mapped id replaced, inside
    lists, dicts and JSON text (Heat keeps some resource data, such as
    a server's internal ports, as JSON strings)."""
    if isinstance(value, str):
        if value in mapping:
            return mapping[value]
        if value[:1] in '[{':
            try:
                parsed = json.loads(value)
            except ValueError:
                return value
            translated = _deep(parsed, mapping)
            return value if translated == parsed else json.dumps(translated)
        return value
    if isinstance(value, list):
        return [_deep(item, mapping) for item in value]
    if isinstance(value, dict):
        return {key: _deep(item, mapping) for key, item in value.items()}
    return value
