"""Network pre-checks: fixed IPs the plan asks for that the destination
already uses, floating IP pools too small, and new subnets whose CIDR
overlaps a destination subnet they would be routed or shared with."""

import ipaddress

from pumphouse.engine import resource as res
from pumphouse.engine.checks import FAILED
from pumphouse.engine.checks import PASSED
from pumphouse.engine.checks import WARNING
from pumphouse.engine.checks import Result


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


def _used_addresses(ctx, cache: dict, network_id: str) -> dict[str, str]:
    """Fixed IPs in use on a destination network: ``{address: port}``."""
    if network_id not in cache:
        cache[network_id] = {
            ip['ip_address']: port.id
            for port in ctx.destination.network.ports(network_id=network_id)
            for ip in port.fixed_ips or ()}
    return cache[network_id]


def check_addresses(ctx, plan, drivers) -> list[Result]:
    results = []
    used_by_network: dict = {}
    subnets: dict = {}
    for what, subnet_ref, address in wanted_addresses(plan):
        subnet_id = _existing(ctx, subnet_ref)
        if subnet_id is None:
            continue  # a new subnet: its addresses are all free
        if subnet_id not in subnets:
            subnets[subnet_id] = ctx.destination.network.get_subnet(
                subnet_id)
        subnet = subnets[subnet_id]
        used = _used_addresses(ctx, used_by_network, subnet.network_id)
        taken_by = used.get(address)
        if taken_by is not None:
            results.append(Result(
                'addresses', f'{subnet.name or subnet.id}:{address}', FAILED,
                f'{what} needs {address} in subnet '
                f'{subnet.name or subnet.id}; port {taken_by} has it in '
                'the destination'))
    results.extend(_floating_pools(ctx, plan, used_by_network))
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


def _floating_pools(ctx, plan, used_by_network) -> list[Result]:
    by_network: dict[str, list] = {}
    for resource in plan.created('network.floating_ip'):
        attrs = plan.attrs(resource)
        network_id = _existing(ctx, attrs.get('floating_network'))
        if network_id is not None:
            by_network.setdefault(network_id, []).append(attrs)
    results = []
    for network_id, wanted in sorted(by_network.items()):
        network = ctx.destination.network.get_network(network_id)
        subnets = [s for s in ctx.destination.network.subnets(
            network_id=network_id) if s.ip_version == 4]
        used = _used_addresses(ctx, used_by_network, network_id)
        free = sum(pool_size(s) for s in subnets) - sum(
            1 for address in used for s in subnets if in_pools(s, address))
        status = PASSED if len(wanted) <= free else FAILED
        results.append(Result(
            'addresses', f'{network.name}:floating', status,
            f'needs {len(wanted)} floating IPs on {network.name}, '
            f'the destination has {free} free', len(wanted), free))
        for attrs in wanted:
            address = attrs.get('floating_ip_address')
            if address in used:
                results.append(Result(
                    'addresses', f'{network.name}:{address}', WARNING,
                    f'floating IP {address} is taken in the destination; '
                    'a new address will be allocated and reported'))
    return results


def check_cidrs(ctx, plan, drivers) -> list[Result]:
    created = plan.created('network.subnet')
    if not created:
        return []
    conn = ctx.destination.network
    networks = {n.id: n for n in conn.networks()}
    existing = list(conn.subnets())
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
