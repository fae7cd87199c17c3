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

"""Host work in conductors: casts, and the take-over of a dead
conductor's host at the step it had reached (steps replaced by
recorders; the real ones are exercised by the functional tests)."""

import threading
from concurrent import futures
from unittest import mock

from pumphouse.common import context
from pumphouse.conductor import dispatch
from pumphouse.conductor import host_work
from pumphouse.conductor import migration_work
from pumphouse.conductor import rpcapi
from pumphouse.conductor import task_manager
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.engine import states as migration_states
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import states
from pumphouse.tests.unit.conductor import test_migrations as work
from pumphouse.tests.unit.hosts import test_flow


class HostWorkTestCase(work.MigrationWorkTestCase):

    def setUp(self):
        super().setUp()
        self.recorder = test_flow.Recorder()
        patcher = mock.patch.dict(flow._STEPS, self.recorder.steps())
        patcher.start()
        self.addCleanup(patcher.stop)
        self.host = inventory.register({
            'name': 'compute-1', 'source': 'src', 'destination': 'dst',
            'power': {'driver': 'fake', 'info': {'id': 'm1'}},
            'provision': {'driver': 'fake', 'info': {}}})

    def wait_for_state(self, state):
        return work.wait_for(lambda: (h := host_api.get_host(
            self.host.uuid)).state == state and h.owner is None and h)


class TestHostWork(HostWorkTestCase):

    def test_cast_runs_the_flow_on_a_conductor(self):
        self.start_conductor('conductor-a')
        flow.request(self.host.uuid, states.EVACUATED)
        rpcapi.ConductorAPI().reassign_host(context.get_admin_context(),
                                            self.host.uuid)
        host = self.wait_for_state(states.EVACUATED)
        self.assertTrue(host, host_api.get_host(self.host.uuid))
        self.assertEqual(['disable', 'evacuate'], self.recorder.calls)
        self.assertEqual({'conductor-a'}, {
            o.conductor for o in host_api.list_operations(self.host.id)})

    def test_dead_conductors_host_resumes_at_its_step(self):
        conductor_a = self.start_conductor('conductor-a')
        conductor_b = self.start_conductor('conductor-b')
        self.crash(conductor_a)
        # A died in the power step: the host had been removed.
        flow.request(self.host.uuid, states.IN_DESTINATION)
        host_api.update_host(self.host.uuid, {'state': states.REMOVED})
        task_manager.reserve(task_manager.HOST, self.host.uuid, 'conductor-a')
        # Its heartbeat is still fresh: nobody may take it yet.
        self.assertEqual([], conductor_b.manager.hosts.take_over())
        host = self.wait_for_state(states.IN_DESTINATION)
        self.assertTrue(host, host_api.get_host(self.host.uuid))
        self.assertEqual(['power', 'provision', 'join'],
                         self.recorder.calls)
        self.assertEqual({'conductor-b'}, {
            o.conductor for o in host_api.list_operations(self.host.id)
            if o.step == 'power'})

    def test_failed_and_finished_hosts_are_left_alone(self):
        conductor = self.start_conductor('conductor-a')
        host_api.update_host(self.host.uuid, {'state': states.FAILED,
                                              'failed_step': 'power'})
        self.assertEqual([], conductor.manager.hosts.take_over())
        self.assertEqual([], self.recorder.calls)


class TestStop(HostWorkTestCase):
    """A stopping conductor leaves its hosts before their next step."""

    def test_the_host_is_left_at_its_step_for_the_take_over(self):
        conductor = self.start_conductor('conductor-a')
        proceed = threading.Event()
        disable = self.recorder.step('disable')

        def slow_disable(ctx):
            disable(ctx)
            proceed.wait(10)

        patcher = mock.patch.dict(flow._STEPS, {'disable': slow_disable})
        patcher.start()
        self.addCleanup(patcher.stop)
        flow.request(self.host.uuid, states.EVACUATED)
        self.assertIsNotNone(conductor.manager.hosts.submit(self.host.uuid))
        self.assertTrue(work.wait_for(
            lambda: self.recorder.calls == ['disable']))
        running = conductor.manager.hosts.stop()
        proceed.set()
        _done, left = futures.wait(running, timeout=10)
        self.assertEqual(set(), left)
        host = host_api.get_host(self.host.uuid)
        self.assertEqual((states.DISABLED, states.EVACUATED, None,
                          'conductor-a'),
                         (host.state, host.target, host.failed_step,
                          host.owner))
        self.assertEqual(['disable'], self.recorder.calls)

        conductor.stop()
        self.start_conductor('conductor-b')
        self.assertTrue(self.wait_for_state(states.EVACUATED))
        self.assertEqual(['disable', 'evacuate'], self.recorder.calls)

    def test_a_step_running_a_migration_is_interrupted_not_failed(self):
        work.fake_conductor('conductor-a')
        migrations = dispatch.Dispatcher(
            task_manager.MIGRATION, 'conductor-a', 1, migration_work.work,
            expected=runner.EXPECTED_ERRORS)
        migration = work.make_migration(migration_states.RUNNING)
        work.add_role_item(migration)
        migrations.stop()
        run = host_work.migration_runner(migrations,
                                         migrations.stopping.is_set)
        error = self.assertRaises(flow.Interrupted, run, migration.uuid)
        self.assertEqual(f'migration {migration.uuid} is left running',
                         str(error))
        migration = migration_api.get_migration(migration.uuid)
        self.assertEqual((migration_states.RUNNING, 'conductor-a'),
                         (migration.state, migration.owner))
        [item] = migration_api.list_plan_items(migration.id)
        self.assertEqual(('pending', 0), (item.state, item.attempts))
