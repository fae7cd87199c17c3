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

"""network.router, network.router_interface and network.router_route.

A router is created with its external gateway (on the same addresses
where the destination has them free); each internal interface is a
``network.router_interface`` (one per interface port, with the same MAC
on the same addresses) and each static route a ``network.router_route``,
which needs the interface that makes its next hop reachable.
"""

import dataclasses

from openstack import exceptions as sdk_exc
from openstack.network.v2 import router as sdk_router

from pumphouse.drivers.resources.network import common
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

#: Router flags copied only where the source sets them.
FLAGS = {'distributed': 'is_distributed', 'ha': 'is_ha'}
#: The extension a destination needs to take each flag.
FLAG_EXTENSIONS = {'distributed': 'dvr', 'ha': 'l3-ha'}


def gateway_fields(info: dict | None, network_ref, subnet_ref) -> dict | None:
    """A router's ``external_gateway_info`` in the compared form."""
    if not info or not info.get('network_id'):
        return None
    return {'network': network_ref(info['network_id']),
            'enable_snat': info.get('enable_snat'),
            'external_fixed_ips': common.sorted_fixed_ips(
                info.get('external_fixed_ips'), subnet_ref)}


def router_fields(router, network_ref, subnet_ref) -> dict:
    fields = {
        'name': router.name,
        'description': common.neutron_text(router.description),
        'admin_state_up': bool(router.is_admin_state_up),
        'availability_zone_hints': sorted(
            router.availability_zone_hints or []),
        'external_gateway': gateway_fields(router.external_gateway_info,
                                           network_ref, subnet_ref),
        'tags': common.tags(router),
    }
    for flag, attribute in FLAGS.items():
        if getattr(router, attribute, None):
            fields[flag] = True
    return fields


def _same(value):
    return value


class RouterDriver(common.NetworkDriver):
    """Routers: gateway (with its fixed IPs, admin), flags, AZ hints."""

    sdk_resource = sdk_router.Router
    quota = ('network', 'router')
    api_needs = base.on_both('network', 'routers', extension='router')

    def all_source(self, ctx) -> dict:
        return common.routers(ctx)

    def describe_source(self, ctx, router) -> res.Resource:
        attrs = dict(
            router_fields(router,
                          lambda i: res.ref('network.network', i),
                          lambda i: res.ref('network.subnet', i)),
            project=res.ref('identity.project', router.project_id))
        return res.Resource(self.resource_type, router.id, router.name,
                            attrs)

    def used_ids(self, ctx, selection, graph) -> set[str]:
        return common.used_router_ids(ctx, selection, graph)

    def compare(self, expected: dict, actual: dict) -> dict:
        # Flags the source did not set are the destination's business
        # (e.g. a destination that makes every router HA).
        actual = {k: v for k, v in actual.items()
                  if k not in FLAGS or k in expected}
        return super().compare(expected, actual)

    @staticmethod
    def _describe(router) -> dict:
        return dict(router_fields(router, _same, _same), id=router.id,
                    project=router.project_id)

    def get_destination(self, ctx, destination_id):
        router = common.get_or_none(ctx.destination.network.get_router,
                                    destination_id)
        return self._describe(router) if router else None

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['project']):
            return None
        router = common.one_or_none(ctx.destination.network.routers(
            name=attrs['name'], project_id=attrs['project']))
        return self._describe(router) if router else None

    def _gateway(self, ctx, resource, gateway: dict | None) -> dict | None:
        if gateway is None:
            return None
        network = gateway['network']
        info = {'network_id': network}
        if gateway['enable_snat'] is not None:
            info['enable_snat'] = gateway['enable_snat']
        fixed = []
        for ip in gateway['external_fixed_ips']:
            if common.address_free(ctx.destination.network, network,
                                   ip['ip_address']):
                fixed.append({'subnet_id': ip['subnet'],
                              'ip_address': ip['ip_address']})
                continue
            fixed.append({'subnet_id': ip['subnet']})
            ctx.event('address_changed',
                      f'{self.resource_type} {resource.name or resource.id}:'
                      f' gateway address {ip["ip_address"]} is not free in '
                      'the destination; Neutron chooses another',
                      level='WARNING')
        if fixed:
            info['external_fixed_ips'] = fixed
        return info

    def _flag_allowed(self, ctx, resource, flag: str) -> bool:
        alias = FLAG_EXTENSIONS[flag]
        found = ctx.cached(
            f'destination:extension:{alias}',
            lambda: ctx.destination.network.find_extension(
                alias, ignore_missing=True) is not None)
        if not found:
            ctx.event('not_copied',
                      f'{self.resource_type} {resource.name or resource.id}:'
                      f' the destination has no {alias} extension; the '
                      f'router is made without {flag}', level='WARNING')
        return found

    def create(self, ctx, resource, attrs) -> str:
        optional = {'availability_zone_hints':
                    attrs['availability_zone_hints'] or None,
                    'external_gateway_info': self._gateway(
                        ctx, resource, attrs['external_gateway'])}
        for flag, attribute in FLAGS.items():
            if attrs.get(flag) and self._flag_allowed(ctx, resource, flag):
                optional[attribute] = True
        router = ctx.destination.network.create_router(
            name=attrs['name'], description=attrs['description'],
            project_id=attrs['project'],
            is_admin_state_up=attrs['admin_state_up'],
            **{k: v for k, v in optional.items() if v is not None})
        common.set_tags(ctx.destination.network, router, attrs['tags'],
                        lambda: self.delete(ctx, router.id))
        return router.id

    def delete(self, ctx, destination_id) -> None:
        network = ctx.destination.network
        router = common.get_or_none(network.get_router, destination_id)
        if router is None:
            return
        # Neutron refuses to remove an interface a route needs, and to
        # delete a router that still has interfaces.
        if router.routes:
            network.update_router(router, routes=[])
        for port in network.ports(device_id=router.id):
            if common.is_router_interface(port):
                _remove_interface(network, router.id, port.id)
        network.delete_router(router, ignore_missing=True)


def _remove_interface(network, router_id: str, port_id: str) -> None:
    try:
        network.remove_interface_from_router(router_id, port_id=port_id)
    except sdk_exc.NotFoundException:
        pass


def interface_fields(port, subnet_ref) -> dict:
    """An interface port's MAC and where it sits: its first address and
    the others."""
    fixed = common.sorted_fixed_ips(port.fixed_ips, subnet_ref)
    first = fixed[0] if fixed else {'subnet': None, 'ip_address': None}
    return {'subnet': first['subnet'], 'ip_address': first['ip_address'],
            'other_fixed_ips': fixed[1:], 'mac_address': port.mac_address}


class RouterInterfaceDriver(common.NetworkDriver):
    """A router's internal interface: one per interface port.

    Created as a port with the same MAC on the same addresses, then
    attached to the router (so IPv6 auto-address subnets, other projects'
    subnets and addresses other than the gateway all come out as in the
    source).
    """

    quota = ('network', 'port')
    renamable = False

    def all_source(self, ctx) -> dict:
        routers = common.routers(ctx)
        return {i: p for i, p in common.ports(ctx).items()
                if common.is_router_interface(p) and p.device_id in routers}

    def describe_source(self, ctx, port) -> res.Resource:
        attrs = dict(
            interface_fields(port, lambda i: res.ref('network.subnet', i)),
            router=res.ref('network.router', port.device_id),
            project=res.ref('identity.project', port.project_id))
        router = common.routers(ctx).get(port.device_id)
        name = f'{router.name if router else port.device_id}:' \
               f'{attrs["ip_address"]}'
        return res.Resource(self.resource_type, port.id, name, attrs)

    def tenant_ids(self, ctx, selection, graph) -> set[str]:
        routers = common.routers(ctx)
        return {i for i, p in self.all_source(ctx).items()
                if p.project_id in selection.scope_projects
                or routers[p.device_id].project_id
                in selection.scope_projects}

    def used_ids(self, ctx, selection, graph) -> set[str]:
        routers = common.used_router_ids(ctx, selection, graph)
        networks = common.used_network_ids(ctx, selection, graph)
        return {i for i, p in self.all_source(ctx).items()
                if p.device_id in routers and p.network_id in networks}

    @staticmethod
    def _describe(port) -> dict:
        return dict(interface_fields(port, _same), id=port.id,
                    router=port.device_id, project=port.project_id)

    def compare(self, expected: dict, actual: dict) -> dict:
        # Plans made before interfaces kept their MAC do not have it.
        if 'mac_address' not in expected:
            actual = {k: v for k, v in actual.items() if k != 'mac_address'}
        return super().compare(expected, actual)

    def get_destination(self, ctx, destination_id):
        port = common.get_or_none(ctx.destination.network.get_port,
                                  destination_id)
        if port is None or not common.is_router_interface(port):
            return None
        return self._describe(port)

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['router'], attrs['subnet']):
            return None
        for port in ctx.destination.network.ports(device_id=attrs['router']):
            if common.is_router_interface(port) and _holds(
                    port, attrs['subnet'], attrs['ip_address']):
                return self._describe(port)
        return None

    @staticmethod
    def _fixed_ips(attrs: dict) -> list[dict]:
        return [{'subnet_id': ip['subnet'], 'ip_address': ip['ip_address']}
                for ip in [attrs] + attrs['other_fixed_ips']]

    def _leftover(self, network, network_id: str, attrs: dict):
        """The port an interrupted :meth:`create` made but did not attach."""
        for port in network.ports(
                network_id=network_id,
                fixed_ips=[f'ip_address={attrs["ip_address"]}']):
            if not port.device_id and common.is_router_interface(port) and \
                    _holds(port, attrs['subnet'], attrs['ip_address']):
                return port
        return None

    def create(self, ctx, resource, attrs) -> str:
        network = ctx.destination.network
        network_id = network.get_subnet(attrs['subnet']).network_id
        mac = attrs.get('mac_address')
        port = self._leftover(network, network_id, attrs)
        if port is None:
            # A router owner: Neutron then takes IPv6 auto-address
            # subnets' addresses as given and adds no others (a port of
            # nobody would get an address on each of them).
            port = network.create_port(
                network_id=network_id, project_id=attrs['project'],
                device_owner='network:router_interface',
                fixed_ips=self._fixed_ips(attrs),
                **({'mac_address': mac} if mac else {}))
        elif mac and port.mac_address != mac:
            # Left by a Pumphouse that did not keep the MAC; Neutron
            # changes the MAC of a port not bound yet.
            network.update_port(port, mac_address=mac)
        try:
            network.add_interface_to_router(attrs['router'], port_id=port.id)
        except Exception as e:
            # Tried again after a transient fault, the next attempt finds
            # the port attached (the answer was lost) or attaches it.
            if not ctx.retry_planned(e):
                network.delete_port(port, ignore_missing=True)
            raise
        return port.id

    def delete(self, ctx, destination_id) -> None:
        network = ctx.destination.network
        port = common.get_or_none(network.get_port, destination_id)
        if port is None:
            return
        if port.device_id:
            # Neutron deletes the port with the interface.
            _remove_interface(network, port.device_id, port.id)
        else:
            network.delete_port(port, ignore_missing=True)


def _holds(port, subnet_id: str, address: str) -> bool:
    return any(ip['subnet_id'] == subnet_id and ip['ip_address'] == address
               for ip in port.fixed_ips or ())


@dataclasses.dataclass(frozen=True)
class Route:
    """One static route of a source router."""

    router_id: str
    destination: str
    nexthop: str
    project_id: str | None = None

    @property
    def id(self) -> str:
        return route_id(self.router_id, self.destination, self.nexthop)


def route_id(router_id: str, destination: str, nexthop: str) -> str:
    return f'{router_id}|{destination}|{nexthop}'


def parse_route_id(value: str) -> tuple[str, str, str]:
    router_id, destination, nexthop = value.split('|')
    return router_id, destination, nexthop


def _route_body(destination: str, nexthop: str) -> dict:
    return {'router': {'routes': [{'destination': destination,
                                   'nexthop': nexthop}]}}


class RouterRouteDriver(common.NetworkDriver):
    """A static route of a router (``extraroute-atomic``).

    Its id is ``router|destination|nexthop`` in both clouds.
    """

    renamable = False
    api_needs = base.on_both('network', 'router routes',
                             extension='extraroute')

    def all_source(self, ctx) -> dict:
        def load():
            routes = (Route(r.id, route['destination'], route['nexthop'],
                            r.project_id)
                      for r in common.routers(ctx).values()
                      for route in r.routes or ())
            return {route.id: route for route in routes}
        return ctx.cached('neutron:routes', load)

    def describe_source(self, ctx, route: Route) -> res.Resource:
        attrs = {'router': res.ref('network.router', route.router_id),
                 'destination': route.destination,
                 'nexthop': route.nexthop}
        return res.Resource(
            self.resource_type, route.id,
            f'{route.destination} via {route.nexthop}', attrs,
            needs=[('network.router_interface', i)
                   for i in self._reaching(ctx, route)])

    @staticmethod
    def _reaching(ctx, route: Route) -> list[str]:
        """Interfaces of the route's router on the next hop's subnet."""
        subnets = common.subnets(ctx)
        return sorted(
            p.id for p in common.ports(ctx).values()
            if common.is_router_interface(p)
            and p.device_id == route.router_id
            and any(ip['subnet_id'] in subnets and common.in_cidr(
                route.nexthop, subnets[ip['subnet_id']].cidr)
                for ip in p.fixed_ips or ()))

    def used_ids(self, ctx, selection, graph) -> set[str]:
        routers = common.used_router_ids(ctx, selection, graph)
        used = common.used_subnet_ids(ctx, selection, graph)
        subnets = [s for i, s in common.subnets(ctx).items() if i in used]
        return {i for i, r in self.all_source(ctx).items()
                if r.router_id in routers
                and common.subnet_of(r.nexthop, subnets) is not None}

    def get_destination(self, ctx, destination_id):
        router_id, destination, nexthop = parse_route_id(destination_id)
        router = common.get_or_none(ctx.destination.network.get_router,
                                    router_id)
        if router is None or {'destination': destination,
                              'nexthop': nexthop} not in (router.routes or []):
            return None
        return {'id': destination_id, 'router': router_id,
                'destination': destination, 'nexthop': nexthop}

    def find_destination(self, ctx, resource, attrs):
        if common.has_unresolved(attrs['router']):
            return None
        return self.get_destination(ctx, route_id(
            attrs['router'], attrs['destination'], attrs['nexthop']))

    def create(self, ctx, resource, attrs) -> str:
        ctx.destination.network.add_extra_routes_to_router(
            attrs['router'], _route_body(attrs['destination'],
                                         attrs['nexthop']))
        return route_id(attrs['router'], attrs['destination'],
                        attrs['nexthop'])

    def delete(self, ctx, destination_id) -> None:
        router_id, destination, nexthop = parse_route_id(destination_id)
        try:
            ctx.destination.network.remove_extra_routes_from_router(
                router_id, _route_body(destination, nexthop))
        except sdk_exc.NotFoundException:
            pass
