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

"""Pure pieces of the Cinder drivers: names, marks, waits."""

import types
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_config import fixture as config_fixture
from oslotest import base

from pumphouse.conf import CONF
from pumphouse.drivers.resources.volume import common
from pumphouse.tests.unit.drivers import fakes


class TestNames(base.BaseTestCase):

    def test_temporaries_are_named_after_the_source_volume(self):
        self.assertEqual('pumphouse-tmp-v1', common.temp_name('v1'))
        self.assertTrue(common.is_temporary(common.temp_name('v1')))
        for name in (None, '', 'data', 'my-pumphouse-tmp-v1'):
            self.assertFalse(common.is_temporary(name))

    def test_user_metadata_drops_the_marks(self):
        self.assertEqual({'a': 'b'}, common.user_metadata(
            {'a': 'b', common.SOURCE_KEY: 'v1',
             common.COPY_KEY: common.COPY_UNFINISHED}))
        self.assertEqual({}, common.user_metadata(None))

    def test_data_timeout_grows_with_the_size(self):
        self.assertEqual(600, common.status_timeout())
        self.assertEqual(600 + 60, common.data_timeout(0))
        self.assertEqual(600 + 10 * 60, common.data_timeout(10))

    def test_timeouts_are_configured(self):
        conf = self.useFixture(config_fixture.Config(CONF))
        conf.config(volume_status=100, volume_seconds_per_gib=5,
                    group='timeouts')
        self.assertEqual(100, common.status_timeout())
        self.assertEqual(100 + 3 * 5, common.data_timeout(3))


class TestSourceTypeId(unittest.TestCase):

    def setUp(self):
        types_ = {'t1': types.SimpleNamespace(id='t1', name='fast'),
                  't2': types.SimpleNamespace(id='t2', name='slow')}
        self.ctx = fakes.FakeContext(cache={'source:cinder:types': types_})

    def test_by_id_or_by_name(self):
        self.assertEqual('t1', common.source_type_id(self.ctx, 't1'))
        self.assertEqual('t2', common.source_type_id(self.ctx, 'slow'))
        self.assertIsNone(common.source_type_id(self.ctx, 'gone'))
        self.assertIsNone(common.source_type_id(self.ctx, None))


class TestWaitFor(unittest.TestCase):

    def setUp(self):
        patcher = mock.patch.object(common.time, 'sleep')
        self.sleep = patcher.start()
        self.addCleanup(patcher.stop)

    def states(self, *statuses):
        found = iter([types.SimpleNamespace(status=s) if s else None
                      for s in statuses])
        return lambda: next(found)

    def wait(self, load, timeout=60):
        return common.wait_for(load, lambda o: o.status == 'available',
                               lambda o: o.status == 'error', timeout,
                               'volume v1')

    def test_polls_until_ready(self):
        found = self.wait(self.states('creating', 'downloading',
                                      'available'))
        self.assertEqual('available', found.status)
        self.assertEqual(2, self.sleep.call_count)

    def test_failure_and_disappearance_raise(self):
        with self.assertRaisesRegex(sdk_exc.ResourceFailure,
                                    'volume v1 is error'):
            self.wait(self.states('creating', 'error'))
        with self.assertRaises(sdk_exc.ResourceNotFound):
            self.wait(self.states('creating', None))

    def test_times_out(self):
        with mock.patch.object(common.time, 'monotonic',
                               side_effect=[0, 10, 70]):
            with self.assertRaisesRegex(sdk_exc.ResourceTimeout,
                                        'still creating after 60 s'):
                self.wait(lambda: types.SimpleNamespace(status='creating'))

    def test_a_transient_fault_is_one_more_poll(self):
        answers = iter([types.SimpleNamespace(status='creating'),
                        ksa_exc.ConnectFailure('reset'),
                        sdk_exc.HttpException('busy', http_status=503),
                        types.SimpleNamespace(status='available')])

        def load():
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

        self.assertEqual('available', self.wait(load).status)

    def test_a_transient_fault_when_the_time_is_up_is_raised(self):
        def load():
            raise ksa_exc.ConnectTimeout('timed out')

        with mock.patch.object(common.time, 'monotonic',
                               side_effect=[0, 10, 70]):
            self.assertRaises(ksa_exc.ConnectTimeout, self.wait, load)

    def test_other_errors_are_raised_at_once(self):
        def load():
            raise sdk_exc.HttpException('no', http_status=400)

        self.assertRaises(sdk_exc.HttpException, self.wait, load)
        self.sleep.assert_not_called()
