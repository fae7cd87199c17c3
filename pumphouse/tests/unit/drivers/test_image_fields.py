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

"""What the image driver copies, compares, skips and sends."""

import types

from oslotest import base

from pumphouse.drivers.resources.image import fields


def record(**overrides) -> dict:
    """A Glance v2 image record as the API returns it."""
    values = {
        'id': 'i1', 'name': 'cirros', 'status': 'active',
        'visibility': 'shared', 'protected': True, 'os_hidden': False,
        'checksum': 'c' * 32, 'os_hash_algo': 'sha512',
        'os_hash_value': 'h' * 128, 'owner': 'p1', 'size': 4096,
        'virtual_size': 4096, 'min_ram': 64, 'min_disk': 1,
        'created_at': 'then', 'updated_at': 'now', 'tags': ['b', 'a'],
        'disk_format': 'raw', 'container_format': 'bare',
        'self': '/v2/images/i1', 'file': '/v2/images/i1/file',
        'schema': '/v2/schemas/image', 'stores': 'file',
        'os_distro': 'cirros', 'hw_disk_bus': 'virtio',
        'kernel_id': 'k1', 'ramdisk_id': 'r1',
        'os_glance_import_task': 't1',
        'owner_specified.openstack.md5': 'c' * 32}
    values.update(overrides)
    return values


class TestProperties(base.BaseTestCase):

    def test_only_custom_properties_are_compared(self):
        self.assertEqual({'os_distro': 'cirros', 'hw_disk_bus': 'virtio'},
                         fields.properties(record()))

    def test_client_properties_are_apart(self):
        self.assertEqual({'owner_specified.openstack.md5': 'c' * 32},
                         fields.client_properties(record()))

    def test_common_attrs(self):
        attrs = fields.common_attrs(record(min_disk=None, tags=None))
        self.assertEqual(0, attrs['min_disk'])
        self.assertEqual([], attrs['tags'])
        self.assertEqual(['a', 'b'],
                         fields.common_attrs(record())['tags'])
        self.assertNotIn('virtual_size', attrs)
        self.assertNotIn('status', attrs)


class TestDestinationAttrs(base.BaseTestCase):

    def test_references_and_members(self):
        attrs = fields.destination_attrs(record(), [
            {'project': 'p3', 'status': 'pending'},
            {'project': 'p2', 'status': 'accepted'}])
        self.assertEqual(('k1', 'r1', 'p1', 'i1'),
                         (attrs['kernel'], attrs['ramdisk'],
                          attrs['owner'], attrs['id']))
        self.assertEqual(['p2', 'p3'],
                         [m['project'] for m in attrs['members']])

    def test_member_entries(self):
        self.assertEqual(
            [{'project': 'p2', 'status': 'accepted'}],
            fields.member_entries([{'member_id': 'p2', 'image_id': 'i1',
                                    'status': 'accepted',
                                    'schema': '/v2/schemas/member'}]))


class TestSkipReason(base.BaseTestCase):

    def test_active_image_of_a_project_is_migrated(self):
        self.assertIsNone(fields.skip_reason(record(), {'p1'}))
        self.assertIsNone(fields.skip_reason(record(owner=None), set()))

    def test_not_active(self):
        for status in ('queued', 'saving', 'killed', 'deactivated'):
            self.assertIn(status,
                          fields.skip_reason(record(status=status), {'p1'}))

    def test_owner_gone(self):
        self.assertIn('p1', fields.skip_reason(record(), {'p2'}))

    def test_volume_backed_snapshot(self):
        image = record(size=0, block_device_mapping='[{}]')
        self.assertIn('volume-backed', fields.skip_reason(image, {'p1'}))
        image['size'] = 10
        self.assertIsNone(fields.skip_reason(image, {'p1'}))

    def test_temporary_images(self):
        self.assertTrue(fields.is_temporary(record(name='pumphouse-tmp-x')))
        self.assertFalse(fields.is_temporary(record(name='pumphouse-x')))
        self.assertFalse(fields.is_temporary(record(name=None)))


class TestServerImage(base.BaseTestCase):

    def test_booted_from_image(self):
        server = types.SimpleNamespace(image=types.SimpleNamespace(id='i1'))
        self.assertEqual('i1', fields.server_image_id(server))

    def test_booted_from_volume(self):
        for image in ({}, '', None):
            server = types.SimpleNamespace(image=image)
            self.assertIsNone(fields.server_image_id(server))
        self.assertEqual('i2', fields.server_image_id(
            types.SimpleNamespace(image={'id': 'i2'})))


class TestCreateBody(base.BaseTestCase):

    def attrs(self, **overrides):
        attrs = fields.destination_attrs(record(), [])
        attrs.update(overrides)
        return attrs

    def test_everything_but_protected_and_data(self):
        body = fields.create_body(self.attrs(), {'owner_specified.x': 'y'},
                                  image_id='i1')
        self.assertEqual({
            'id': 'i1', 'name': 'cirros', 'disk_format': 'raw',
            'container_format': 'bare', 'min_disk': 1, 'min_ram': 64,
            'visibility': 'shared', 'os_hidden': False, 'tags': ['a', 'b'],
            'owner': 'p1', 'kernel_id': 'k1', 'ramdisk_id': 'r1',
            'os_distro': 'cirros', 'hw_disk_bus': 'virtio',
            'owner_specified.x': 'y'}, body)

    def test_no_owner_no_id_no_references(self):
        body = fields.create_body(
            self.attrs(owner=None, kernel=None, ramdisk=None), {})
        for key in ('owner', 'id', 'kernel_id', 'ramdisk_id'):
            self.assertNotIn(key, body)

    def test_glance_fields_win_over_properties(self):
        body = fields.create_body(
            self.attrs(properties={'name': 'other'}), {})
        self.assertEqual('cirros', body['name'])


class TestComparable(base.BaseTestCase):

    def test_unknown_source_values_are_not_compared(self):
        expected = {'owner': None, 'checksum': None, 'size': 1,
                    'os_hash_algo': 'sha512', 'os_hash_value': 'a'}
        actual = dict(expected, owner='admin', checksum='c', id='x')
        left, right = fields.comparable(expected, actual)
        self.assertEqual(left, right)
        self.assertNotIn('id', right)

    def test_other_hash_algorithm(self):
        expected = {'os_hash_algo': 'sha512', 'os_hash_value': 'a',
                    'checksum': 'c'}
        left, right = fields.comparable(expected, {
            'os_hash_algo': 'sha256', 'os_hash_value': 'b',
            'checksum': 'd'})
        self.assertEqual({'checksum': 'c'}, left)
        self.assertEqual({'checksum': 'd'}, right)

    def test_members_in_any_order(self):
        one = {'project': 'p1', 'status': 'accepted'}
        two = {'project': 'p2', 'status': 'pending'}
        left, right = fields.comparable({'members': [two, one]},
                                        {'members': [one, two]})
        self.assertEqual(left, right)


class TestMemberChanges(base.BaseTestCase):

    def test_changes(self):
        wanted = [{'project': 'p1', 'status': 'accepted'},
                  {'project': 'p2', 'status': 'pending'},
                  {'project': 'p3', 'status': 'rejected'}]
        present = [{'project': 'p2', 'status': 'pending'},
                   {'project': 'p3', 'status': 'pending'},
                   {'project': 'p4', 'status': 'accepted'}]
        add, update, extra = fields.member_changes(wanted, present)
        self.assertEqual(['p1'], [m['project'] for m in add])
        self.assertEqual([('p3', 'rejected')],
                         [(m['project'], m['status']) for m in update])
        self.assertEqual(['p4'], [m['project'] for m in extra])


class TestDataOf(base.BaseTestCase):

    def test_from_attrs(self):
        data = fields.data_of(fields.common_attrs(record()), 'i1')
        self.assertEqual(('i1', 4096, 'c' * 32, 'sha512', 'h' * 128),
                         (data.id, data.size, data.checksum, data.hash_algo,
                          data.hash_value))
