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

"""The host flow: checkpoints, failures, resume and revert, with the
steps replaced by recorders (the real steps talk to clouds; they are
exercised by the functional tests)."""

from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ksa_exc

from pumphouse.common import exception
from pumphouse.db import host_api
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import states
from pumphouse.hosts import views
from pumphouse.tests import base
from pumphouse.tests.unit.conductor import test_migrations as work


class Recorder:
    """Steps that record their calls and fail where told."""

    def __init__(self, fail_at=()):
        self.calls = []
        self.fail_at = list(fail_at)

    def step(self, name):
        def run(ctx):
            self.calls.append(name)
            assert ctx.step == name
            if name in self.fail_at:
                self.fail_at.remove(name)
                raise ctx.fail('the BMC does not answer')
        return run

    def steps(self):
        return {name: self.step(name) for name in flow._STEPS}


class FlowTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        work.register_cloud('src')
        work.register_cloud('dst')
        self.host = inventory.register({
            'name': 'compute-1', 'source': 'src', 'destination': 'dst',
            'power': {'driver': 'fake', 'info': {'id': 'm1'}},
            'provision': {'driver': 'fake', 'info': {}}})

    def run_flow(self, recorder, target):
        flow.request(self.host.uuid, target)
        with mock.patch.dict(flow._STEPS, recorder.steps()):
            return flow.run(self.host.uuid, conductor='c1')

    def log(self):
        return [(o.step, o.state) for o in
                host_api.list_operations(self.host.id) if o.state != 'info']


class TestFlow(FlowTestCase):

    def test_evacuate_runs_two_steps_and_clears_the_target(self):
        recorder = Recorder()
        host = self.run_flow(recorder, states.EVACUATED)
        self.assertEqual(['disable', 'evacuate'], recorder.calls)
        self.assertEqual((states.EVACUATED, None),
                         (host.state, host.target))
        self.assertEqual([('disable', 'running'), ('disable', 'done'),
                          ('evacuate', 'running'), ('evacuate', 'done'),
                          ('done', 'done')], self.log())

    def test_reassign_goes_on_from_evacuated(self):
        self.run_flow(Recorder(), states.EVACUATED)
        recorder = Recorder()
        host = self.run_flow(recorder, states.IN_DESTINATION)
        self.assertEqual(['remove', 'power', 'provision', 'join'],
                         recorder.calls)
        self.assertEqual(states.IN_DESTINATION, host.state)

    def test_failure_records_the_step_and_a_retry_resumes_there(self):
        recorder = Recorder(fail_at=['power'])
        with self.assertRaises(exception.HostStepFailed):
            self.run_flow(recorder, states.IN_DESTINATION)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.FAILED, 'power', None),
                         (host.state, host.failed_step, host.target))
        self.assertIn('the BMC does not answer', host.last_error)
        recorder.calls.clear()
        host = self.run_flow(recorder, states.IN_DESTINATION)
        self.assertEqual(['power', 'provision', 'join'], recorder.calls)
        self.assertEqual(states.IN_DESTINATION, host.state)
        self.assertIsNone(host.last_error)

    def test_unreachable_cloud_is_one_log_line_a_bug_a_traceback(self):
        # A cloud that does not answer is an operator's matter (found by
        # fuzzing: every evacuation towards a dead cloud logged one).
        def unreachable(ctx):
            raise ksa_exc.ConnectFailure('Unable to establish connection '
                                         'to http://k:5000/v3: refused')

        def buggy(ctx):
            raise KeyError('flavor')

        for step, expected in ((unreachable, False), (buggy, True)):
            logged = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
            flow.request(self.host.uuid, states.EVACUATED)
            with mock.patch.dict(flow._STEPS, {'disable': step}), \
                    self.assertRaises(exception.HostStepFailed):
                flow.run(self.host.uuid, conductor='c1')
            self.assertIn('step disable failed', logged.output)
            self.assertEqual(expected, 'Traceback' in logged.output)
            host_api.update_host(self.host.uuid, {
                'state': states.IN_SOURCE, 'failed_step': None})

    def test_crash_midway_reruns_the_step_under_way(self):
        """A process that died in evacuate left the host disabled with
        its target: the next run starts with evacuate again."""
        flow.request(self.host.uuid, states.IN_DESTINATION)
        host_api.update_host(self.host.uuid, {'state': states.DISABLED,
                                              'owner': 'dead'})
        recorder = Recorder()
        with mock.patch.dict(flow._STEPS, recorder.steps()):
            flow.run(self.host.uuid, conductor='c2')
        self.assertEqual(['evacuate', 'remove', 'power', 'provision',
                          'join'], recorder.calls)

    def test_an_interrupted_step_is_neither_done_nor_failed(self):
        """A step stopped short by its owner stopping (a migration left
        under way) leaves the host as it was, with its target: whoever
        runs the host next runs the step again."""
        def interrupted(ctx):
            raise flow.Interrupted('migration M is left running')

        flow.request(self.host.uuid, states.EVACUATED)
        steps = dict(Recorder().steps(), evacuate=interrupted)
        with mock.patch.dict(flow._STEPS, steps):
            host = flow.run(self.host.uuid, conductor='c1')
        self.assertEqual((states.DISABLED, states.EVACUATED, None, None),
                         (host.state, host.target, host.failed_step,
                          host.last_error))
        self.assertEqual([('disable', 'running'), ('disable', 'done'),
                          ('evacuate', 'running')], self.log())
        self.assertIn('evacuate: interrupted (migration M is left running)'
                      '; run again by the take-over',
                      host_api.list_operations(self.host.id)[-1].message)
        recorder = Recorder()
        with mock.patch.dict(flow._STEPS, recorder.steps()):
            host = flow.run(self.host.uuid, conductor='c2')
        self.assertEqual(['evacuate'], recorder.calls)
        self.assertEqual(states.EVACUATED, host.state)

    def test_enable_reverts_a_failed_evacuation(self):
        with self.assertRaises(exception.HostStepFailed):
            self.run_flow(Recorder(fail_at=['evacuate']), states.EVACUATED)
        recorder = Recorder()
        host = self.run_flow(recorder, states.IN_SOURCE)
        self.assertEqual(['enable'], recorder.calls)
        self.assertEqual(states.IN_SOURCE, host.state)

    def test_failed_enable_leaves_the_host_where_it_was(self):
        self.run_flow(Recorder(), states.EVACUATED)
        with self.assertRaises(exception.HostStepFailed):
            self.run_flow(Recorder(fail_at=['enable']), states.IN_SOURCE)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.EVACUATED, None), (host.state, host.target))

    def test_busy_host_refuses_a_new_target(self):
        work.fake_conductor('c9')
        host_api.update_host(self.host.uuid, {'owner': 'c9',
                                              'target': states.EVACUATED})
        with self.assertRaises(exception.HostBusy):
            flow.request(self.host.uuid, states.IN_DESTINATION)
        # Its owner may.
        flow.request(self.host.uuid, states.EVACUATED, owner='c9')

    def test_reassign_needs_the_drivers(self):
        bare = inventory.register({'name': 'compute-2', 'source': 'src'})
        with self.assertRaises(exception.Invalid) as caught:
            flow.request(bare.uuid, states.IN_DESTINATION)
        message = str(caught.exception)
        for what in ('power', 'provision', 'destination cloud'):
            self.assertIn(what, message)
        self.assertIsNone(host_api.get_host(bare.uuid).target)


class TestInventory(FlowTestCase):

    def test_secrets_are_encrypted_and_never_shown(self):
        host = inventory.register({
            'name': 'compute-3', 'source': 'src',
            'power': {'driver': 'ipmi', 'info': {
                'address': '127.0.0.1', 'port': 623, 'username': 'admin',
                'password': 'bmc-secret-0123'}},
            'macs': ['52:54:00:AA:BB:CC']})
        self.assertNotIn('bmc-secret-0123', host.power_info)
        view = views.view(host)
        self.assertNotIn('bmc-secret-0123', repr(view))
        self.assertEqual({'driver': 'ipmi', 'info': {
            'address': '127.0.0.1', 'port': 623, 'username': 'admin'}},
            view['power'])
        self.assertEqual(['52:54:00:aa:bb:cc'], view['macs'])

    def test_hosts_registered_before_are_described_once(self):
        """Rows from before the public info was kept get it from their
        driver; the view needs no driver."""
        host = inventory.register({
            'name': 'compute-4', 'source': 'src',
            'power': {'driver': 'ipmi', 'info': {
                'address': '127.0.0.1', 'username': 'admin',
                'password': 'bmc-secret-0456'}}})
        host_api.update_host(host.uuid, {'power_public': None})
        self.assertEqual({'driver': 'ipmi', 'info': {}},
                         views.view(host_api.get_host(host.uuid))['power'])

        self.assertEqual(1, inventory.describe_missing())
        self.assertEqual(0, inventory.describe_missing())
        view = views.view(host_api.get_host(host.uuid))
        self.assertEqual({'address': '127.0.0.1', 'username': 'admin'},
                         view['power']['info'])
        self.assertNotIn('bmc-secret-0456', repr(view))

    def test_an_undecryptable_host_does_not_stop_the_others(self):
        """A conductor starts (describe_missing) with a host whose info
        was stored with another key; the others are described."""
        hosts = [inventory.register({
            'name': name, 'source': 'src',
            'power': {'driver': 'ipmi', 'info': {
                'address': '127.0.0.1', 'username': 'admin',
                'password': 'bmc-secret-0456'}}})
            for name in ('compute-5', 'compute-6')]
        host_api.update_host(hosts[0].uuid, {'power_public': None,
                                             'power_info': 'not-a-token'})
        host_api.update_host(hosts[1].uuid, {'power_public': None})
        self.assertEqual(1, inventory.describe_missing())
        unreadable = views.view(host_api.get_host(hosts[0].uuid))
        self.assertIn('The power info of host compute-5 cannot be '
                      'decrypted', unreadable['info_error'])
        self.assertEqual({'address': '127.0.0.1', 'username': 'admin'},
                         views.view(host_api.get_host(hosts[1].uuid))
                         ['power']['info'])

    def test_bad_driver_info_is_refused_and_nothing_stored(self):
        with self.assertRaises(exception.InvalidHardwareInfo):
            inventory.register({'name': 'compute-4', 'source': 'src',
                                'power': {'driver': 'ipmi', 'info': {}}})
        with self.assertRaises(exception.HostNotFound):
            host_api.get_host('compute-4')

    def test_unknown_driver_is_400(self):
        with self.assertRaises(exception.Invalid):
            inventory.register({'name': 'compute-5', 'source': 'src',
                                'power': {'driver': 'nope'}})

    def test_name_is_unique_per_source(self):
        with self.assertRaises(exception.HostAlreadyRegistered):
            inventory.register({'name': 'compute-1', 'source': 'src'})
