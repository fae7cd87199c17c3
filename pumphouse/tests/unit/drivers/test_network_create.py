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

"""What the Neutron drivers ask the destination for, over a fake one.

The functional tests cover the paths a healthy destination takes; these
cover the fall-backs: an address already taken, a half-made interface, a
failure after the resource exists.
"""

import types

import pytest
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources.network import floating_ip
from pumphouse.drivers.resources.network import network
from pumphouse.drivers.resources.network import port
from pumphouse.drivers.resources.network import router
from pumphouse.engine import resource as res
from pumphouse.tests.unit.drivers import fakes as shared
from pumphouse.tests.unit.drivers import network_fakes as fakes


class Destination:
    """A destination ``conn.network`` that records what it is asked."""

    def __init__(self, subnets=(), ports=()) -> None:
        self.subnets_ = list(subnets)
        self.ports_ = list(ports)
        self.calls: list[tuple[str, dict]] = []
        self.fail: set[str] = set()
        self.extensions = {'dvr', 'l3-ha'}

    def _call(self, _method, **kw):
        self.calls.append((_method, kw))
        if _method in self.fail:
            raise sdk_exc.BadRequestException(f'{_method} refused')
        # What Neutron would pick when not told.
        made = {'floating_ip_address': '203.0.113.99', **kw}
        return types.SimpleNamespace(**dict(made, id=f'new-{_method}'))

    def named(self, name) -> list[dict]:
        return [kw for n, kw in self.calls if n == name]

    def subnets(self, network_id=None):
        return [s for s in self.subnets_ if s.network_id == network_id]

    def get_subnet(self, subnet_id):
        return next(s for s in self.subnets_ if s.id == subnet_id)

    def ports(self, network_id=None, fixed_ips=(), device_id=None):
        wanted = {f.split('=', 1)[1] for f in fixed_ips}
        return [p for p in self.ports_
                if (network_id is None or p.network_id == network_id)
                and (device_id is None or p.device_id == device_id)
                and (not wanted or wanted & {ip['ip_address']
                                             for ip in p.fixed_ips})]

    def find_extension(self, alias, ignore_missing=True):
        return alias if alias in self.extensions else None

    def __getattr__(self, name):
        return lambda *args, **kw: self._call(name, args=args, **kw)


def context(destination):
    ctx = shared.FakeContext(
        destination=types.SimpleNamespace(network=destination))
    return ctx, ctx.events


EXT = [fakes.subnet('dest-ext-v4', 'dest-ext', '203.0.113.0/24')]


def fip_attrs(**kw) -> dict:
    return dict({'floating_network': 'dest-ext',
                 'floating_ip_address': '203.0.113.150',
                 'port': 'dest-port', 'fixed_ip_address': '10.0.0.5',
                 'project': 'dest-p1', 'description': 'web', 'tags': []},
                **kw)


def fip_resource():
    return res.Resource('network.floating_ip', 'f1', '203.0.113.150', {})


def test_floating_ip_keeps_a_free_address():
    dest = Destination(subnets=EXT)
    ctx, events = context(dest)
    floating_ip.FloatingIPDriver().create(ctx, fip_resource(), fip_attrs())
    [created] = dest.named('create_ip')
    assert created['floating_ip_address'] == '203.0.113.150'
    assert created['port_id'] == 'dest-port'
    assert created['fixed_ip_address'] == '10.0.0.5'
    assert events == []


@pytest.mark.parametrize('holder', ['network:floatingip',
                                    'network:router_gateway'])
def test_floating_ip_gets_a_new_address_when_taken(holder):
    taken = fakes.port('other', 'dest-ext',
                       [('dest-ext-v4', '203.0.113.150')], owner=holder)
    dest = Destination(subnets=EXT, ports=[taken])
    ctx, events = context(dest)
    floating_ip.FloatingIPDriver().create(ctx, fip_resource(), fip_attrs())
    [created] = dest.named('create_ip')
    assert 'floating_ip_address' not in created
    [(kind, message, level, _item)] = events
    assert level == 'WARNING' and '203.0.113.150' in message


def test_floating_ip_outside_every_destination_subnet():
    dest = Destination(subnets=[fakes.subnet('s', 'dest-ext',
                                             '198.51.100.0/24')])
    ctx, events = context(dest)
    floating_ip.FloatingIPDriver().create(ctx, fip_resource(), fip_attrs())
    assert 'floating_ip_address' not in dest.named('create_ip')[0]
    assert events[0][2] == 'WARNING'


def test_floating_ip_of_a_port_not_copied_is_reported():
    dest = Destination(subnets=EXT)
    ctx, events = context(dest)
    resource = fip_resource()
    resource.data['note'] = 'associated with a Octavia port'
    driver = shared.driver(floating_ip.FloatingIPDriver,
                           'network.floating_ip')
    driver.create(
        ctx, resource, fip_attrs(port=None, fixed_ip_address=None))
    assert 'port_id' not in dest.named('create_ip')[0]
    assert events == [('not_associated', 'network.floating_ip '
                       '203.0.113.150: associated with a Octavia port',
                       'WARNING', None)]


def test_tagging_failure_deletes_what_was_made():
    dest = Destination(subnets=EXT)
    dest.fail.add('set_tags')
    ctx, _ = context(dest)
    with pytest.raises(sdk_exc.BadRequestException):
        floating_ip.FloatingIPDriver().create(ctx, fip_resource(),
                                              fip_attrs(tags=['a']))
    assert dest.named('delete_ip') == [
        {'args': ('new-create_ip',), 'ignore_missing': True}]


def router_attrs(**kw) -> dict:
    gateway = {'network': 'dest-ext', 'enable_snat': False,
               'external_fixed_ips': [{'subnet': 'dest-ext-v4',
                                       'ip_address': '203.0.113.116'}]}
    return dict({'name': 'r', 'description': '', 'project': 'dest-p1',
                 'admin_state_up': True, 'availability_zone_hints': [],
                 'external_gateway': gateway, 'tags': []}, **kw)


def test_router_gateway_on_the_same_address():
    dest = Destination(subnets=EXT)
    ctx, events = context(dest)
    router.RouterDriver().create(
        ctx, res.Resource('network.router', 'r1', 'r', {}), router_attrs())
    [created] = dest.named('create_router')
    assert created['external_gateway_info'] == {
        'network_id': 'dest-ext', 'enable_snat': False,
        'external_fixed_ips': [{'subnet_id': 'dest-ext-v4',
                                'ip_address': '203.0.113.116'}]}
    assert 'is_ha' not in created and 'is_distributed' not in created
    assert events == []


def test_router_gateway_address_taken_keeps_the_subnet():
    taken = fakes.port('fip', 'dest-ext', [('dest-ext-v4', '203.0.113.116')],
                       owner='network:floatingip')
    dest = Destination(subnets=EXT, ports=[taken])
    ctx, events = context(dest)
    router.RouterDriver().create(
        ctx, res.Resource('network.router', 'r1', 'r', {}),
        router_attrs(ha=True))
    [created] = dest.named('create_router')
    assert created['external_gateway_info']['external_fixed_ips'] == [
        {'subnet_id': 'dest-ext-v4'}]
    assert created['is_ha'] is True
    assert events[0][2] == 'WARNING'


def test_router_flag_the_destination_cannot_take():
    dest = Destination(subnets=EXT)
    dest.extensions = {'l3-ha'}
    ctx, events = context(dest)
    router.RouterDriver().create(
        ctx, res.Resource('network.router', 'r1', 'r', {}),
        router_attrs(distributed=True, ha=True))
    [created] = dest.named('create_router')
    assert created['is_ha'] is True and 'is_distributed' not in created
    [(kind, message, level, _item)] = events
    assert (kind, level) == ('not_copied', 'WARNING') and 'dvr' in message


#: The source interface port's MAC.
IF_MAC = 'fa:16:3e:12:34:56'


def interface_attrs() -> dict:
    return {'router': 'dest-r', 'subnet': 'dest-s', 'ip_address': '10.0.0.1',
            'other_fixed_ips': [], 'mac_address': IF_MAC,
            'project': 'dest-p1'}


def interface_resource():
    return res.Resource('network.router_interface', 'ri', 'r:10.0.0.1', {})


def test_interface_is_a_router_owned_port_then_attached():
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')])
    ctx, _ = context(dest)
    made = router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                                 interface_attrs())
    [created] = dest.named('create_port')
    assert created['device_owner'] == 'network:router_interface'
    assert created['mac_address'] == IF_MAC
    assert created['fixed_ips'] == [{'subnet_id': 'dest-s',
                                     'ip_address': '10.0.0.1'}]
    [attached] = dest.named('add_interface_to_router')
    assert attached == {'args': ('dest-r',), 'port_id': made}


def test_interface_reuses_the_port_an_interrupted_run_left():
    leftover = fakes.port('left', 'dest-n', [('dest-s', '10.0.0.1')],
                          owner='network:router_interface',
                          mac_address=IF_MAC)
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')],
                       ports=[leftover])
    ctx, _ = context(dest)
    made = router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                                 interface_attrs())
    assert made == 'left'
    assert dest.named('create_port') == []
    assert dest.named('update_port') == []
    [attached] = dest.named('add_interface_to_router')
    assert attached == {'args': ('dest-r',), 'port_id': 'left'}


def test_interface_leftover_without_the_mac_gets_it_not_a_second_port():
    # Left by a run of a Pumphouse that let Neutron choose the MAC.
    leftover = fakes.port('left', 'dest-n', [('dest-s', '10.0.0.1')],
                          owner='network:router_interface',
                          mac_address='fa:16:3e:ff:ff:ff')
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')],
                       ports=[leftover])
    ctx, _ = context(dest)
    made = router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                                 interface_attrs())
    assert made == 'left'
    assert dest.named('create_port') == []
    assert dest.named('update_port') == [{'args': (leftover,),
                                          'mac_address': IF_MAC}]
    [attached] = dest.named('add_interface_to_router')
    assert attached == {'args': ('dest-r',), 'port_id': 'left'}


@pytest.mark.parametrize('retrying', [True, False])
def test_interface_port_after_a_failed_attach(retrying):
    """Its port is deleted when the attach fails for good, kept for the
    next attempt (which finds it attached, or attaches it) when the
    engine tries the item again after a transient fault."""
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')])
    dest.fail.add('add_interface_to_router')
    ctx, _ = context(dest)
    ctx._retrying = retrying
    with pytest.raises(sdk_exc.BadRequestException):
        router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                              interface_attrs())
    assert len(dest.named('delete_port')) == (0 if retrying else 1)


def test_interface_attached_port_is_not_a_leftover():
    # Another router's interface on the address is not taken over.
    other = fakes.port('other', 'dest-n', [('dest-s', '10.0.0.1')],
                       owner='network:router_interface', device='dest-r2',
                       mac_address=IF_MAC)
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')],
                       ports=[other])
    ctx, _ = context(dest)
    router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                          interface_attrs())
    assert len(dest.named('create_port')) == 1
    assert dest.named('update_port') == []


def test_interface_of_a_plan_without_the_mac_lets_neutron_choose():
    # Plans made before interfaces kept their MAC.
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')])
    ctx, _ = context(dest)
    attrs = interface_attrs()
    del attrs['mac_address']
    router.RouterInterfaceDriver().create(ctx, interface_resource(), attrs)
    [created] = dest.named('create_port')
    assert 'mac_address' not in created


def interface_driver() -> router.RouterInterfaceDriver:
    return shared.driver(router.RouterInterfaceDriver,
                         'network.router_interface')


def test_interface_verification_compares_the_mac():
    attached = fakes.port('dest-if', 'dest-n', [('dest-s', '10.0.0.1')],
                          owner='network:router_interface', device='dest-r',
                          project='dest-p1', mac_address=IF_MAC)
    driver = interface_driver()
    actual = driver._describe(attached)
    assert driver.compare(interface_attrs(), actual) == {}
    attached.mac_address = 'fa:16:3e:ff:ff:ff'
    actual = driver._describe(attached)
    assert driver.compare(interface_attrs(), actual) == {
        'mac_address': {'source': IF_MAC,
                        'destination': 'fa:16:3e:ff:ff:ff'}}


def test_interface_found_in_the_destination_with_another_mac_differs():
    # An interface another Pumphouse made with a new MAC: planning sees
    # the difference instead of reusing it as equal.
    attached = fakes.port('dest-if', 'dest-n', [('dest-s', '10.0.0.1')],
                          owner='network:router_interface', device='dest-r',
                          project='dest-p1', mac_address='fa:16:3e:ff:ff:ff')
    dest = Destination(ports=[attached])
    ctx, _ = context(dest)
    driver = interface_driver()
    found = driver.find_destination(ctx, interface_resource(),
                                    interface_attrs())
    assert found['id'] == 'dest-if'
    assert driver.compare(interface_attrs(), found) == {
        'mac_address': {'source': IF_MAC,
                        'destination': 'fa:16:3e:ff:ff:ff'}}


def test_interface_of_a_plan_without_the_mac_is_verified_on_the_rest():
    attached = fakes.port('dest-if', 'dest-n', [('dest-s', '10.0.0.2')],
                          owner='network:router_interface', device='dest-r',
                          project='dest-p1')
    driver = interface_driver()
    attrs = interface_attrs()
    del attrs['mac_address']
    assert driver.compare(attrs, driver._describe(attached)) == {
        'ip_address': {'source': '10.0.0.1', 'destination': '10.0.0.2'}}


def test_interface_port_is_removed_when_attaching_fails():
    dest = Destination(subnets=[fakes.subnet('dest-s', 'dest-n',
                                             '10.0.0.0/24')])
    dest.fail.add('add_interface_to_router')
    ctx, _ = context(dest)
    with pytest.raises(sdk_exc.BadRequestException):
        router.RouterInterfaceDriver().create(ctx, interface_resource(),
                                              interface_attrs())
    assert len(dest.named('delete_port')) == 1


def test_port_on_an_auto_address_subnet():
    dest = Destination(subnets=[
        fakes.subnet('d4', 'dn', '10.0.0.0/24'),
        fakes.subnet('d6', 'dn', 'fd00::/64', ipv6_address_mode='slaac')])
    ctx, _ = context(dest)
    attrs = {'name': 'web', 'description': '', 'network': 'dn',
             'project': 'dp', 'mac_address': 'fa:16:3e:00:00:01',
             'fixed_ips': [{'subnet': 'd4', 'ip_address': '10.0.0.5'},
                           {'subnet': 'd6',
                            'ip_address': 'fd00::f816:3eff:fe00:1'}],
             'security_groups': [], 'allowed_address_pairs': [],
             'port_security_enabled': False, 'admin_state_up': True,
             'vnic_type': 'normal', 'tags': []}
    port.PortDriver().create(ctx, res.Resource('network.port', 'p', 'web',
                                               {}), attrs)
    [created] = dest.named('create_port')
    assert created['mac_address'] == 'fa:16:3e:00:00:01'
    assert created['fixed_ips'] == [
        {'subnet_id': 'd4', 'ip_address': '10.0.0.5'}, {'subnet_id': 'd6'}]
    assert created['security_group_ids'] == []
    assert 'device_owner' not in created and 'device_id' not in created


def test_tunnel_network_is_created_without_provider():
    dest = Destination()
    ctx, _ = context(dest)
    attrs = dict(network.network_fields(fakes.network('n')),
                 project='dp')
    network.NetworkDriver().create(
        ctx, res.Resource('network.network', 'n', 'n', {}), attrs)
    [created] = dest.named('create_network')
    assert not any(k.startswith('provider_') for k in created)
    assert created['mtu'] == 1450 and created['project_id'] == 'dp'
