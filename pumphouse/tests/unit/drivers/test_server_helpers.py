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

"""Pure pieces of the server driver: reading a server, the boot request,
comparison, what a copy left by an interrupted attempt may differ in,
and what a server takes from the destination."""

import types

from oslotest import base

from pumphouse.common import exception
from pumphouse.drivers.resources.compute import server as server_mod
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.drivers.resources.compute import server_source
from pumphouse.drivers.resources.compute import server_state
from pumphouse.engine import resource as res


def address(mac, ip, kind='fixed', version=4):
    return {'addr': ip, 'version': version, 'OS-EXT-IPS:type': kind,
            'OS-EXT-IPS-MAC:mac_addr': mac}


def server(**fields):
    values = {'id': 's1', 'name': 'web', 'image': {'id': 'img'},
              'addresses': {}, 'attached_volumes': [],
              'root_device_name': '/dev/vda', 'metadata': {},
              'description': None, 'key_name': None,
              'availability_zone': 'nova', 'user_data': None,
              'has_config_drive': '', 'tags': []}
    values.update(fields)
    return types.SimpleNamespace(**values)


class TestReadingAServer(base.BaseTestCase):

    def test_image_of_a_server_booted_from_a_volume(self):
        self.assertIsNone(server_source.image_id(server(image='')))
        self.assertIsNone(server_source.image_id(server(image={})))
        self.assertEqual('img', server_source.image_id(server()))
        self.assertEqual('i2', server_source.image_id(
            server(image=types.SimpleNamespace(id='i2'))))

    def test_nics_in_nova_order_and_fixed_addresses_only(self):
        addresses = {
            'net-b': [address('fa:02', '10.0.1.5'),
                      address('fa:02', '203.0.113.9', kind='floating')],
            'net-a': [address('fa:01', 'fd00::5', version=6),
                      address('fa:01', '10.0.0.5')]}
        self.assertEqual(['fa:02', 'fa:01'],
                         server_source.nic_macs(addresses))
        self.assertEqual(
            [{'mac': 'fa:01', 'ip': '10.0.0.5'},
             {'mac': 'fa:01', 'ip': 'fd00::5'},
             {'mac': 'fa:02', 'ip': '10.0.1.5'}],
            server_source.fixed_addresses(addresses))

    def test_ports_follow_the_nic_order(self):
        srv = server(addresses={'n': [address('fa:02', '10.0.0.2'),
                                      address('fa:01', '10.0.0.1')]})
        ports = [types.SimpleNamespace(id=i, device_id=d, mac_address=m)
                 for i, d, m in (('p1', 's1', 'fa:01'),
                                 ('p2', 's1', 'fa:02'),
                                 ('p0', 's1', 'fa:09'),
                                 ('px', 'other', 'fa:03'))]
        self.assertEqual(['p2', 'p1', 'p0'], [
            p.id for p in server_source.ordered_ports(srv, ports)])

    def test_markers_are_not_user_metadata(self):
        self.assertEqual({'role': 'web'}, server_source.user_metadata(
            {'role': 'web', server_state.SOURCE_ID_KEY: 's1',
             server_state.OWNER_KEY: 'u1'}))

    def test_root_volume_of_a_server_booted_from_a_volume(self):
        srv = server(image='', root_device_name='/dev/vda',
                     attached_volumes=[
                         {'id': 'data', 'delete_on_termination': True},
                         {'id': 'root', 'delete_on_termination': False}])
        devices = {'data': '/dev/vdb', 'root': '/dev/vda'}
        self.assertEqual(
            [{'volume': 'ref-root', 'boot_index': 0, 'device': '/dev/vda',
              'delete_on_termination': False},
             {'volume': 'ref-data', 'boot_index': None,
              'device': '/dev/vdb', 'delete_on_termination': True}],
            server_source.block_devices(srv, devices,
                                        lambda v: f'ref-{v}'))

    def test_volumes_of_a_server_booted_from_an_image(self):
        srv = server(attached_volumes=[types.SimpleNamespace(
            id='data', delete_on_termination=False)])
        [device] = server_source.block_devices(srv, {'data': '/dev/vdb'},
                                               lambda v: v)
        self.assertIsNone(device['boot_index'])

    def test_empty_is_not_null(self):
        """Issue 14: Nova keeps a description or user data of "" apart
        from none; so does the server's reading (verification sees it).
        A key name or availability zone "" is none."""
        empty = server_source.fields(server(description='', user_data='',
                                            key_name='',
                                            availability_zone=''))
        none = server_source.fields(server(availability_zone=None))
        self.assertEqual(('', '', None, None),
                         tuple(empty[k] for k in (
                             'description', 'user_data', 'key_name',
                             'availability_zone')))
        self.assertEqual((None, None), (none['description'],
                                        none['user_data']))
        self.assertEqual({'description', 'user_data'}, set(
            res.differences(empty, none)))

    def test_placement_demand(self):
        sizes = {'vcpus': 2, 'ram': 512, 'disk': 10, 'ephemeral': 1,
                 'swap': 1500}
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 512, 'DISK_GB': 13},
                         server_source.placement_demand(sizes, 'image'))
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 512, 'DISK_GB': 3},
                         server_source.placement_demand(sizes, 'volume'))


def attrs(**fields):
    values = {'name': 'web', 'flavor': 'f1', 'image': 'img',
              'ports': ['p1', 'p2'], 'block_devices': [],
              'metadata': {'role': 'web'}, 'key_name': None,
              'description': None, 'user_data': None, 'tags': [],
              'availability_zone': 'nova', 'config_drive': False,
              'server_group': None, 'project': 'pr', 'user': 'us',
              'addresses': []}
    values.update(fields)
    return values


class TestBootRequest(base.BaseTestCase):

    def test_minimal_request(self):
        request = server_boot.boot_request(
            attrs(), 'img', {server_state.SOURCE_ID_KEY: 's1'}, None)
        self.assertEqual(
            {'name': 'web', 'flavor_id': 'f1', 'image_id': 'img',
             'networks': [{'port': 'p1'}, {'port': 'p2'}],
             'metadata': {'role': 'web', server_state.SOURCE_ID_KEY: 's1'}},
            request)

    def test_empty_description_and_user_data_are_sent(self):
        request = server_boot.boot_request(
            attrs(description='', user_data=''), 'img', {}, None)
        self.assertEqual(('', ''), (request['description'],
                                    request['user_data']))

    def test_everything(self):
        request = server_boot.boot_request(
            attrs(ports=[], key_name='k', description='d', user_data='aGk=',
                  tags=['t'], config_drive=True, server_group='g',
                  block_devices=[{'volume': 'v', 'boot_index': None,
                                  'device': '/dev/vdb',
                                  'delete_on_termination': True}]),
            'img', {}, 'az1')
        self.assertEqual('none', request['networks'])
        self.assertEqual({'group': 'g'}, request['scheduler_hints'])
        self.assertEqual(('k', 'd', 'aGk=', ['t'], 'az1', True),
                         tuple(request[k] for k in (
                             'key_name', 'description', 'user_data',
                             'tags', 'availability_zone', 'config_drive')))
        self.assertEqual(
            [{'boot_index': 0, 'uuid': 'img', 'source_type': 'image',
              'destination_type': 'local', 'delete_on_termination': True},
             {'uuid': 'v', 'source_type': 'volume',
              'destination_type': 'volume', 'boot_index': -1,
              'delete_on_termination': False, 'device_name': '/dev/vdb'}],
            request['block_device_mapping'])

    def test_boot_from_volume(self):
        request = server_boot.boot_request(
            attrs(image=None, block_devices=[
                {'volume': 'v', 'boot_index': 0, 'device': None,
                 'delete_on_termination': True}]), None, {}, None)
        self.assertNotIn('image_id', request)
        self.assertEqual([{'uuid': 'v', 'source_type': 'volume',
                           'destination_type': 'volume', 'boot_index': 0,
                           'delete_on_termination': False}],
                         request['block_device_mapping'])

    def test_name_filter(self):
        self.assertEqual('^web-1[.]example$',
                         server_boot.name_filter('web-1.example'))
        self.assertEqual('^a[+]b c$', server_boot.name_filter('a+b c'))
        for name in ('a*b', 'x(1)', 'back\\slash', 'a|b', '[x]'):
            self.assertIsNone(server_boot.name_filter(name), name)


class TestCompare(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.driver = server_mod.ServerDriver()

    def actual(self, **fields):
        return dict(attrs(**fields), id='d1', status='ACTIVE',
                    expected_status='ACTIVE')

    def test_equal(self):
        self.assertEqual({}, self.driver.compare(attrs(), self.actual()))

    def test_status_not_the_one_left(self):
        diffs = self.driver.compare(
            attrs(), dict(self.actual(), status='SHUTOFF'))
        self.assertEqual({'status': {'source': 'ACTIVE',
                                     'destination': 'SHUTOFF'}}, diffs)

    def test_image_of_a_snapshot_copy_is_not_compared(self):
        self.assertEqual({}, self.driver.compare(
            attrs(image=None), self.actual(image='tmp-image')))
        self.assertIn('image', self.driver.compare(
            attrs(), self.actual(image='other')))

    def test_what_an_interrupted_attempt_may_leave(self):
        devices = [{'volume': 'v', 'boot_index': None, 'device': '/dev/vdb',
                    'delete_on_termination': True}]
        unset = [dict(devices[0], delete_on_termination=False)]
        complete = server_mod._completable
        self.assertTrue(complete(attrs(), {'status': 'BUILD'},
                                 {'ports': {}, 'status': {}}))
        self.assertTrue(complete(
            attrs(block_devices=devices),
            {'status': 'ACTIVE', 'block_devices': unset},
            {'block_devices': {}, 'status': {}}))
        self.assertFalse(complete(
            attrs(block_devices=devices),
            {'status': 'ACTIVE', 'block_devices': []},
            {'block_devices': {}}))
        self.assertFalse(complete(attrs(), {'status': 'ACTIVE'},
                                  {'metadata': {}}))

    def test_expected_status(self):
        self.assertEqual('ACTIVE', server_state.expected_status('ACTIVE'))
        self.assertEqual('ACTIVE', server_state.expected_status(None))
        for status in ('SHUTOFF', 'SUSPENDED', 'PAUSED'):
            self.assertEqual('SHUTOFF', server_state.expected_status(status))


class TestSelectionAndDemand(base.BaseTestCase):

    servers = {'a': types.SimpleNamespace(id='a', name='web'),
               'b': types.SimpleNamespace(id='b', name='db'),
               'c': types.SimpleNamespace(id='c', name='db')}

    def test_named_servers(self):
        self.assertEqual({'a', 'c'},
                         server_mod._named(self.servers, ['web', 'c']))
        self.assertRaises(exception.Invalid, server_mod._named,
                          self.servers, ['db'])
        self.assertRaises(exception.Invalid, server_mod._named,
                          self.servers, ['nope'])

    def test_demand(self):
        resource = res.Resource(
            'compute.server', 's1', 'web',
            {'project': res.ref('identity.project', 'p1')},
            data={'boot': 'volume', 'flavor': {
                'vcpus': 2, 'ram': 256, 'disk': 5, 'ephemeral': 0,
                'swap': 0}})
        self.assertEqual(
            {('quota', 'compute', 'p1', 'instances'): 1,
             ('quota', 'compute', 'p1', 'cores'): 2,
             ('quota', 'compute', 'p1', 'ram'): 256,
             ('placement', 'VCPU'): 2, ('placement', 'MEMORY_MB'): 256},
            server_mod.ServerDriver().demand(None, resource, None))

    def test_skipped_server_demands_nothing(self):
        resource = res.Resource('compute.server', 's1', 'web', {},
                                data={'skip': 'status ERROR'})
        self.assertEqual({}, server_mod.ServerDriver().demand(
            None, resource, None))


class TestSnapshotImage(base.BaseTestCase):

    def test_guest_properties_only(self):
        raw = {'hw_disk_bus': 'virtio', 'os_distro': 'cirros',
               'architecture': 'x86_64', 'os_hash_value': 'x',
               'os_glance_importing_to_stores': '', 'instance_uuid': 'i',
               'base_image_ref': 'b', 'image_type': 'snapshot',
               'owner_user_name': 'alice'}
        self.assertEqual({'hw_disk_bus': 'virtio', 'os_distro': 'cirros',
                          'architecture': 'x86_64'},
                         server_snapshot.guest_properties(raw))
