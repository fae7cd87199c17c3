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

"""The task manager: who holds a migration or a host, on a real database."""

import socket
import subprocess
import sys

from pumphouse.common import exception
from pumphouse.conductor import task_manager
from pumphouse.db import migration_api
from pumphouse.db import owner_api
from pumphouse.engine import states
from pumphouse.tests import base
from pumphouse.tests.unit.conductor import test_migrations as work


class TaskManagerTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        work.register_cloud('src')
        work.register_cloud('dst')

    def command_process(self, *argv: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, '-c',
                                    'import time; time.sleep(60)', *argv])
        self.addCleanup(process.wait)
        self.addCleanup(process.kill)
        return process

    def held_by_command(self, pid: int):
        name = f'cli-{socket.gethostname()}-{pid}'
        owner_api.register_owner(name, owner_api.COMMAND)
        return name, work.make_migration(states.RUNNING, owner=name)


class TestAcquire(TaskManagerTestCase):

    def test_held_within_the_block_and_released_after(self):
        migration = work.make_migration()
        owner_api.register_owner('c1', owner_api.CONDUCTOR)
        with task_manager.acquire(task_manager.MIGRATION, migration.uuid,
                                  'c1') as held:
            self.assertEqual('c1', held.owner)
            self.assertTrue(task_manager.holds(task_manager.MIGRATION,
                                               migration.uuid, 'c1'))
            self.assertRaises(exception.MigrationBusy, task_manager.reserve,
                              task_manager.MIGRATION, migration.uuid, 'c2')
        self.assertIsNone(migration_api.get_migration(migration.uuid).owner)

    def test_released_when_the_work_fails(self):
        migration = work.make_migration()
        with self.assertRaises(RuntimeError):
            with task_manager.acquire(task_manager.MIGRATION,
                                      migration.uuid, 'c1'):
                raise RuntimeError('boom')
        self.assertIsNone(migration_api.get_migration(migration.uuid).owner)

    def test_work_taken_over_meanwhile_is_left_to_its_new_owner(self):
        migration = work.make_migration()
        with task_manager.acquire(task_manager.MIGRATION, migration.uuid,
                                  'c1'):
            migration_api.update_migration(migration.uuid, {'owner': 'c2'})
        self.assertEqual('c2', migration_api.get_migration(
            migration.uuid).owner)


class TestCommandsOfThisMachine(TaskManagerTestCase):
    """A command that no longer runs here is gone at once."""

    def test_dead_command_is_gone_at_once(self):
        process = self.command_process('pumphouse')
        process.kill()
        process.wait()
        name, migration = self.held_by_command(process.pid)
        held = task_manager.reserve(task_manager.MIGRATION, migration.uuid,
                                    'c1')
        self.assertEqual('c1', held.owner)
        self.assertNotIn(name, owner_api.list_live_owners())

    def test_running_command_keeps_its_work(self):
        process = self.command_process('pumphouse')
        name, migration = self.held_by_command(process.pid)
        error = self.assertRaises(exception.MigrationBusy,
                                  task_manager.reserve,
                                  task_manager.MIGRATION, migration.uuid,
                                  'c1')
        self.assertIn(name, str(error))

    def test_a_reused_process_number_is_not_the_command(self):
        process = self.command_process('something-else')
        _name, migration = self.held_by_command(process.pid)
        held = task_manager.reserve(task_manager.MIGRATION, migration.uuid,
                                    'c1')
        self.assertEqual('c1', held.owner)

    def test_a_command_of_another_machine_keeps_its_work(self):
        owner_api.register_owner('cli-elsewhere-1', owner_api.COMMAND)
        migration = work.make_migration(states.RUNNING,
                                        owner='cli-elsewhere-1')
        self.assertRaises(exception.MigrationBusy, task_manager.reserve,
                          task_manager.MIGRATION, migration.uuid, 'c1')
