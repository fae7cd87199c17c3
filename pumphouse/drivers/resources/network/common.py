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

"""Shared pieces of the Neutron drivers.

Every source collection (networks, subnets, subnet pools, routers, ports,
floating IPs) is listed once per migration run and shared by all network
drivers; routes come from the router list and router interfaces from the
port list. The strategies are answered from those lists:

* ``all``: every resource of the type;
* ``tenant``: those owned by the workload's projects;
* ``specific``: the ids the operator listed;
* ``used``: what the workload's servers use (see :func:`used_ports`);
* ``depend``: only what other resources refer to (:meth:`fetch`).
"""

import abc
import contextlib
import ipaddress
from collections.abc import Callable
from collections.abc import Iterable

from pumphouse.drivers.resources.common import by_ids  # noqa: F401
from pumphouse.drivers.resources.common import get_or_none  # noqa: F401
from pumphouse.drivers.resources.common import neutron_text  # noqa: F401
from pumphouse.drivers.resources.common import one_or_none  # noqa: F401
from pumphouse.drivers.resources.common import source_list
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

#: Network types whose segment the destination allocates by itself.
TUNNEL_TYPES = frozenset({'vxlan', 'gre', 'geneve'})
#: Network types whose provider attributes are copied.
PHYSICAL_TYPES = frozenset({'flat', 'vlan'})
#: Owners of the ports Neutron makes for a router's internal interfaces.
ROUTER_INTERFACE_OWNERS = frozenset({
    'network:router_interface', 'network:router_interface_distributed'})
#: Owner prefixes of the ports of servers.
SERVER_OWNERS = ('compute:', 'baremetal:')
#: IPv6 address modes in which a port's address is derived from its MAC.
AUTO_ADDRESS_MODES = frozenset({'slaac', 'dhcpv6-stateless'})

STRATEGIES = ('tenant', 'depend', 'all', 'specific', 'used')
WORKLOAD_STRATEGIES = {'project': 'tenant', 'domain': 'tenant'}


# Source collections, listed once per run.

def networks(ctx) -> dict:
    return source_list(ctx, 'neutron:networks', ctx.source.network.networks)


def subnets(ctx) -> dict:
    return source_list(ctx, 'neutron:subnets', ctx.source.network.subnets)


def subnet_pools(ctx) -> dict:
    return source_list(ctx, 'neutron:subnet_pools',
                       ctx.source.network.subnet_pools)


def routers(ctx) -> dict:
    return source_list(ctx, 'neutron:routers', ctx.source.network.routers)


def ports(ctx) -> dict:
    return source_list(ctx, 'neutron:ports', ctx.source.network.ports)


def floating_ips(ctx) -> dict:
    return source_list(ctx, 'neutron:floating_ips', ctx.source.network.ips)


# Pure helpers.

def is_user_port(device_owner: str | None) -> bool:
    """Whether a port with this owner is copied as a ``network.port``.

    Ports of nobody and of servers (``compute:*``, bare metal) are; ports
    Neutron or a service makes for itself (``network:*`` router, DHCP and
    floating IP ports, load balancers, trunk sub-ports) are not: router
    interfaces are their own type and the rest the destination makes.
    """
    owner = device_owner or ''
    return owner == '' or owner.startswith(SERVER_OWNERS)


def is_router_interface(port) -> bool:
    return port.device_owner in ROUTER_INTERFACE_OWNERS


def sorted_fixed_ips(fixed_ips: Iterable[dict], subnet_ref) -> list[dict]:
    """``[{'subnet', 'ip_address'}]`` in address order.

    ``subnet_ref`` turns a subnet id into what the attribute holds (a
    reference for the source, the id itself for the destination).
    """
    return sorted(({'subnet': subnet_ref(ip['subnet_id']),
                    'ip_address': ip['ip_address']}
                   for ip in fixed_ips or ()),
                  key=lambda ip: address_key(ip['ip_address']))


def address_key(address: str | None) -> tuple:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return (9, 0, str(address))
    return (parsed.version, int(parsed), '')


def in_cidr(address: str | None, cidr: str | None) -> bool:
    """Whether ``address`` lies in ``cidr`` (False for anything invalid)."""
    if not address or not cidr:
        return False
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(
            cidr, strict=False)
    except ValueError:
        return False


def subnet_of(address: str | None, candidates: Iterable) -> str | None:
    """The id of the subnet (of ``candidates``) ``address`` lies in."""
    for subnet in candidates:
        if in_cidr(address, subnet.cidr):
            return subnet.id
    return None


def address_free(proxy, network_id: str, address: str) -> bool:
    """Whether a destination network can hand out ``address``.

    It must lie in one of the network's subnets and no port (a router
    gateway, a floating IP, anybody's) may hold it.
    """
    if not any(in_cidr(address, s.cidr)
               for s in proxy.subnets(network_id=network_id)):
        return False
    return not any(proxy.ports(network_id=network_id,
                               fixed_ips=[f'ip_address={address}']))


def tags(obj) -> list[str]:
    return sorted(getattr(obj, 'tags', None) or [])


def has_unresolved(*values) -> bool:
    """Whether a translated value names a resource not created yet."""
    return any(isinstance(k, res.Unresolved) for v in values
               for k in _leaves(v))


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def set_tags(proxy, obj, wanted: list[str],
             undo: Callable[[], object]) -> None:
    """Tag a new destination resource (most Neutron POSTs refuse tags).

    Should tagging fail, ``undo()`` deletes the resource: :meth:`create`
    has not returned its id, so the engine could not.
    """
    if not wanted:
        return
    try:
        proxy.set_tags(obj, list(wanted))
    except Exception:
        with contextlib.suppress(Exception):
            undo()
        raise


# What the workload's servers use.

def _server_ids_in_graph(graph) -> set[str]:
    return {r.id for r in graph.of_type('compute.server')}


def used_ports(ctx, selection, graph) -> list:
    """User ports of the workload's servers.

    Ports owned by ``compute:*`` in the workload's projects, and the ports
    of servers the graph already holds (a ``resources`` workload).
    """
    servers = _server_ids_in_graph(graph)
    return [p for p in ports(ctx).values()
            if (p.device_owner or '').startswith(SERVER_OWNERS)
            and (p.project_id in selection.scope_projects
                 or p.device_id in servers)]


def used_network_ids(ctx, selection, graph) -> set[str]:
    return {p.network_id for p in used_ports(ctx, selection, graph)}


def used_subnet_ids(ctx, selection, graph) -> set[str]:
    """Every subnet of the networks the workload's servers use."""
    used = used_network_ids(ctx, selection, graph)
    return {s.id for s in subnets(ctx).values() if s.network_id in used}


def used_router_ids(ctx, selection, graph) -> set[str]:
    """Routers with an interface on a network the workload uses."""
    used = used_network_ids(ctx, selection, graph)
    return {p.device_id for p in ports(ctx).values()
            if is_router_interface(p) and p.network_id in used}


def connecting_interfaces(ctx, subnet_id: str,
                          floating_network_id: str) -> list[str]:
    """Router interface ports joining a subnet to the external network.

    Neutron associates a floating IP with a port only when a router with
    a gateway on the floating IP's network has an interface on the
    port's subnet.
    """
    gateways = {r.id for r in routers(ctx).values()
                if (r.external_gateway_info or {}).get('network_id')
                == floating_network_id}
    return sorted(p.id for p in ports(ctx).values()
                  if is_router_interface(p) and p.device_id in gateways
                  and any(ip['subnet_id'] == subnet_id
                          for ip in p.fixed_ips or ()))


class NetworkDriver(base.ResourceDriver):
    """A Neutron type whose source objects come from one cached list."""

    strategies = STRATEGIES
    workload_strategies = WORKLOAD_STRATEGIES
    #: The openstacksdk resource class, for tagging an existing resource
    #: by id; None for types without tags.
    sdk_resource: type | None = None

    def complete(self, ctx, resource, attrs, existing, differences):
        """Tag a resource an interrupted :meth:`create` left untagged."""
        if set(differences) != {'tags'} or self.sdk_resource is None:
            return None
        ctx.destination.network.set_tags(
            self.sdk_resource(id=existing['id']), list(attrs['tags']))
        return existing['id']

    @abc.abstractmethod
    def all_source(self, ctx) -> dict:
        """Every source object of the type, by id (cached)."""

    @abc.abstractmethod
    def describe_source(self, ctx, obj) -> res.Resource:
        """The engine's Resource for one source object."""

    def copied(self, ctx, obj) -> bool:
        """Whether the source object is this type's at all."""
        return True

    def tenant_ids(self, ctx, selection, graph) -> set[str]:
        return {i for i, o in self.all_source(ctx).items()
                if o.project_id in selection.scope_projects}

    def used_ids(self, ctx, selection, graph) -> set[str]:
        return set()

    def related_ids(self, ctx, selection, graph) -> set[str]:
        """Ids taken in whatever the strategy (parts of what is there)."""
        return set()

    def chosen_ids(self, ctx, selection, graph) -> set[str]:
        strategy = selection.strategy(self)
        if strategy == 'all':
            chosen = set(self.all_source(ctx))
        elif strategy == 'tenant':
            chosen = self.tenant_ids(ctx, selection, graph)
        elif strategy == 'specific':
            chosen = selection.specific_ids(self.resource_type)
        elif strategy == 'used':
            chosen = self.used_ids(ctx, selection, graph)
        else:
            chosen = set()
        return chosen | self.related_ids(ctx, selection, graph)

    def expand(self, ctx, selection, graph):
        chosen = self.chosen_ids(ctx, selection, graph)
        if not chosen:
            return []
        everything = self.all_source(ctx)
        return [self.describe_source(ctx, everything[i])
                for i in sorted(chosen)
                if i in everything and (self.resource_type, i) not in graph
                and self.copied(ctx, everything[i])]

    def fetch(self, ctx, ids):
        everything = self.all_source(ctx)
        return [self.describe_source(ctx, everything[i]) for i in sorted(ids)
                if i in everything]

