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

"""Migration work in the conductor: casts, reservation and take-over.

The engine runs for real; the clouds are unreachable (nothing listens on
127.0.0.1:1), so a migration that needs them ends ``failed`` with the
connection error, which shows which conductor picked it up and when.
"""

import datetime
import threading
import time

import fixtures
import tenacity
from oslo_utils import timeutils

from pumphouse.common import cloud_config
from pumphouse.common import context
from pumphouse.common import exception
from pumphouse.conductor import dispatch
from pumphouse.conductor import rpcapi
from pumphouse.conductor import service as conductor_service
from pumphouse.conductor import task_manager
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import models
from pumphouse.db import owner_api
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.engine import states
from pumphouse.tests import base

UNREACHABLE = 'http://127.0.0.1:1/v3'
REFUSED = 'Unable to establish connection to http://127.0.0.1:1/v3'


def register_cloud(name: str, auth_url: str = UNREACHABLE):
    body = {'name': name,
            'auth': {'auth_url': auth_url, 'username': 'admin',
                     'password': 'pw', 'user_domain_name': 'Default',
                     'project_name': 'admin',
                     'project_domain_name': 'Default'}}
    config, secret = cloud_config.split_registration(body)
    return db_api.create_cloud({'name': name, 'config': config,
                                'credentials': secret})


def make_migration(state: str = states.PLANNING, project_id: str = 'demo',
                   owner: str | None = None, **values):
    """A migration row between the clouds ``src`` and ``dst``."""
    migration = runner.create('src', 'dst', {'workload': {
        'kind': 'project', 'names': ['p1']}}, None, project_id=project_id,
        user_id='u1', name=values.pop('name', None))
    values.update(state=state, owner=owner)
    return migration_api.update_migration(migration.uuid, values)


def add_role_item(migration, state: str = 'pending',
                  destination_id: str | None = None,
                  action: str = 'create') -> None:
    resource = res.Resource('identity.role', 'r1', 'auditor',
                            {'name': 'auditor', 'domain': None,
                             'description': '', 'options': {}})
    migration_api.add_plan_items(migration.id, [{
        'key': 'identity.role:r1', 'depends_on': [],
        'resource_type': 'identity.role', 'source_id': 'r1',
        'source_name': 'auditor', 'action': action, 'state': state,
        'destination_id': destination_id,
        'details': resource.to_details()}])


def fake_conductor(hostname: str, age: float = 0,
                   kind: str = owner_api.CONDUCTOR) -> None:
    """An owner row whose last heartbeat is ``age`` seconds old."""
    owner_api.register_owner(hostname, kind, update_existing=True)
    with db_api._writer() as session:
        session.query(models.Owner).filter_by(name=hostname).update(
            {'heartbeat_at': timeutils.utcnow()
             - datetime.timedelta(seconds=age)})


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    return predicate()


def wait_for_state(uuid: str, *wanted: str, timeout: float = 15.0):
    """The migration once it is in a ``wanted`` state and released."""
    def done():
        migration = migration_api.get_migration(uuid)
        return (migration if migration.state in wanted
                and migration.owner is None else None)
    found = wait_for(done, timeout)
    if not found:
        migration = migration_api.get_migration(uuid)
        raise AssertionError(f'migration is {migration.state} on '
                             f'{migration.owner}, not {wanted}')
    return found


def events(migration, event_type: str) -> list:
    return [e for e in migration_api.list_events(migration.id)
            if e.event_type == event_type]


class MigrationWorkTestCase(base.RPCTestCase):
    """Unreachable clouds ``src`` and ``dst``; conductors started at will."""

    def setUp(self):
        super().setUp()
        # The tests start their own conductors, configured as they need.
        self.conductor.stop()
        # The clouds are unreachable: fail at once, without retries.
        self.config(api_retries=0, group='clouds')
        self.config(heartbeat_interval=1, heartbeat_timeout=4,
                    takeover_interval=1, graceful_shutdown_timeout=10,
                    item_retries=0, group='conductor')
        register_cloud('src')
        register_cloud('dst')

    def start_conductor(self, host: str):
        conductor = conductor_service.ConductorService(host)
        conductor.start()
        self.addCleanup(conductor.stop)
        return conductor

    def crash(self, conductor) -> None:
        """Stop serving and heart-beating, without marking it offline."""
        conductor._stop.set()
        conductor.owner._stop.set()
        conductor._server.stop()
        conductor._server.wait()


class TestCasts(MigrationWorkTestCase):

    def setUp(self):
        super().setUp()
        self.start_conductor('conductor-a')
        self.rpcapi = rpcapi.ConductorAPI()
        self.ctx = context.get_admin_context()

    def test_plan_is_worked_on_by_the_conductor(self):
        migration = make_migration()
        with self.assertLogs('pumphouse.conductor', 'INFO') as logs:
            self.rpcapi.plan_migration(self.ctx, migration.uuid)
            failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertIn(REFUSED, failed.last_error)
        self.assertEqual(1, len(events(migration, 'failed')))
        self.assertTrue(any(f'Migration {migration.uuid} stopped: Unable '
                            'to establish connection' in line
                            for line in logs.output), logs.output)
        self.assertNotIn('Traceback', '\n'.join(logs.output))

    def test_run_applies_and_verifies(self):
        migration = make_migration(states.RUNNING)
        add_role_item(migration, state='skipped', action='skip')
        self.rpcapi.run_migration(self.ctx, migration.uuid)
        completed = wait_for_state(migration.uuid, states.COMPLETED)
        self.assertEqual({'checked': 0, 'differences': [],
                          'not_migrated': []}, completed.report)

    def test_run_with_items_fails_them_on_the_unreachable_cloud(self):
        migration = make_migration(states.RUNNING,
                                   options={'apply_workers': 1})
        add_role_item(migration)
        self.rpcapi.run_migration(self.ctx, migration.uuid)
        failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertEqual('Not every item was migrated: 1 failed',
                         failed.last_error)
        [item] = migration_api.list_plan_items(migration.id)
        self.assertIn(REFUSED, item.error)
        self.assertEqual(1, item.attempts)
        self.assertTrue(any('with 1 workers' in e.message
                            for e in events(migration, 'apply')))

    def test_cast_in_the_wrong_state_does_nothing(self):
        migration = make_migration(states.PLANNED)
        with self.assertLogs('pumphouse.conductor', 'INFO') as logs:
            self.rpcapi.run_migration(self.ctx, migration.uuid)
            self.assertTrue(wait_for(lambda: any(
                'is planned: nothing to do' in line
                for line in logs.output)))
        # Released just after the line is logged.
        migration = wait_for(lambda: (lambda m: m if m.owner is None
                                      else None)(
            migration_api.get_migration(migration.uuid)))
        self.assertEqual(states.PLANNED, migration.state)

    def test_migration_of_a_live_conductor_is_left_alone(self):
        fake_conductor('conductor-z')
        migration = make_migration(owner='conductor-z')
        with self.assertLogs('pumphouse.conductor', 'INFO') as logs:
            self.rpcapi.plan_migration(self.ctx, migration.uuid)
            self.assertTrue(wait_for(lambda: any(
                'worked on by conductor-z' in line
                for line in logs.output)))
        migration = migration_api.get_migration(migration.uuid)
        self.assertEqual((states.PLANNING, 'conductor-z'),
                         (migration.state, migration.owner))

    def test_cast_without_conductor_does_not_raise(self):
        migration = make_migration()
        with db_api._writer() as session:
            session.query(models.Owner).update({'online': False})
        with self.assertLogs('pumphouse.conductor.rpcapi', 'WARNING') as logs:
            self.rpcapi.plan_migration(self.ctx, migration.uuid)
        self.assertIn('the first conductor to run its take-over will do it',
                      logs.output[0])


class TestTakeOver(MigrationWorkTestCase):
    """A second conductor resumes what a dead one had."""

    def test_dead_conductors_planning_is_taken_over(self):
        conductor_a = self.start_conductor('conductor-a')
        conductor_b = self.start_conductor('conductor-b')
        self.crash(conductor_a)
        # Conductor A had reserved it when it crashed.
        migration = make_migration()
        task_manager.reserve(task_manager.MIGRATION, migration.uuid,
                             'conductor-a')
        # Its heartbeat is still fresh: nobody may take it yet.
        self.assertEqual([], conductor_b.manager.migrations.take_over())
        self.assertEqual('conductor-a', migration_api.get_migration(
            migration.uuid).owner)
        failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertIn(REFUSED, failed.last_error)
        [takeover] = events(migration, 'takeover')
        self.assertEqual('conductor-b', takeover.conductor)
        self.assertIn('conductor conductor-a stopped heart-beating',
                      takeover.message)

    def test_running_migration_is_resumed(self):
        fake_conductor('conductor-dead', age=3600)
        migration = make_migration(states.RUNNING,
                                   owner='conductor-dead')
        add_role_item(migration)
        self.start_conductor('conductor-b')
        failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertEqual('Not every item was migrated: 1 failed',
                         failed.last_error)
        [item] = migration_api.list_plan_items(migration.id)
        self.assertIn(REFUSED, item.error)

    def test_interrupted_verification_is_done_again(self):
        fake_conductor('conductor-dead', age=3600)
        migration = make_migration(states.VERIFYING,
                                   owner='conductor-dead')
        add_role_item(migration, state='done', destination_id='R1')
        self.start_conductor('conductor-b')
        failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertIn(REFUSED, failed.last_error)
        self.assertTrue(any('verifying again' in e.message
                            for e in events(migration, 'verify')))

    def test_unclaimed_migration_is_taken(self):
        migration = make_migration()
        self.start_conductor('conductor-b')
        wait_for_state(migration.uuid, states.FAILED)
        [takeover] = events(migration, 'takeover')
        self.assertIn('no conductor had it', takeover.message)

    def test_restarted_conductor_resumes_its_own(self):
        # Crashed and restarted before its heartbeat went stale.
        fake_conductor('conductor-a')
        migration = make_migration(owner='conductor-a')
        self.start_conductor('conductor-a')
        wait_for_state(migration.uuid, states.FAILED)
        [takeover] = events(migration, 'takeover')
        self.assertEqual('conductor-a', takeover.conductor)
        self.assertIn('before it was restarted', takeover.message)

    def test_finished_migrations_are_not_touched(self):
        fake_conductor('conductor-dead', age=3600)
        finished = [make_migration(state, owner='conductor-dead')
                    for state in (states.PLANNED, states.COMPLETED,
                                  states.FAILED, states.CANCELLED)]
        conductor = self.start_conductor('conductor-b')
        self.assertEqual([], conductor.manager.migrations.take_over())
        for migration in finished:
            self.assertEqual([], events(migration, 'takeover'))


class TestWorkers(MigrationWorkTestCase):

    def test_busy_conductor_leaves_work_for_the_take_over(self):
        # Its own periodic take-over (run once at start, before the
        # migration exists) must not race the one called here.
        self.config(workers=1, takeover_interval=3600, group='conductor')
        manager = self.start_conductor('conductor-a').manager
        migration = make_migration()
        # Its one worker is busy with another migration.
        manager.migrations._slots.acquire()
        self.assertIsNone(manager.migrations.submit(migration.uuid))
        self.assertIsNone(migration_api.get_migration(
            migration.uuid).owner)
        manager.migrations._slots.release()
        self.assertEqual([migration.uuid], manager.migrations.take_over())
        wait_for_state(migration.uuid, states.FAILED)

    def test_stopped_conductor_takes_no_work(self):
        conductor = self.start_conductor('conductor-a')
        conductor.stop()
        migration = make_migration()
        self.assertIsNone(conductor.manager.migrations.submit(
            migration.uuid))


class TestStop(MigrationWorkTestCase):
    """A stopping conductor tells its work to stop between items and
    leaves the rest held, for the take-over."""

    def dispatcher(self, work):
        fake_conductor('conductor-a')
        dispatcher = dispatch.Dispatcher(task_manager.MIGRATION,
                                         'conductor-a', 1, work)
        dispatcher.start()
        return dispatcher

    def test_stop_is_seen_by_the_work_under_way(self):
        under_way = threading.Event()
        seen = []

        def work(row, owner, reason, stopping):
            under_way.set()
            seen.append(stopping.wait(10))
            return row

        dispatcher = self.dispatcher(work)
        migration = make_migration(states.RUNNING)
        future = dispatcher.submit(migration.uuid)
        self.assertTrue(under_way.wait(10))
        self.assertEqual([future], dispatcher.stop())
        future.result(timeout=10)
        self.assertEqual([True], seen)
        # Still running: held by its owner, for the take-over (another
        # conductor once this one is gone, or this one restarted).
        migration = migration_api.get_migration(migration.uuid)
        self.assertEqual((states.RUNNING, 'conductor-a'),
                         (migration.state, migration.owner))
        self.assertEqual(
            [(migration.uuid, 'it had it before it was restarted')],
            task_manager.takeable(task_manager.MIGRATION, 'conductor-a'))
        # Started again, its new work is not told to stop.
        dispatcher.start()
        self.assertFalse(dispatcher.stopping.is_set())

    def test_work_finished_while_stopping_is_released(self):
        def work(row, owner, reason, stopping):
            stopping.wait(10)
            return migration_api.update_migration(
                row.uuid, {'state': states.COMPLETED})

        dispatcher = self.dispatcher(work)
        migration = make_migration(states.RUNNING)
        future = dispatcher.submit(migration.uuid)
        dispatcher.stop()
        future.result(timeout=10)
        self.assertIsNone(migration_api.get_migration(migration.uuid).owner)

    def test_an_item_waiting_to_be_retried_is_left_pending(self):
        self.config(item_retries=3, item_retry_delay=30,
                    item_retry_max_delay=30, group='conductor')
        # tenacity's jitter at the top of its range: a 30 s pause.
        self.useFixture(fixtures.MockPatchObject(
            tenacity.wait.random, 'uniform',
            side_effect=lambda low, high: high))
        conductor = self.start_conductor('conductor-a')
        migration = make_migration(states.RUNNING,
                                   options={'apply_workers': 1})
        add_role_item(migration)
        rpcapi.ConductorAPI().run_migration(context.get_admin_context(),
                                            migration.uuid)
        # The item failed on the unreachable cloud and waits 30 s.
        self.assertTrue(wait_for(lambda: any(
            'attempt 2/4 in 30.0 s' in e.message
            for e in events(migration, 'retry'))))
        started = time.monotonic()
        with self.assertLogs('pumphouse', 'INFO') as logs:
            conductor.stop()
        self.assertLess(time.monotonic() - started, 5)
        self.assertNotIn('Traceback', '\n'.join(logs.output))
        stopped = migration_api.get_migration(migration.uuid)
        self.assertEqual((states.RUNNING, 'conductor-a', None),
                         (stopped.state, stopped.owner, stopped.last_error))
        [item] = migration_api.list_plan_items(migration.id)
        self.assertEqual(('pending', 1), (item.state, item.attempts))
        self.assertEqual(1, len(events(migration, 'left')))
        [stopping] = events(migration, 'stopped')
        self.assertIn('conductor-a is stopping', stopping.message)
        self.assertEqual([], events(migration, 'failed'))

        # Another conductor resumes it (and fails it on the unreachable
        # cloud at once).
        self.config(item_retries=0, group='conductor')
        self.start_conductor('conductor-b')
        failed = wait_for_state(migration.uuid, states.FAILED)
        self.assertEqual('Not every item was migrated: 1 failed',
                         failed.last_error)
        [item] = migration_api.list_plan_items(migration.id)
        self.assertEqual(2, item.attempts)
        [takeover] = events(migration, 'takeover')
        self.assertEqual('conductor-b', takeover.conductor)
        self.assertIn('conductor conductor-a stopped heart-beating',
                      takeover.message)


class TestCommandOwners(MigrationWorkTestCase):
    """What a command-line process holds is never taken while it lives."""

    def test_live_command_owner_keeps_its_migration(self):
        fake_conductor('cli-host-1', kind=owner_api.COMMAND)
        migration = make_migration(states.RUNNING, owner='cli-host-1')
        add_role_item(migration)
        conductor = self.start_conductor('conductor-b')
        self.assertEqual([], conductor.manager.migrations.take_over())
        time.sleep(1.5)  # a periodic take-over ran meanwhile
        migration = migration_api.get_migration(migration.uuid)
        self.assertEqual((states.RUNNING, 'cli-host-1'),
                         (migration.state, migration.owner))
        self.assertEqual([], events(migration, 'takeover'))

    def test_dead_command_owners_migration_is_taken_over(self):
        fake_conductor('cli-host-1', age=3600, kind=owner_api.COMMAND)
        migration = make_migration(states.RUNNING, owner='cli-host-1')
        add_role_item(migration)
        self.start_conductor('conductor-b')
        wait_for_state(migration.uuid, states.FAILED)
        [takeover] = events(migration, 'takeover')
        self.assertIn('command cli-host-1 stopped heart-beating',
                      takeover.message)

    def test_command_owner_is_not_a_conductor_for_the_api(self):
        fake_conductor('cli-host-1', kind=owner_api.COMMAND)
        self.assertEqual([], owner_api.list_live_conductors())
        self.assertRaises(exception.NoConductorAvailable,
                          rpcapi.ConductorAPI().validate_cloud,
                          context.get_admin_context(), 'x')
