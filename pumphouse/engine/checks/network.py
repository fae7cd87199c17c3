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

"""Network pre-checks: fixed IPs the plan asks for that the destination
already uses, floating IP pools too small, and new subnets whose CIDR
overlaps a destination subnet they would be routed or shared with.

What the destination has is asked of the network drivers
(:mod:`.facts`): ``network.network``, ``network.subnet`` and
``network.port``.
"""

import ipaddress

from pumphouse.engine import resource as res
from pumphouse.engine.checks import facts
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import WARNING
from pumphouse.engine.checks.result import Result


def _existing(ctx, value) -> str | None:
    """The destination id of a reference, if the destination has it."""
    if not res.is_ref(value):
        return None
    found = ctx.lookup(res.ref_key(value))
    if found is None or isinstance(found, res.Unresolved):
        return None
    return found


def wanted_addresses(plan) -> list[tuple[str, dict, str]]:
    """``(what, subnet reference, address)`` of every fixed IP the plan's
    new ports and router interfaces ask for."""
    wanted = []
    for resource in plan.created('network.port'):
        for fixed_ip in plan.attrs(resource).get('fixed_ips') or ():
            if fixed_ip.get('ip_address'):
                wanted.append((f'port {plan.name(resource.key)}',
                               fixed_ip.get('subnet'),
                               fixed_ip['ip_address']))
    for resource in plan.created('network.router_interface'):
        attrs = plan.attrs(resource)
        if attrs.get('ip_address'):
            wanted.append((f'router interface {plan.name(resource.key)}',
                           attrs.get('subnet'), attrs['ip_address']))
    return wanted


class _Destination:
    """The network drivers' answers, each asked once per check (only
    when a check needs them)."""

    def __init__(self, ctx, drivers: dict) -> None:
        self._ctx = ctx
        self._drivers = drivers
        self._used: dict[str, dict[str, str]] = {}
        self._subnet: dict[str, facts.Subnet] = {}

    def used_addresses(self, network_id: str) -> dict[str, str]:
        """Fixed IPs in use on a destination network: ``{address:
        port}``."""
        if network_id not in self._used:
            ports: facts.AddressFacts = self._drivers['network.port']
            self._used[network_id] = ports.destination_addresses(
                self._ctx, network_id)
        return self._used[network_id]

    def subnet(self, subnet_id: str) -> facts.Subnet:
        if subnet_id not in self._subnet:
            self._subnet[subnet_id] = self._subnet_facts.destination_subnet(
                self._ctx, subnet_id)
        return self._subnet[subnet_id]

    def subnets(self, network_id: str | None = None) -> list[facts.Subnet]:
        return self._subnet_facts.destination_subnets(self._ctx, network_id)

    def network(self, network_id: str) -> facts.Network:
        return self._network_facts.destination_network(self._ctx,
                                                       network_id)

    def networks(self) -> list[facts.Network]:
        return self._network_facts.destination_networks(self._ctx)

    @property
    def _subnet_facts(self) -> facts.SubnetFacts:
        return self._drivers['network.subnet']

    @property
    def _network_facts(self) -> facts.NetworkFacts:
        return self._drivers['network.network']


def check_addresses(ctx, plan, drivers: dict) -> list[Result]:
    """Fixed IPs taken in existing subnets; floating IP pools."""
    results = []
    destination = _Destination(ctx, drivers)
    for what, subnet_ref, address in wanted_addresses(plan):
        subnet_id = _existing(ctx, subnet_ref)
        if subnet_id is None:
            continue  # a new subnet: its addresses are all free
        subnet = destination.subnet(subnet_id)
        used = destination.used_addresses(subnet.network_id)
        taken_by = used.get(address)
        if taken_by is not None:
            results.append(Result(
                'addresses', f'{subnet.name or subnet.id}:{address}', FAILED,
                f'{what} needs {address} in subnet '
                f'{subnet.name or subnet.id}; port {taken_by} has it in '
                'the destination'))
    results.extend(_floating_pools(ctx, plan, destination))
    return results


def pool_size(subnet) -> int:
    """How many addresses the allocation pools of a subnet hold."""
    return sum(int(ipaddress.ip_address(p['end'])) -
               int(ipaddress.ip_address(p['start'])) + 1
               for p in subnet.allocation_pools or ())


def in_pools(subnet, address: str) -> bool:
    value = ipaddress.ip_address(address)
    return any(ipaddress.ip_address(p['start']) <= value <=
               ipaddress.ip_address(p['end'])
               for p in subnet.allocation_pools or ())


def _takes_from_pools(attrs: dict, subnets: list, used: dict) -> bool:
    """Whether a floating IP will take an address from the allocation
    pools: one without an address, one whose address is taken (it gets
    a new one) or one whose address lies in a pool. An address outside
    every pool (an admin may place one anywhere in the CIDR) does not."""
    address = attrs.get('floating_ip_address')
    if not address or address in used:
        return True
    return any(in_pools(s, address) for s in subnets)


def _floating_pools(ctx, plan, destination: _Destination) -> list[Result]:
    by_network: dict[str, list] = {}
    for resource in plan.created('network.floating_ip'):
        attrs = plan.attrs(resource)
        network_id = _existing(ctx, attrs.get('floating_network'))
        if network_id is not None:
            by_network.setdefault(network_id, []).append(attrs)
    results = []
    for network_id, wanted in sorted(by_network.items()):
        network = destination.network(network_id)
        subnets = [s for s in destination.subnets(network_id)
                   if s.ip_version == 4]
        used = destination.used_addresses(network_id)
        free = sum(pool_size(s) for s in subnets) - sum(
            1 for address in used for s in subnets if in_pools(s, address))
        needed = sum(1 for attrs in wanted
                     if _takes_from_pools(attrs, subnets, used))
        status = PASSED if needed <= free else FAILED
        results.append(Result(
            'addresses', f'{network.name}:floating', status,
            f'needs {needed} floating IPs from the pools of '
            f'{network.name}, the destination has {free} free',
            needed, free))
        for attrs in wanted:
            address = attrs.get('floating_ip_address')
            if address in used:
                results.append(Result(
                    'addresses', f'{network.name}:{address}', WARNING,
                    f'floating IP {address} is taken in the destination; '
                    'a new address will be allocated and reported'))
    return results


def check_cidrs(ctx, plan, drivers: dict) -> list[Result]:
    """New subnets overlapping a destination subnet they can reach."""
    created = plan.created('network.subnet')
    if not created:
        return []
    destination = _Destination(ctx, drivers)
    networks = {n.id: n for n in destination.networks()}
    existing = destination.subnets()
    results = []
    for resource in created:
        attrs = plan.attrs(resource)
        try:
            cidr = ipaddress.ip_network(attrs['cidr'])
        except (KeyError, TypeError, ValueError):
            continue
        project_id = _existing(ctx, attrs.get('project'))
        network_id = _existing(ctx, attrs.get('network'))
        clashes = []
        for subnet in existing:
            network = networks.get(subnet.network_id)
            reachable = (subnet.network_id == network_id or
                         (project_id is not None and
                          subnet.project_id == project_id) or
                         (network is not None and
                          (network.is_shared or network.is_router_external)))
            other = ipaddress.ip_network(subnet.cidr)
            if reachable and other.version == cidr.version and \
                    other.overlaps(cidr):
                clashes.append(f'{subnet.cidr} of subnet '
                               f'{subnet.name or subnet.id}')
        name = plan.name(resource.key)
        if clashes:
            results.append(Result(
                'cidr_overlap', name, FAILED,
                f'subnet {name} ({cidr}) overlaps ' + ', '.join(clashes) +
                ' in the destination'))
    return results
