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

"""Discovery through the Neutron drivers over a fake source.

The source looks like the ``full`` seed: an admin-owned external network,
a project ``p1`` with two networks, a router with a gateway, interfaces
and a route, server ports and Neutron's own ports, floating IPs; and a
second project ``p2`` that must stay out.
"""

import types

import pytest

from pumphouse.engine import discovery
from pumphouse.engine import resource as res
from pumphouse.engine import selection as sel
from pumphouse.tests.unit.drivers import fakes as shared
from pumphouse.tests.unit.drivers import network_fakes as fakes

ROUTER_IF = 'network:router_interface'


def source() -> fakes.FakeNetworkProxy:
    gateway = {'network_id': 'public', 'enable_snat': True,
               'external_fixed_ips': [{'subnet_id': 'public-v4',
                                       'ip_address': '203.0.113.116'}]}
    return fakes.FakeNetworkProxy(
        networks=[
            fakes.network('public', project='admin', is_router_external=True,
                          provider_network_type='flat',
                          provider_physical_network='public',
                          provider_segmentation_id=None),
            fakes.network('demo-net'), fakes.network('backend'),
            fakes.network('ops-net', project='p2'),
            fakes.network('idle', project='p1')],
        subnets=[
            fakes.subnet('public-v4', 'public', '203.0.113.0/24',
                         project='admin'),
            fakes.subnet('demo-v4', 'demo-net', '10.10.0.0/24',
                         gateway_ip='10.10.0.1', subnet_pool_id='pool'),
            fakes.subnet('demo-v6', 'demo-net', 'fd00:10::/64',
                         ipv6_address_mode='slaac', ipv6_ra_mode='slaac'),
            fakes.subnet('backend-v4', 'backend', '10.20.0.0/24'),
            fakes.subnet('ops-v4', 'ops-net', '10.30.0.0/24', project='p2'),
            fakes.subnet('idle-v4', 'idle', '10.40.0.0/24')],
        subnet_pools=[types.SimpleNamespace(
            id='pool', name='pool', description='', prefixes=['10.0.0.0/8'],
            ip_version=4, default_prefix_length=24,
            minimum_prefix_length=8, maximum_prefix_length=32,
            is_shared=True, is_default=False, default_quota=None, tags=[],
            address_scope_id=None, project_id='admin')],
        routers=[fakes.router('r1', gateway=gateway, routes=[
            {'destination': '192.0.2.0/24', 'nexthop': '10.20.0.254'}])],
        ports=[
            fakes.port('web', 'demo-net', [('demo-v4', '10.10.0.10'),
                                           ('demo-v6', 'fd00:10::5')],
                       owner='compute:nova', device='server-1',
                       security_group_ids=['sg-web']),
            fakes.port('db', 'backend', [('backend-v4', '10.20.0.10')],
                       owner='compute:nova', device='server-2'),
            fakes.port('spare', 'demo-net', [('demo-v4', '10.10.0.11')]),
            fakes.port('dhcp', 'demo-net', [('demo-v4', '10.10.0.2')],
                       owner='network:dhcp', device='dhcp-x'),
            fakes.port('lb', 'demo-net', [('demo-v4', '10.10.0.12')],
                       owner='neutron:LOADBALANCERV2', device='lb-1'),
            fakes.port('ri1', 'demo-net', [('demo-v4', '10.10.0.1')],
                       owner=ROUTER_IF, device='r1'),
            fakes.port('ri2', 'backend', [('backend-v4', '10.20.0.1')],
                       owner=ROUTER_IF, device='r1'),
            fakes.port('gw', 'public', [('public-v4', '203.0.113.116')],
                       owner='network:router_gateway', device='r1',
                       project=''),
            fakes.port('fipport', 'public', [('public-v4', '203.0.113.150')],
                       owner='network:floatingip', device='f1', project=''),
            fakes.port('ops', 'ops-net', [('ops-v4', '10.30.0.5')],
                       owner='compute:nova', device='server-3',
                       project='p2')],
        ips=[
            fakes.floating_ip('f1', 'public', '203.0.113.150', 'web',
                              '10.10.0.10'),
            fakes.floating_ip('f2', 'public', '203.0.113.151'),
            fakes.floating_ip('f3', 'public', '203.0.113.152', 'lb',
                              '10.10.0.12'),
            fakes.floating_ip('f4', 'public', '203.0.113.153',
                              project='p2')])


def discover(proxy, workload, strategies=None, scope=('p1',)):
    ctx = shared.FakeContext(types.SimpleNamespace(network=proxy))
    selection = sel.Selection(workload, dict(strategies or {}))
    selection.scope_projects.update(scope)
    graph = discovery.discover(ctx, selection, fakes.drivers())
    found: dict[str, set] = {}
    for resource in graph:
        found.setdefault(resource.type, set()).add(resource.id)
    return graph, found


def project_workload():
    return sel.Workload('project', ['demo'])


def test_tenant_takes_the_project_and_what_it_needs():
    proxy = source()
    graph, found = discover(proxy, project_workload())
    # The admin's external network comes in through the gateway and the
    # floating IPs, with its subnet.
    assert found['network.network'] == {'public', 'demo-net', 'backend',
                                        'idle'}
    assert found['network.subnet'] == {'public-v4', 'demo-v4', 'demo-v6',
                                       'backend-v4', 'idle-v4'}
    assert found['network.subnet_pool'] == {'pool'}
    assert found['network.port'] == {'web', 'db', 'spare'}
    assert found['network.router'] == {'r1'}
    assert found['network.router_interface'] == {'ri1', 'ri2'}
    assert found['network.router_route'] == {
        'r1|192.0.2.0/24|10.20.0.254'}
    assert found['network.floating_ip'] == {'f1', 'f2', 'f3'}
    assert found['identity.project'] == {'p1', 'admin'}
    assert found['network.security_group'] == {'sg-web'}
    # Each collection was listed once, however many rounds it took.
    assert max(proxy.calls.values()) == 1


def test_used_takes_only_what_servers_use():
    proxy = source()
    mine = ('network.network', 'network.subnet', 'network.port',
            'network.router', 'network.router_interface',
            'network.router_route', 'network.floating_ip')
    graph, found = discover(proxy, project_workload(),
                            {t: 'used' for t in mine})
    assert found['network.network'] == {'public', 'demo-net', 'backend'}
    assert found['network.port'] == {'web', 'db'}
    assert found['network.floating_ip'] == {'f1'}
    assert found['network.router_interface'] == {'ri1', 'ri2'}
    assert found['network.router_route'] == {
        'r1|192.0.2.0/24|10.20.0.254'}
    assert 'idle-v4' not in found['network.subnet']
    assert max(proxy.calls.values()) == 1


def test_resources_workload_takes_a_port_and_its_network():
    graph, found = discover(
        source(), sel.Workload('resources', ['network.port=db']), scope=())
    assert found['network.port'] == {'db'}
    assert found['network.network'] == {'backend'}
    assert found['network.subnet'] == {'backend-v4'}
    assert 'network.router' not in found


def test_nothing_before_the_projects_are_known():
    # The first discovery round runs before identity.project fills in the
    # scope: the tenant strategy must then take nothing (and not all).
    graph, found = discover(source(), project_workload(), scope=())
    assert found == {}


def test_port_attributes_and_references():
    graph, _ = discover(source(), project_workload())
    web = graph.get(('network.port', 'web'))
    assert web.attrs['network'] == res.ref('network.network', 'demo-net')
    assert web.attrs['fixed_ips'] == [
        {'subnet': res.ref('network.subnet', 'demo-v4'),
         'ip_address': '10.10.0.10'},
        {'subnet': res.ref('network.subnet', 'demo-v6'),
         'ip_address': 'fd00:10::5'}]
    assert web.attrs['security_groups'] == [
        res.ref('network.security_group', 'sg-web')]
    assert 'device_owner' not in web.attrs
    assert 'device_id' not in web.attrs


def test_floating_ip_needs_the_interface_and_the_external_subnet():
    graph, _ = discover(source(), project_workload())
    f1 = graph.get(('network.floating_ip', 'f1'))
    assert set(f1.depends_on) == {
        ('network.network', 'public'), ('network.port', 'web'),
        ('identity.project', 'p1'), ('network.subnet', 'public-v4'),
        ('network.router_interface', 'ri1')}
    f2 = graph.get(('network.floating_ip', 'f2'))
    assert ('network.router_interface', 'ri1') not in f2.depends_on


def test_floating_ip_on_a_port_that_is_not_copied():
    graph, _ = discover(source(), project_workload())
    f3 = graph.get(('network.floating_ip', 'f3'))
    assert f3.attrs['port'] is None
    assert f3.attrs['fixed_ip_address'] is None
    assert 'not copied' in f3.data['note']


def test_route_needs_the_interface_of_its_next_hop():
    graph, _ = discover(source(), project_workload())
    route = graph.get(('network.router_route',
                       'r1|192.0.2.0/24|10.20.0.254'))
    assert route.needs == [('network.router_interface', 'ri2')]
    assert route.attrs == {'router': res.ref('network.router', 'r1'),
                           'destination': '192.0.2.0/24',
                           'nexthop': '10.20.0.254'}


def test_router_gateway_refers_to_the_external_subnet():
    graph, _ = discover(source(), project_workload())
    r1 = graph.get(('network.router', 'r1'))
    assert r1.attrs['external_gateway'] == {
        'network': res.ref('network.network', 'public'),
        'enable_snat': True,
        'external_fixed_ips': [{
            'subnet': res.ref('network.subnet', 'public-v4'),
            'ip_address': '203.0.113.116'}]}


@pytest.mark.parametrize('port_id', ['dhcp', 'ri1'])
def test_fetching_a_neutron_port_skips_it(port_id):
    drivers = fakes.drivers()
    ctx = shared.FakeContext(types.SimpleNamespace(network=source()))
    [found] = drivers['network.port'].fetch(ctx, {port_id})
    assert found.data['skip']
