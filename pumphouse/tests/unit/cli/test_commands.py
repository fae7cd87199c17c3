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

"""Commands on the local state, and the error paths of those that need
clouds (taken before any cloud is contacted)."""

import argparse
import json
import os

from pumphouse.cli import app
from pumphouse.cli import errors
from pumphouse.cli import parser
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.db import owner_api
from pumphouse.tests import base
from pumphouse.tests.unit.cli import utils

WORKLOAD = ['--source', 'source', '--destination', 'destination',
            'project', 'web']


class CommandTestCase(base.TestCase):

    terminal = False
    answer = ''

    def setUp(self):
        super().setUp()
        self.console = self.useFixture(utils.Console(self.answer,
                                                     self.terminal))

    def run_command(self, *argv: str) -> int:
        return app.run(parser.build_parser().parse_args(argv),
                       configure=False)

    @property
    def stdout(self) -> str:
        return self.console.stdout.getvalue()

    @property
    def stderr(self) -> str:
        return self.console.stderr.getvalue()

    def assert_fails(self, status: int, message: str, *argv: str) -> None:
        self.assertEqual(status, self.run_command(*argv), self.stderr)
        self.assertIn(message, self.stderr)
        self.assertNotIn('Traceback', self.stderr)


class TestStatusCommands(CommandTestCase):

    def setUp(self):
        super().setUp()
        self.migration = utils.make_migration(
            items=[utils.PROJECT, utils.USER], name='first')

    def test_show(self):
        self.assertEqual(0, self.run_command('show', self.migration.uuid))
        self.assertIn(f'id               {self.migration.uuid}', self.stdout)
        self.assertIn('state            planned', self.stdout)
        self.assertIn('source           source', self.stdout)
        self.assertIn('workload         project: web', self.stdout)
        self.assertIn('items by action  2 create', self.stdout)
        self.assertIn('estimate         no estimate (planned before '
                      'estimates were made)', self.stdout)
        # Two items of 1 to 6 s, the user after its project.
        self.assertIn('time             2 s to 12 s left', self.stdout)
        self.assertIn('Not verified yet.', self.stdout)
        self.assertIn(' identity.user ', self.stdout)

    def test_show_json(self):
        migration_api.add_issued_password(self.migration.id, 'u1', 'd1',
                                          'alice', None, 'token')
        self.assertEqual(0, self.run_command('show', self.migration.uuid,
                                             '--format', 'json'))
        view = json.loads(self.stdout)
        self.assertEqual(('planned', 'destination', {'pending': 2}, 1),
                         (view['state'], view['destination'],
                          view['items']['by_state'],
                          view['passwords_available']))
        # The API's view, with the clouds by name.
        self.assertEqual({'kind': 'project', 'names': ['web']},
                         view['workload'])
        self.assertEqual(['identity.project', 'identity.user'],
                         [i['resource_type'] for i in view['plan']])
        self.assertNotIn('token', self.stdout)

    def test_show_dot(self):
        self.assertEqual(0, self.run_command('show', self.migration.uuid,
                                             '--format', 'dot'))
        self.assertTrue(self.stdout.startswith('digraph plan {'))
        self.assertIn('->', self.stdout)

    def test_show_unknown(self):
        self.assert_fails(errors.USAGE, 'Migration nope could not be found.',
                          'show', 'nope')

    def test_list_newest_last(self):
        second = migration_api.create_migration({
            'project_id': 'local', 'name': 'second', 'state': 'failed',
            'source_cloud_id': self.migration.source_cloud_id,
            'destination_cloud_id': self.migration.destination_cloud_id,
            'workload': self.migration.workload, 'options': {}})
        self.assertEqual(0, self.run_command('list'))
        lines = self.stdout.splitlines()
        self.assertIn(self.migration.uuid, lines[3])
        self.assertIn(second.uuid, lines[4])
        self.assertIn('| failed ', lines[4])

    def test_mappings(self):
        self.assertEqual(0, self.run_command('mappings'))
        self.assertIn('No mappings match.', self.stdout)
        item = migration_api.list_plan_items(self.migration.id)[1]
        migration_api.complete_plan_item(
            item, 'dst-u1', self.migration.source_cloud_id,
            self.migration.destination_cloud_id)
        self.assertEqual(0, self.run_command(
            'mappings', '--type', 'identity.user', '--source-id', 'u1',
            '--source', 'source'))
        self.assertIn('dst-u1', self.stdout)
        self.assertIn(self.migration.uuid, self.stdout)
        # Neither registered nor in clouds.yaml.
        self.assert_fails(errors.USAGE, "clouds.yaml has no usable entry "
                          "'elsewhere'", 'mappings', '--source', 'elsewhere')

    def test_events(self):
        migration_api.add_event(self.migration.id, 'plan', 'Plan: 2 create')
        self.assertEqual(0, self.run_command('events', self.migration.uuid))
        self.assertIn('INFO    plan: Plan: 2 create', self.stdout)

    def test_verify_a_planned_migration(self):
        self.assert_fails(errors.FAILED, 'is planned and cannot go to '
                          'verifying', 'verify', self.migration.uuid)


class TestRefusals(CommandTestCase):
    """Bad input stops the commands that need clouds before any cloud."""

    def setUp(self):
        super().setUp()
        clouds_yaml = os.path.join(self.state_path, 'clouds.yaml')
        with open(clouds_yaml, 'w') as f:
            f.write('clouds: {}\n')
        self.config(clouds_yaml=[clouds_yaml], group='clouds')

    def assert_nothing_stored(self):
        self.assertEqual([], migration_api.list_migrations())
        self.assertEqual([], db_api.list_clouds())

    def test_migrate_without_a_terminal(self):
        self.assert_fails(errors.USAGE, 'standard input is not a terminal. '
                          'Add --yes', 'migrate', *WORKLOAD)
        self.assert_nothing_stored()

    def test_unknown_cloud(self):
        self.assert_fails(errors.USAGE, "clouds.yaml has no usable entry "
                          "'source'", 'plan', *WORKLOAD)
        self.assert_nothing_stored()

    def test_unknown_type(self):
        self.assert_fails(errors.USAGE, "unknown resource type "
                          "'identity.server'", 'migrate', *WORKLOAD,
                          '--strategy', 'identity.server=all', '--dry-run')
        self.assert_nothing_stored()

    def test_bad_strategy(self):
        self.assert_fails(errors.USAGE, "does not support strategy 'public'",
                          'plan', *WORKLOAD, '--strategy',
                          'identity.project=public')
        self.assert_nothing_stored()

    def test_same_cloud_twice(self):
        utils.make_clouds()
        self.assert_fails(errors.USAGE, 'the source and the destination are '
                          'the same cloud', 'plan', '--source', 'source',
                          '--destination', 'source', 'project', 'web')
        self.assertEqual([], migration_api.list_migrations())


class TestResume(CommandTestCase):

    def test_without_a_terminal(self):
        migration = utils.make_migration(items=[utils.PROJECT])
        self.assert_fails(errors.USAGE, 'Refusing to resume without '
                          'confirmation', 'resume', migration.uuid)

    def test_completed(self):
        migration = utils.make_migration(state='completed',
                                         items=[utils.PROJECT])
        self.assert_fails(errors.FAILED, 'nothing to resume', 'resume',
                          migration.uuid, '--yes')

    def test_unknown(self):
        self.assert_fails(errors.USAGE, 'could not be found', 'resume',
                          'nope', '--yes')

    def test_failed_while_planning(self):
        migration = utils.make_migration(state='failed',
                                         last_error='no such project')
        self.assert_fails(errors.FAILED, 'has no plan (no such project)',
                          'resume', migration.uuid, '--yes')

    def test_conflicts(self):
        conflict = dict(utils.PROJECT, action='conflict',
                        destination_id='d1', details={'differences': {
                            'description': {'source': 'a',
                                            'destination': 'b'}}})
        migration = utils.make_migration(items=[conflict, utils.USER])
        self.assert_fails(errors.FAILED, 'The plan has 1 conflict(s)',
                          'resume', migration.uuid, '--yes')
        self.assertIn("conflict: identity.project web (destination d1): "
                      "description: 'a' in source, 'b' in destination",
                      self.stdout)
        self.assertEqual('planned',
                         migration_api.get_migration(migration.uuid).state)

    def test_refused_while_another_live_process_holds_it(self):
        owner_api.register_owner('cli-elsewhere-1', owner_api.COMMAND)
        migration = utils.make_migration(state='running',
                                         items=[utils.PROJECT],
                                         owner='cli-elsewhere-1')
        self.assert_fails(errors.FAILED, 'is being worked on by '
                          'cli-elsewhere-1', 'resume', migration.uuid,
                          '--yes')
        migration = migration_api.get_migration(migration.uuid)
        self.assertEqual(('running', 'cli-elsewhere-1'),
                         (migration.state, migration.owner))
        [item] = migration_api.list_plan_items(migration.id)
        self.assertEqual((0, 'pending'), (item.attempts, item.state))
        # This command's own owner is gone once it ends.
        self.assertEqual(['cli-elsewhere-1'], owner_api.list_live_owners())


class TestConfirmation(CommandTestCase):

    terminal = True
    answer = 'n\n'

    def test_declined(self):
        migration = utils.make_migration(items=[utils.PROJECT, utils.USER])
        self.assertEqual(errors.FAILED, self.run_command('resume',
                                                         migration.uuid))
        self.assertIn('(planned, 2 of 2 items left)? [y/N] ', self.stdout)
        self.assertIn('Nothing was changed.', self.stdout)
        self.assertEqual('planned',
                         migration_api.get_migration(migration.uuid).state)


class TestErrors(CommandTestCase):
    """Exit statuses of what the commands raise."""

    def run_raising(self, error: BaseException, debug: bool = False) -> int:
        def func(args):
            raise error
        return app.run(argparse.Namespace(func=func, debug=debug),
                       configure=False)

    def test_statuses(self):
        self.assertEqual(errors.INTERRUPTED,
                         self.run_raising(KeyboardInterrupt()))
        self.assertEqual(3, self.run_raising(errors.CommandError('x', 3)))
        self.assertEqual(errors.FAILED,
                         self.run_raising(RuntimeError('boom')))
        self.assertIn('Error: RuntimeError: boom', self.stderr)
        self.assertNotIn('Traceback', self.stderr)

    def test_traceback_with_debug(self):
        self.assertEqual(errors.FAILED,
                         self.run_raising(RuntimeError('boom'), debug=True))
        self.assertIn('Traceback', self.stderr)
        self.assertIn('Error: RuntimeError: boom', self.stderr)

    def test_no_command(self):
        self.assertEqual(errors.USAGE, app.main([]))
        self.assertIn('migrate', self.stdout)

    def test_passthrough_gets_the_oslo_command_line(self):
        called = []

        def serve(argv):
            called.append(argv)
            return 0
        commands = {'serve': (serve, 'Serve.')}
        self.assertEqual(0, app.main(['--config-file', 'a.conf', 'serve',
                                      '--debug', '--use-syslog'], commands))
        self.assertEqual(0, app.main(['serve', '--config-file', 'b.conf'],
                                     commands))
        self.assertEqual([['--config-file', 'a.conf', '--debug',
                           '--use-syslog'], ['--config-file', 'b.conf']],
                         called)
        error = self.assertRaises(SystemExit, app.main, ['--help'],
                                  commands)
        self.assertEqual(0, error.code)
        self.assertIn('Serve.', self.stdout)
