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

"""The runner's state rules, which hold before any cloud is contacted."""

from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.tests import base

SELECTION = {'workload': {'kind': 'project', 'names': ['demo']}}


class TestRunner(base.TestCase):

    def setUp(self):
        super().setUp()
        for name in ('src', 'dst'):
            db_api.create_cloud({'name': name, 'config': {'cloud': name},
                                 'credentials': None})

    def create(self, **options):
        return runner.create('src', 'dst', SELECTION, options,
                             project_id='p')

    def test_configured_password_mode_is_recorded(self):
        self.config(password_mode='copy_hash', group='identity')
        self.assertEqual('copy_hash', self.create().options['password_mode'])
        self.assertEqual('reset', self.create(
            password_mode='reset').options['password_mode'])

    def test_same_cloud_twice_is_refused(self):
        self.assertRaises(exception.Invalid, runner.create, 'src', 'src',
                          SELECTION, {}, project_id='p')

    def test_bad_selection_is_refused(self):
        self.assertRaises(exception.Invalid, runner.create, 'src', 'dst',
                          {'workload': {'kind': 'project', 'names': ['x']},
                           'strategies': {'identity.user': 'public'}},
                          {}, project_id='p')

    def test_a_migration_without_plan_cannot_start(self):
        migration = self.create()
        migration_api.update_migration(migration.uuid, {'state': 'failed'})
        self.assertRaises(exception.MigrationHasNoPlan, runner.start,
                          migration.uuid)

    def test_a_planned_migration_is_not_planned_again(self):
        migration = self.create()
        migration_api.add_plan_items(migration.id, [{
            'key': 'a', 'depends_on': [], 'resource_type': 'identity.role',
            'source_id': 'r', 'source_name': 'r', 'action': 'create',
            'state': 'pending', 'details': {}}])
        migration_api.update_migration(migration.uuid, {'state': 'failed'})
        self.assertRaises(exception.InvalidStateTransition, runner.plan,
                          migration.uuid)

    def test_start_refuses_conflicts(self):
        migration = self.create()
        migration_api.add_plan_items(migration.id, [{
            'key': 'a', 'depends_on': [], 'resource_type': 'identity.role',
            'source_id': 'r', 'source_name': 'r', 'action': 'conflict',
            'state': 'pending', 'details': {}}])
        migration_api.update_migration(migration.uuid, {'state': 'planned'})
        error = self.assertRaises(exception.PlanConflict, runner.start,
                                  migration.uuid)
        self.assertIn('identity.role r', str(error))
        self.assertEqual('planned',
                         migration_api.get_migration(migration.uuid).state)

    def _planned_with_failed_check(self, **options):
        migration = self.create(**options)
        migration_api.add_plan_items(migration.id, [{
            'key': 'a', 'depends_on': [], 'resource_type': 'identity.role',
            'source_id': 'r', 'source_name': 'r', 'action': 'create',
            'state': 'pending', 'details': {}}])
        return migration_api.update_migration(migration.uuid, {
            'state': 'planned', 'checks': [
                {'name': 'quota:demo:network.port', 'category': 'quota',
                 'status': 'failed', 'message': 'needs 3, 2 free'},
                {'name': 'addresses:public:203.0.113.5',
                 'category': 'addresses', 'status': 'warning',
                 'message': 'taken'}]})

    def test_start_refuses_failed_checks(self):
        migration = self._planned_with_failed_check()
        error = self.assertRaises(exception.PreCheckFailed, runner.start,
                                  migration.uuid)
        self.assertIn('quota:demo:network.port: needs 3, 2 free',
                      str(error))
        self.assertEqual('planned',
                         migration_api.get_migration(migration.uuid).state)

    def test_failed_check_overridden_when_starting_is_recorded(self):
        migration = self._planned_with_failed_check()
        started = runner.start(migration.uuid, override_checks=['quota'])
        self.assertEqual('running', started.state)
        self.assertEqual(['quota'], started.options['override_checks'])

    def test_failed_check_overridden_by_option(self):
        migration = self._planned_with_failed_check(
            override_checks=['quota:demo:network.port'])
        self.assertEqual('running', runner.start(migration.uuid).state)
