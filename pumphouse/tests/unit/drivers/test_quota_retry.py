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

"""Neutron's passing 403 for a project Keystone just created."""

import types
import unittest

import requests
from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import quota
from pumphouse.tests.unit.drivers import network_fakes


def response(status: int, body: dict) -> requests.Response:
    return network_fakes.response(body, status)


class TestNetworkQuotaRetry(unittest.TestCase):

    def conn(self, *answers):
        queue = list(answers)
        return types.SimpleNamespace(network=types.SimpleNamespace(
            get=lambda path: queue.pop(0)))

    def test_forbidden_then_allowed_is_retried(self):
        conn = self.conn(
            response(403, {'NeutronError': {'message': 'disallowed'}}),
            response(200, {'quota': {'network': 10, 'port': 50}}))
        self.assertEqual({'network': 10, 'port': 50},
                         quota.NetworkQuotaDriver()._limits(conn, 'p1'))

    def test_other_errors_are_not_retried(self):
        conn = self.conn(response(404, {'NeutronError': {}}),
                         response(200, {'quota': {}}))
        with self.assertRaises(sdk_exc.NotFoundException):
            quota.NetworkQuotaDriver()._limits(conn, 'p1')
