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

"""Pure pieces of the Nova drivers: keypair ids, a server's flavor, the
choice among same-named destination resources, flavor fields."""

import types

from oslotest import base

from pumphouse.drivers.resources.compute import common
from pumphouse.drivers.resources.compute import flavor as flavor_mod
from pumphouse.drivers.resources.compute import keypair


def flavor(flavor_id, name, **sizes):
    values = {'vcpus': 1, 'ram': 64, 'disk': 1, 'ephemeral': 0, 'swap': 0}
    values.update(sizes)
    return types.SimpleNamespace(id=flavor_id, name=name, **values)


class TestKeypairIds(base.BaseTestCase):

    def test_round_trip(self):
        value = keypair.keypair_id('u1', 'my key')
        self.assertEqual('u1/my key', value)
        self.assertEqual(('u1', 'my key'), keypair.parse_id(value))

    def test_user_id_may_hold_a_slash(self):
        self.assertEqual(('cn=a/b', 'k'), keypair.parse_id('cn=a/b/k'))

    def test_not_an_id(self):
        for value in ('plain', '/k', 'u1/'):
            self.assertRaises(ValueError, keypair.parse_id, value)


class TestServerFlavor(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.flavors = {'f1': flavor('f1', 'small'),
                        'f2': flavor('f2', 'big', vcpus=4)}

    def server(self, **embedded):
        return types.SimpleNamespace(flavor=types.SimpleNamespace(
            **embedded))

    def test_embedded_flavor_is_found_by_name_and_sizes(self):
        server = self.server(original_name='big', vcpus=4, ram=64, disk=1,
                             ephemeral=0, swap=0)
        self.assertEqual('f2', common.server_flavor_id(server,
                                                       self.flavors))

    def test_recreated_flavor_with_other_sizes_is_not_it(self):
        server = self.server(original_name='big', vcpus=2, ram=64, disk=1,
                             ephemeral=0, swap=0)
        self.assertIsNone(common.server_flavor_id(server, self.flavors))

    def test_empty_swap_equals_zero(self):
        server = self.server(original_name='small', vcpus=1, ram=64,
                             disk=1, ephemeral=0, swap='')
        self.assertEqual('f1', common.server_flavor_id(server,
                                                       self.flavors))

    def test_older_microversions_link_the_id(self):
        server = self.server(original_name=None, id='f1')
        self.assertEqual('f1', common.server_flavor_id(server,
                                                       self.flavors))
        gone = self.server(original_name=None, id='f9')
        self.assertIsNone(common.server_flavor_id(gone, self.flavors))

    def test_server_without_flavor(self):
        server = types.SimpleNamespace(flavor=None)
        self.assertIsNone(common.server_flavor_id(server, self.flavors))


class TestPick(base.BaseTestCase):

    @staticmethod
    def compare(expected, actual):
        return {} if expected['policy'] == actual['policy'] else {'x': 1}

    def test_an_equal_one_wins(self):
        candidates = [{'id': 'a', 'policy': 'affinity'},
                      {'id': 'b', 'policy': 'anti-affinity'}]
        self.assertEqual('b', common.pick(
            candidates, {'policy': 'anti-affinity'}, self.compare)['id'])

    def test_else_the_first_is_the_conflict(self):
        candidates = [{'id': 'a', 'policy': 'affinity'}]
        self.assertEqual('a', common.pick(
            candidates, {'policy': 'soft-affinity'}, self.compare)['id'])

    def test_none_without_candidates(self):
        self.assertIsNone(common.pick([], {'policy': 'x'}, self.compare))


class TestFlavorFields(base.BaseTestCase):

    def test_absent_values_read_as_nova_defaults(self):
        source = types.SimpleNamespace(
            name='m1', description=None, vcpus=1, ram=64, disk=1,
            ephemeral=None, swap='', rxtx_factor=None, is_public=True,
            extra_specs=None)
        self.assertEqual(
            {'name': 'm1', 'description': None, 'vcpus': 1, 'ram': 64,
             'disk': 1, 'ephemeral': 0, 'swap': 0, 'rxtx_factor': 1.0,
             'public': True, 'extra_specs': {}},
            flavor_mod._fields(source))

    def test_empty_description_is_not_none(self):
        """Nova keeps a flavor description of "" (microversion 2.55)."""
        source = types.SimpleNamespace(
            name='m1', description='', vcpus=1, ram=64, disk=1,
            ephemeral=0, swap=0, rxtx_factor=1.0, is_public=True,
            extra_specs={})
        self.assertEqual('', flavor_mod._fields(source)['description'])
