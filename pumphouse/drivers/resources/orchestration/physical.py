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

"""What each resource of a stack is to Pumphouse.

A stack's resources (Heat's export document, nested stacks walked
into) are *leaves*: a physical resource one of Pumphouse's drivers moves
(a server, a port), whose id the mapping translates; a resource holding
no cloud resource (a random string) or holding only Heat's own id (a
floating IP association), kept as it is; or a type no driver moves,
which stops the stack from being adopted (the pre-check says which).
"""

import dataclasses
import json
import re
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from pumphouse.drivers.resources.orchestration import adopt_data
from pumphouse.engine import resource as res

#: Heat resource types whose physical id is a resource of a Pumphouse
#: type (a volume attachment's id is its volume's).
MOVED = {
    'OS::Nova::Server': 'compute.server',
    'OS::Nova::ServerGroup': 'compute.server_group',
    'OS::Nova::Flavor': 'compute.flavor',
    'OS::Neutron::Net': 'network.network',
    'OS::Neutron::ProviderNet': 'network.network',
    'OS::Neutron::Subnet': 'network.subnet',
    'OS::Neutron::SubnetPool': 'network.subnet_pool',
    'OS::Neutron::Router': 'network.router',
    'OS::Neutron::Port': 'network.port',
    'OS::Neutron::SecurityGroup': 'network.security_group',
    'OS::Neutron::SecurityGroupRule': 'network.security_group_rule',
    'OS::Neutron::FloatingIP': 'network.floating_ip',
    'OS::Cinder::Volume': 'volume.volume',
    'OS::Cinder::VolumeAttachment': 'volume.volume',
    'OS::Cinder::VolumeType': 'volume.type',
    'OS::Glance::WebImage': 'image.image',
    'OS::Glance::Image': 'image.image',
    'OS::Keystone::Domain': 'identity.domain',
    'OS::Keystone::Project': 'identity.project',
    'OS::Keystone::User': 'identity.user',
    'OS::Keystone::Group': 'identity.group',
    'OS::Keystone::Role': 'identity.role',
}

#: Types whose physical id stays what it is: Heat's own ids (a floating
#: IP association is the floating IP's ``port_id``, moved with it), a
#: keypair's name (keypairs keep their names), or no cloud resource.
KEPT = frozenset({
    'OS::Neutron::FloatingIPAssociation', 'OS::Nova::KeyPair',
}) | adopt_data.NON_PHYSICAL_TYPES

ROUTER_INTERFACE = 'OS::Neutron::RouterInterface'
SERVER = 'OS::Nova::Server'
#: ``<router id>:subnet_id=<id>`` or ``<router id>:port_id=<id>``.
_INTERFACE = re.compile(r'^(?P<router>[^:]+):(?P<kind>subnet_id|port_id)='
                        r'(?P<other>.+)$')


@dataclasses.dataclass
class Leaf:
    """One resource of the stack that holds no nested stack."""

    path: str
    type: str
    #: What the destination's copy of the resource will have as its
    #: physical id: a reference, a list of text and references (a
    #: composite id), the id itself (kept) or None (not created).
    expected: Any
    #: Every resource of Pumphouse's the leaf needs, by key.
    needs: list[res.Key] = dataclasses.field(default_factory=list)
    #: Why the stack cannot be adopted with this resource in it.
    problem: str | None = None


def walk(document: Mapping[str, Any],
         path: tuple[str, ...] = ()) -> Iterator[tuple[str, dict]]:
    """``(path, entry)`` of every leaf of an export document.

    A nested stack's entry (a template resource's, a resource group's)
    has its resources and neither a type nor a physical id; that of an
    empty one (a resource group of count 0) has no resources either: it
    holds no leaf, as the listings of the adopted copy show none.
    """
    for name, entry in (document.get('resources') or {}).items():
        here = (*path, name)
        if entry.get('resources') is not None or not (
                entry.get('type') or entry.get('resource_id')):
            yield from walk(entry, here)
        else:
            yield '/'.join(here), entry


def leaves(document: Mapping[str, Any],
           interface_port: Callable[[str, str], str | None]) -> list[Leaf]:
    """The leaves of an export document, each with its references.

    ``interface_port(router_id, subnet_id)`` is the source port that
    joins a router to a subnet (a router interface is a port to
    Pumphouse, ``<router>:subnet_id=<subnet>`` to Heat).
    """
    return [_leaf(path, entry, interface_port)
            for path, entry in walk(document)]


def _leaf(path: str, entry: dict,
          interface_port: Callable[[str, str], str | None]) -> Leaf:
    heat_type = entry.get('type') or ''
    physical = entry.get('resource_id')
    if not physical:
        return Leaf(path, heat_type, None)
    if heat_type in KEPT:
        return Leaf(path, heat_type, physical)
    if heat_type == ROUTER_INTERFACE:
        return _router_interface(path, heat_type, physical, interface_port)
    moved = MOVED.get(heat_type)
    if moved is None:
        return Leaf(path, heat_type, physical,
                    problem=f'{path} is a {heat_type or "resource"}, which '
                            'no Pumphouse driver moves')
    needs = [(moved, physical)]
    if heat_type == SERVER:
        needs += [('network.port', p) for p in internal_ports(entry)]
    return Leaf(path, heat_type, res.ref(moved, physical), needs)


def _router_interface(path: str, heat_type: str, physical: str,
                      interface_port) -> Leaf:
    match = _INTERFACE.match(physical)
    if match is None:
        return Leaf(path, heat_type, physical,
                    problem=f'{path}: router interface id {physical!r} is '
                            'not <router>:subnet_id=<subnet>')
    router, kind, other = match.group('router', 'kind', 'other')
    if kind == 'port_id':
        port, other_type = other, 'network.router_interface'
    else:
        port, other_type = interface_port(router, other), 'network.subnet'
        if port is None:
            return Leaf(path, heat_type, physical,
                        problem=f'{path}: router {router} has no interface '
                                f'on subnet {other} in the source')
    expected = [res.ref('network.router', router), f':{kind}=',
                res.ref(other_type, other)]
    needs = [('network.router', router), (other_type, other),
             ('network.router_interface', port)]
    return Leaf(path, heat_type, expected, needs)


def internal_ports(entry: dict) -> list[str]:
    """The ports Nova made for a server booted on a network (Heat keeps
    them as JSON text in the server's ``internal_ports`` data)."""
    text = (entry.get('resource_data') or {}).get('internal_ports')
    if not text:
        return []
    try:
        ports = json.loads(text)
    except ValueError:
        return []
    return [p['id'] for p in ports if isinstance(p, dict) and p.get('id')]


def joined(expected: Any) -> Any:
    """A translated composite id as text (other values as they are)."""
    if isinstance(expected, list):
        return ''.join(str(part) for part in expected)
    return expected


def with_refs(value: Any, known: Mapping[str, res.Key]) -> Any:
    """``value`` with each text equal to a known source id replaced by
    a reference to it (outputs and parameters that name a resource of
    the stack name its copy in the destination)."""
    if isinstance(value, str):
        key = known.get(value)
        return res.ref(*key) if key else value
    if isinstance(value, list):
        return [with_refs(item, known) for item in value]
    if isinstance(value, dict):
        return {k: with_refs(v, known) for k, v in value.items()}
    return value
