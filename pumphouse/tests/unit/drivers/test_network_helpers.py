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

"""Pure logic of the Neutron drivers: which ports, which attributes."""

import pytest

from pumphouse.drivers.resources.network import common
from pumphouse.drivers.resources.network import floating_ip
from pumphouse.drivers.resources.network import network
from pumphouse.drivers.resources.network import port
from pumphouse.drivers.resources.network import router
from pumphouse.drivers.resources.network import subnet
from pumphouse.tests.unit.drivers import network_fakes as fakes


@pytest.mark.parametrize('owner,copied', [
    ('', True), (None, True), ('compute:nova', True),
    ('compute:az-2', True), ('baremetal:none', True),
    ('network:router_interface', False), ('network:dhcp', False),
    ('network:floatingip', False), ('network:router_gateway', False),
    ('network:router_interface_distributed', False),
    ('neutron:LOADBALANCERV2', False), ('Octavia', False),
    ('trunk:subport', False)])
def test_user_ports(owner, copied):
    assert common.is_user_port(owner) is copied


def test_fixed_ips_sort_by_address_not_text():
    fixed = [{'subnet_id': 'v6', 'ip_address': 'fd00::5'},
             {'subnet_id': 'a', 'ip_address': '10.0.0.10'},
             {'subnet_id': 'a', 'ip_address': '10.0.0.9'}]
    assert common.sorted_fixed_ips(fixed, str.upper) == [
        {'subnet': 'A', 'ip_address': '10.0.0.9'},
        {'subnet': 'A', 'ip_address': '10.0.0.10'},
        {'subnet': 'V6', 'ip_address': 'fd00::5'}]


def test_subnet_of_and_cidrs():
    subnets = [fakes.subnet('s4', 'n', '10.0.0.0/24'),
               fakes.subnet('s6', 'n', 'fd00::/64')]
    assert common.subnet_of('10.0.0.7', subnets) == 's4'
    assert common.subnet_of('fd00::7', subnets) == 's6'
    assert common.subnet_of('10.0.1.7', subnets) is None
    assert common.subnet_of(None, subnets) is None
    assert not common.in_cidr('not-an-address', '10.0.0.0/8')


def test_has_unresolved_looks_inside():
    from pumphouse.engine import resource as res
    new = res.Unresolved('<new network.subnet x>')
    assert common.has_unresolved('id', [{'subnet': new}])
    assert not common.has_unresolved('id', [{'subnet': 'sid'}], None)


def test_tunnel_network_hides_its_segment():
    fields = network.network_fields(fakes.network('n1'))
    assert fields['provider_network_type'] == 'vxlan'
    assert fields['provider_segmentation_id'] is None
    assert network.provider_arguments(fields) == {}


def test_physical_networks_keep_their_provider():
    vlan = network.network_fields(fakes.network(
        'n1', provider_network_type='vlan',
        provider_physical_network='physnet1',
        provider_segmentation_id=42))
    assert network.provider_arguments(vlan) == {
        'provider_network_type': 'vlan',
        'provider_physical_network': 'physnet1',
        'provider_segmentation_id': 42}
    flat = network.network_fields(fakes.network(
        'n2', provider_network_type='flat',
        provider_physical_network='public',
        provider_segmentation_id=None))
    assert network.provider_arguments(flat) == {
        'provider_network_type': 'flat',
        'provider_physical_network': 'public'}


def test_network_compare_takes_any_tunnel_for_another():
    driver = network.NetworkDriver()
    vxlan = network.network_fields(fakes.network('n1'))
    geneve = network.network_fields(fakes.network(
        'n1', provider_network_type='geneve', provider_segmentation_id=9))
    flat = network.network_fields(fakes.network(
        'n1', provider_network_type='flat',
        provider_physical_network='public', provider_segmentation_id=None))
    assert driver.compare(vxlan, dict(geneve, id='x')) == {}
    assert set(driver.compare(vxlan, flat)) == {
        'provider_network_type', 'provider_physical_network'}
    vlan = network.network_fields(fakes.network(
        'n1', provider_network_type='vlan',
        provider_physical_network='p', provider_segmentation_id=42))
    other = dict(vlan, provider_segmentation_id=43)
    assert set(driver.compare(vlan, other)) == {'provider_segmentation_id'}


def test_subnet_lists_compare_in_one_order():
    a = subnet.subnet_fields(fakes.subnet(
        's', 'n', '10.0.0.0/24',
        allocation_pools=[{'start': '10.0.0.100', 'end': '10.0.0.120'},
                          {'start': '10.0.0.20', 'end': '10.0.0.30'}],
        host_routes=[{'destination': '192.0.2.0/24', 'nexthop': '10.0.0.2'},
                     {'destination': '10.9.0.0/16', 'nexthop': '10.0.0.3'}]))
    assert [p['start'] for p in a['allocation_pools']] == [
        '10.0.0.20', '10.0.0.100']
    assert [r['destination'] for r in a['host_routes']] == [
        '10.9.0.0/16', '192.0.2.0/24']


def test_auto_address_subnets_get_no_address():
    fixed = [{'subnet': 'v4', 'ip_address': '10.0.0.5'},
             {'subnet': 'v6', 'ip_address': 'fd00::f816:3eff:fe00:1'}]
    assert port.requested_fixed_ips(fixed, {'v6'}) == [
        {'subnet_id': 'v4', 'ip_address': '10.0.0.5'},
        {'subnet_id': 'v6'}]
    assert port.requested_fixed_ips(fixed, set()) == [
        {'subnet_id': 'v4', 'ip_address': '10.0.0.5'},
        {'subnet_id': 'v6', 'ip_address': 'fd00::f816:3eff:fe00:1'}]


def test_router_flags_only_where_the_source_sets_them():
    driver = router.RouterDriver()
    plain = router.router_fields(fakes.router('r'), str, str)
    assert 'ha' not in plain and 'distributed' not in plain
    dest_ha = router.router_fields(fakes.router('r', is_ha=True), str, str)
    assert driver.compare(plain, dest_ha) == {}
    wanted = router.router_fields(fakes.router('r', is_distributed=True),
                                  str, str)
    assert driver.compare(wanted, plain) == {
        'distributed': {'source': True, 'destination': None}}


def test_router_gateway_fields():
    info = {'network_id': 'ext', 'enable_snat': True,
            'external_fixed_ips': [
                {'subnet_id': 'es', 'ip_address': '203.0.113.9'}]}
    assert router.gateway_fields(info, str.upper, str.upper) == {
        'network': 'EXT', 'enable_snat': True,
        'external_fixed_ips': [{'subnet': 'ES',
                                'ip_address': '203.0.113.9'}]}
    assert router.gateway_fields(None, str, str) is None
    assert router.gateway_fields({}, str, str) is None


def test_interface_with_several_addresses():
    interface = fakes.port('ri', 'n', [('v6b', 'fd00:2::1'),
                                       ('v6a', 'fd00:1::1')],
                           owner='network:router_interface', device='r')
    assert router.interface_fields(interface, str) == {
        'subnet': 'v6a', 'ip_address': 'fd00:1::1',
        'other_fixed_ips': [{'subnet': 'v6b', 'ip_address': 'fd00:2::1'}],
        'mac_address': interface.mac_address}


def test_route_ids_round_trip():
    value = router.route_id('r1', 'fd00:9::/64', 'fd00:1::5')
    assert router.parse_route_id(value) == ('r1', 'fd00:9::/64',
                                            'fd00:1::5')
    route = router.Route('r1', '192.0.2.0/24', '10.0.0.5', 'p1')
    assert route.id == 'r1|192.0.2.0/24|10.0.0.5'


def test_floating_ip_address_is_no_difference_but_port_is():
    driver = floating_ip.FloatingIPDriver()
    source = dict(floating_ip.floating_ip_fields(fakes.floating_ip(
        'f', 'ext', '203.0.113.5', 'p', '10.0.0.5')), port='dp',
        floating_network='dext', project='dp1')
    moved = dict(source, floating_ip_address='203.0.113.77', id='x')
    assert driver.compare(source, moved) == {}
    assert set(driver.compare(source, dict(moved, port=None))) == {'port'}


def test_address_pairs_are_sorted():
    pairs = [{'ip_address': '10.0.0.10', 'mac_address': 'm'},
             {'ip_address': '10.0.0.9/32', 'mac_address': 'm'},
             {'ip_address': '10.0.0.9', 'mac_address': 'm'}]
    assert [p['ip_address'] for p in port.address_pairs(pairs)] == [
        '10.0.0.9', '10.0.0.10', '10.0.0.9/32']
