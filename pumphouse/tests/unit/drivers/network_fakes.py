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

"""A source Neutron made of plain objects, for the network driver tests.

Objects carry the openstacksdk attribute names the drivers read; the
fake proxy counts its list calls so that tests can hold discovery to one
call per collection. :func:`response` is a Neutron answer as keystoneauth
returns it.
"""

import collections
import json
import types

import requests

from pumphouse.drivers.resources.network import floating_ip as fip_mod
from pumphouse.drivers.resources.network import network as network_mod
from pumphouse.drivers.resources.network import port as port_mod
from pumphouse.drivers.resources.network import router as router_mod
from pumphouse.drivers.resources.network import subnet as subnet_mod
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes


def network(id, project='p1', **kw):
    values = dict(id=id, name=id, description='', is_admin_state_up=True,
                  is_shared=False, is_router_external=False, mtu=1450,
                  is_port_security_enabled=True,
                  provider_network_type='vxlan',
                  provider_physical_network=None,
                  provider_segmentation_id=1234, availability_zone_hints=[],
                  tags=[], project_id=project)
    return types.SimpleNamespace(**dict(values, **kw))


def subnet(id, network_id, cidr, project='p1', **kw):
    values = dict(id=id, name=id, description='', network_id=network_id,
                  cidr=cidr, ip_version=6 if ':' in cidr else 4,
                  allocation_pools=[], gateway_ip=None,
                  is_dhcp_enabled=True, dns_nameservers=[], host_routes=[],
                  ipv6_ra_mode=None, ipv6_address_mode=None,
                  service_types=[], tags=[], subnet_pool_id=None,
                  project_id=project)
    return types.SimpleNamespace(**dict(values, **kw))


def port(id, network_id, fixed_ips=(), owner='', device='', project='p1',
         **kw):
    values = dict(id=id, name=id, description='', network_id=network_id,
                  mac_address=f'fa:16:3e:00:00:{len(id):02x}',
                  fixed_ips=[{'subnet_id': s, 'ip_address': a}
                             for s, a in fixed_ips],
                  device_owner=owner, device_id=device,
                  allowed_address_pairs=[], is_port_security_enabled=True,
                  is_admin_state_up=True, binding_vnic_type='normal',
                  security_group_ids=[], tags=[], project_id=project)
    return types.SimpleNamespace(**dict(values, **kw))


def router(id, project='p1', gateway=None, routes=(), **kw):
    values = dict(id=id, name=id, description='', is_admin_state_up=True,
                  availability_zone_hints=[], external_gateway_info=gateway,
                  is_distributed=False, is_ha=False, routes=list(routes),
                  tags=[], project_id=project)
    return types.SimpleNamespace(**dict(values, **kw))


def floating_ip(id, network_id, address, port_id=None, fixed=None,
                project='p1', **kw):
    values = dict(id=id, floating_network_id=network_id,
                  floating_ip_address=address, port_id=port_id,
                  fixed_ip_address=fixed, description='', tags=[],
                  project_id=project)
    return types.SimpleNamespace(**dict(values, **kw))


def response(body: dict, status: int = 200,
             project: str = 'p1') -> requests.Response:
    """Neutron's answer ``body`` with ``status`` to a request about the
    quotas of ``project``."""
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body).encode()
    answer.headers['Content-Type'] = 'application/json'
    answer.url = f'http://neutron/v2.0/quotas/{project}'
    answer.request = requests.Request('GET', answer.url).prepare()
    return answer


class FakeNetworkProxy:
    """The list calls of ``conn.network``, counted."""

    def __init__(self, **collections_) -> None:
        self.data = {name: list(collections_.get(name, ()))
                     for name in ('networks', 'subnets', 'subnet_pools',
                                  'routers', 'ports', 'ips')}
        self.calls: collections.Counter = collections.Counter()

    def _list(self, name):
        self.calls[name] += 1
        return list(self.data[name])

    def networks(self):
        return self._list('networks')

    def subnets(self):
        return self._list('subnets')

    def subnet_pools(self):
        return self._list('subnet_pools')

    def routers(self):
        return self._list('routers')

    def ports(self):
        return self._list('ports')

    def ips(self):
        return self._list('ips')


class StubDriver(base.ResourceDriver):
    """Another engineer's type: fetches whatever is referred to."""

    def expand(self, ctx, selection, graph):
        return []

    def fetch(self, ctx, ids):
        return [res.Resource(self.resource_type, i, i, {}) for i in ids]

    def find_destination(self, ctx, resource, attrs):
        return None

    def get_destination(self, ctx, destination_id):
        return None

    def create(self, ctx, resource, attrs):
        raise NotImplementedError

    def delete(self, ctx, destination_id):
        return None


def drivers() -> dict:
    """The network drivers and stubs for the types they refer to."""
    classes = {
        'identity.project': StubDriver,
        'network.security_group': StubDriver,
        'network.network': network_mod.NetworkDriver,
        'network.subnet_pool': subnet_mod.SubnetPoolDriver,
        'network.subnet': subnet_mod.SubnetDriver,
        'network.router': router_mod.RouterDriver,
        'network.router_interface': router_mod.RouterInterfaceDriver,
        'network.router_route': router_mod.RouterRouteDriver,
        'network.port': port_mod.PortDriver,
        'network.floating_ip': fip_mod.FloatingIPDriver,
    }
    return {name: fakes.driver(cls, name)
            for name, cls in sorted(classes.items())}
