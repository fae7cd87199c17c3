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

"""The drivers' answers to the pre-checks (engine.checks.facts): what
Placement and Neutron say, in the engine's terms."""

import types
import unittest
from unittest import mock

from pumphouse.drivers.resources.compute import placement
from pumphouse.drivers.resources.network import destination
from pumphouse.engine.checks import capacity
from pumphouse.engine.checks import facts
from pumphouse.tests.unit.drivers import fakes


def _response(body):
    return mock.Mock(status_code=200, ok=True, json=lambda: body)


class TestPlacement(unittest.TestCase):

    def test_inventories_and_usages_of_every_provider(self):
        answers = {
            '/resource_providers': {'resource_providers': [
                {'uuid': 'u1', 'name': 'h1'}]},
            '/resource_providers/u1/inventories': {'inventories': {
                'VCPU': {'total': 8, 'reserved': 2,
                         'allocation_ratio': 4.0, 'max_unit': 8}}},
            '/resource_providers/u1/usages': {'usages': {'VCPU': 20}}}
        conn = types.SimpleNamespace(placement=mock.Mock())
        conn.placement.get.side_effect = \
            lambda path, microversion: _response(answers[path])
        [found] = placement.resource_providers(conn)
        self.assertEqual(facts.ProviderUsage(
            'h1', answers['/resource_providers/u1/inventories'][
                'inventories'], {'VCPU': 20}), found)
        self.assertEqual({placement.MICROVERSION}, {
            c.kwargs['microversion']
            for c in conn.placement.get.call_args_list})
        [provider] = capacity.providers([found])
        self.assertEqual({'VCPU': 4}, provider.free)


class TestNeutron(unittest.TestCase):

    def setUp(self):
        self.network = mock.Mock()
        self.ctx = fakes.FakeContext(destination=types.SimpleNamespace(
            network=self.network))

    def test_subnets_and_networks(self):
        self.network.subnets.return_value = [types.SimpleNamespace(
            id='s1', name='v4', network_id='n1', cidr='10.0.0.0/24',
            ip_version=4, project_id='p1',
            allocation_pools=[{'start': '10.0.0.2', 'end': '10.0.0.9'}])]
        self.network.get_network.return_value = types.SimpleNamespace(
            id='n1', name='net', is_shared=None, is_router_external=True)
        self.assertEqual(
            [facts.Subnet('s1', 'v4', 'n1', '10.0.0.0/24', 4, 'p1',
                          ({'start': '10.0.0.2', 'end': '10.0.0.9'},))],
            destination.subnets(self.ctx, 'n1'))
        self.network.subnets.assert_called_once_with(network_id='n1')
        destination.subnets(self.ctx)
        self.network.subnets.assert_called_with()
        self.assertEqual(facts.Network('n1', 'net', False, True),
                         destination.get_network(self.ctx, 'n1'))

    def test_addresses_in_use(self):
        self.network.ports.return_value = [
            types.SimpleNamespace(id='a', fixed_ips=[
                {'ip_address': '10.0.0.5'}, {'ip_address': '10.0.0.6'}]),
            types.SimpleNamespace(id='b', fixed_ips=None)]
        self.assertEqual({'10.0.0.5': 'a', '10.0.0.6': 'a'},
                         destination.addresses(self.ctx, 'n1'))
        self.network.ports.assert_called_once_with(network_id='n1')
