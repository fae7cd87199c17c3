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

"""Waiting for a server's status through the faults of a cloud."""

import types
import unittest
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from oslo_config import fixture as config_fixture
from oslotest import base

from pumphouse.conf import CONF
from pumphouse.drivers.resources.compute import server_state


class TestPoll(unittest.TestCase):

    def setUp(self):
        patcher = mock.patch.object(server_state.time, 'sleep')
        self.sleep = patcher.start()
        self.addCleanup(patcher.stop)

    def test_a_transient_fault_is_one_more_poll(self):
        answers = iter([ksa_exc.ConnectFailure('reset'),
                        sdk_exc.HttpException('busy', http_status=502),
                        types.SimpleNamespace(status='ACTIVE',
                                              task_state=None)])

        def get_server(server_id):
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

        conn = mock.Mock()
        conn.compute.get_server.side_effect = get_server
        found = server_state.wait_for_status(conn, 's1', 'ACTIVE', 60)
        self.assertEqual('ACTIVE', found.status)
        self.assertEqual(2, self.sleep.call_count)

    def test_a_transient_fault_when_the_time_is_up_is_raised(self):
        def check():
            raise ksa_exc.ConnectTimeout('timed out')

        with mock.patch.object(server_state.time, 'monotonic',
                               side_effect=[0, 70]):
            self.assertRaises(ksa_exc.ConnectTimeout, server_state.poll,
                              check, 60, AssertionError)

    def test_other_errors_are_raised_at_once(self):
        def check():
            raise sdk_exc.NotFoundException('gone')

        self.assertRaises(sdk_exc.NotFoundException, server_state.poll,
                          check, 60, AssertionError)
        self.sleep.assert_not_called()


class TestPause(base.BaseTestCase):
    """Steady short pauses while a wait is young, then growing ones."""

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(CONF))

    def test_steady_then_growing(self):
        self.conf.config(server_poll_interval=0.5, group='timeouts')
        self.assertEqual(0.5, server_state.next_pause(0.5, 9.9))
        self.assertEqual(0.75, server_state.next_pause(0.5, 10.0))
        self.assertEqual(3.0, server_state.next_pause(2.5, 30.0))

    def test_a_long_interval_is_never_shortened(self):
        self.conf.config(server_poll_interval=5.0, group='timeouts')
        self.assertEqual(5.0, server_state.next_pause(5.0, 1.0))
        self.assertEqual(5.0, server_state.next_pause(5.0, 60.0))


def server(status='ACTIVE', task_state=None):
    return types.SimpleNamespace(id='s1', status=status,
                                 task_state=task_state)


class TestSettled(unittest.TestCase):
    """A task under way (an action whose answer a transient fault lost)
    is waited for before the next one is decided."""

    def setUp(self):
        patcher = mock.patch.object(server_state.time, 'sleep')
        patcher.start()
        self.addCleanup(patcher.stop)
        self.conn = mock.Mock()

    def answers(self, *found):
        found = iter(found)

        def get_server(server_id):
            answer = next(found)
            if answer is None:
                raise sdk_exc.NotFoundException(server_id)
            return answer

        self.conn.compute.get_server.side_effect = get_server

    def test_waits_for_the_task_to_end(self):
        self.answers(server('ACTIVE', 'suspending'),
                     server('ACTIVE', 'suspending'), server('SUSPENDED'))
        self.assertEqual('SUSPENDED',
                         server_state.settled(self.conn, 's1').status)

    def test_gone(self):
        self.answers(None)
        self.assertIsNone(server_state.settled(self.conn, 's1'))

    def test_a_lost_resume_is_not_sent_again(self):
        """bring_back after a resume whose answer was lost: the server is
        resuming; it ends ACTIVE without a second resume (a 409)."""
        self.answers(server('SUSPENDED', 'resuming'), server('ACTIVE'))
        self.assertFalse(server_state.bring_back(self.conn, 's1'))
        self.conn.compute.resume_server.assert_not_called()

    def test_a_task_that_does_not_end(self):
        self.conn.compute.get_server.return_value = server('ACTIVE',
                                                           'migrating')
        with mock.patch.object(server_state.time, 'monotonic',
                               side_effect=[0, 1, 400, 400]):
            with self.assertRaisesRegex(server_state.ServerTimeout,
                                        'task migrating'):
                server_state.settled(self.conn, 's1', timeout=300)
