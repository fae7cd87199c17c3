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

"""The RPC version cap of a rolling upgrade: [upgrade_levels] conductor."""

from pumphouse.common import context
from pumphouse.common import exception
from pumphouse.common import release_mappings
from pumphouse.conductor import rpcapi
from pumphouse.db import owner_api
from pumphouse.db import schema
from pumphouse.tests import base

OURS = rpcapi.ConductorAPI.RPC_API_VERSION


class TestVersionCap(base.TestCase):

    def test_unset_is_no_cap(self):
        self.assertIsNone(rpcapi.version_cap(None))
        self.assertIsNone(rpcapi.version_cap(''))

    def test_a_version(self):
        self.assertEqual('1.2', rpcapi.version_cap('1.2'))
        self.assertIsNone(rpcapi.version_cap(OURS))

    def test_a_release(self):
        self.assertIsNone(rpcapi.version_cap(
            release_mappings.current_release()))
        self.useFixture(_Release('0.0', '1.1'))
        self.assertEqual('1.1', rpcapi.version_cap('0.0'))

    def test_auto_is_the_oldest_live_conductor(self):
        live = {'a': '1.2', 'b': OURS, 'c': None, 'd': 'garbage'}
        self.assertEqual('1.2', rpcapi.version_cap('auto', live))
        self.assertIsNone(rpcapi.version_cap('auto', {'b': OURS}))
        self.assertIsNone(rpcapi.version_cap('auto', {}))
        # A newer conductor does not raise what this API may send.
        self.assertIsNone(rpcapi.version_cap('auto', {'n': '1.99'}))

    def test_meaningless_levels_are_refused(self):
        for level in ('2.0', '0.9', '1.99', 'soon', '1', 'auto-ish'):
            self.assertRaises(exception.InvalidUpgradeLevel,
                              rpcapi.version_cap, level)

    def test_checked_when_the_api_starts(self):
        self.config(conductor='bogus', group='upgrade_levels')
        error = self.assertRaises(exception.InvalidUpgradeLevel,
                                  rpcapi.check_upgrade_levels)
        self.assertIn('[upgrade_levels] conductor = bogus', str(error))


class _Release:
    """A release of the past in RELEASE_MAPPING, for a test."""

    def __init__(self, name: str, rpc: str) -> None:
        self.name, self.rpc = name, rpc

    def setUp(self) -> None:
        release_mappings.RELEASE_MAPPING[self.name] = {'rpc': self.rpc,
                                                      'db': '0001'}

    def cleanUp(self) -> None:
        release_mappings.RELEASE_MAPPING.pop(self.name, None)

    def getDetails(self):  # noqa: N802 - the fixtures protocol
        return {}


class TestReleaseMapping(base.TestCase):

    def test_this_release_is_what_the_code_serves_and_needs(self):
        self.assertEqual(
            {'rpc': OURS, 'db': schema.head()},
            release_mappings.RELEASE_MAPPING[
                release_mappings.current_release()],
            'A new RPC version or database revision: update '
            'pumphouse.common.release_mappings.RELEASE_MAPPING.')

    def test_no_release_reads_as_an_rpc_version(self):
        versions = {f'1.{minor}' for minor in range(int(OURS.split('.')[1])
                                                     + 1)}
        self.assertEqual(set(), versions & set(
            release_mappings.RELEASE_MAPPING))


class TestPinnedClient(base.RPCTestCase):

    def setUp(self):
        super().setUp()
        self.rpcapi = rpcapi.ConductorAPI()
        self.ctx = context.get_admin_context()

    def test_no_cap_sends_our_version(self):
        cctxt = self.rpcapi._prepare(version='1.3')
        self.assertEqual(OURS, cctxt.version_cap)

    def test_cap_is_given_to_oslo_messaging(self):
        self.config(conductor='1.3', group='upgrade_levels')
        cctxt = self.rpcapi._prepare(version='1.1')
        self.assertEqual(('1.3', '1.1'),
                         (cctxt.version_cap, cctxt.target.version))

    def test_a_call_above_the_cap_is_refused_clearly(self):
        self.config(conductor='1.2', group='upgrade_levels')
        error = self.assertRaises(
            exception.RPCVersionPinned, self.rpcapi.create_migration,
            self.ctx, {})
        self.assertEqual(503, error.code)
        self.assertIn('needs conductor RPC API 1.3, but the API sends at '
                      'most 1.2', str(error))
        self.assertIn('[upgrade_levels] conductor = 1.2', str(error))

    def test_a_cast_above_the_cap_is_left_for_the_take_over(self):
        self.config(conductor='1.0', group='upgrade_levels')
        with self.assertLogs('pumphouse.conductor.rpcapi',
                             'WARNING') as logs:
            self.rpcapi.plan_migration(self.ctx, 'some-uuid')
        self.assertIn('take-over will do it', logs.output[0])

    def test_auto_follows_the_oldest_live_conductor(self):
        self.config(conductor='auto', group='upgrade_levels')
        owner_api.register_owner('old-conductor', owner_api.CONDUCTOR,
                                 rpc_version='1.2')
        self.assertRaises(exception.RPCVersionPinned,
                          self.rpcapi.plan_host_evacuation, self.ctx, 'h')
        owner_api.unregister_owner('old-conductor')
        # Upgraded and gone: the cap is lifted without a restart.
        self.assertRaises(exception.HostNotFound,
                          self.rpcapi.plan_host_evacuation, self.ctx,
                          'nope')

    def test_lifting_the_cap_needs_no_new_client(self):
        self.config(conductor='1.2', group='upgrade_levels')
        self.assertRaises(exception.RPCVersionPinned,
                          self.rpcapi.plan_host_evacuation, self.ctx, 'h')
        self.config(conductor=None, group='upgrade_levels')
        self.assertRaises(exception.HostNotFound,
                          self.rpcapi.plan_host_evacuation, self.ctx,
                          'nope')
