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

"""Parsing the command line."""

import argparse

import testtools

from pumphouse.cli import errors
from pumphouse.cli import migrate
from pumphouse.cli import parser
from pumphouse.common import exception
from pumphouse.tests import base
from pumphouse.tests.unit.cli import utils

WORKLOAD = ['--source', 'old', '--destination', 'new', 'project', 'web',
            'db']


def parse(*argv: str) -> argparse.Namespace:
    return parser.build_parser().parse_args(list(argv))


class TestParsing(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.console = self.useFixture(utils.Console())

    def assert_usage_error(self, *argv: str) -> str:
        error = self.assertRaises(SystemExit, parse, *argv)
        self.assertEqual(errors.USAGE, error.code)
        return self.console.stderr.getvalue()

    def test_plan(self):
        args = parse('plan', *WORKLOAD, '--strategy', 'identity.user=all',
                     '--strategy', 'identity.role=used', '--domain', 'd1',
                     '--on-conflict', 'rename', '--rename-suffix=-new',
                     '--format', 'dot')
        self.assertIs(migrate.plan_command, args.func)
        self.assertEqual(('old', 'new'), (args.source, args.destination))
        self.assertEqual(('project', ['web', 'db']), (args.kind, args.names))
        self.assertEqual([('identity.user', 'all'), ('identity.role', 'used')],
                         args.strategy)
        self.assertEqual(('rename', '-new', 'd1', 'dot'),
                         (args.on_conflict, args.rename_suffix, args.domain,
                          args.format))
        self.assertEqual('depend', args.supplementary)
        self.assertIsNone(args.password_mode)

    def test_options_after_the_names(self):
        args = parse('migrate', '--source', 'old', '--destination', 'new',
                     'resources', 'identity.user=u1', 'identity.role=r1',
                     '--yes', '--workers', '8', '--config-file', 'a.conf')
        self.assertEqual(['identity.user=u1', 'identity.role=r1'],
                         args.names)
        self.assertEqual((True, 8, False, None),
                         (args.yes, args.workers, args.dry_run, args.format))
        self.assertEqual(['a.conf'], args.config_file)

    def test_bad_strategy(self):
        stderr = self.assert_usage_error('plan', *WORKLOAD, '--strategy',
                                         'identity.user')
        self.assertIn('expected TYPE=STRATEGY', stderr)

    def test_bad_workers(self):
        for value in ('0', '-1', 'many'):
            stderr = self.assert_usage_error('migrate', *WORKLOAD,
                                             '--workers', value)
            self.assertIn('at least 1', stderr)

    def test_unknown_kind(self):
        stderr = self.assert_usage_error('plan', '--source', 'a',
                                         '--destination', 'b', 'volume', 'x')
        self.assertIn("invalid choice: 'volume'", stderr)

    def test_stack(self):
        args = parse('migrate', '--source', 'old', '--destination', 'new',
                     'stack', 'web', '0d4f1e1c-stack-id', '--project', 'demo',
                     '--domain', 'Default', '--yes')
        self.assertEqual(('stack', ['web', '0d4f1e1c-stack-id'], 'demo',
                          'Default'),
                         (args.kind, args.names, args.project, args.domain))
        self.assertIsNone(parse('plan', *WORKLOAD).project)

    def test_clouds_are_required(self):
        stderr = self.assert_usage_error('plan', 'project', 'web')
        self.assertIn('--source', stderr)

    def test_names_are_required(self):
        self.assert_usage_error('plan', '--source', 'a', '--destination',
                                'b', 'project')

    def test_unknown_option(self):
        stderr = self.assert_usage_error('list', '--colour')
        self.assertIn('unrecognized arguments: --colour', stderr)

    def test_passwords_needs_an_output(self):
        stderr = self.assert_usage_error('passwords', 'some-id')
        self.assertIn('--output', stderr)

    def test_oslo_options_are_handed_on(self):
        args = parse('show', 'm1', '--config-file', 'a.conf',
                     '--config-file', 'b.conf', '-d', '--log-file', 'x.log')
        self.assertEqual(['--config-file', 'a.conf', '--config-file',
                          'b.conf', '--log-file', 'x.log', '--debug'],
                         parser.oslo_argv(args))
        self.assertEqual([], parser.oslo_argv(parse('list')))

    def test_oslo_options_before_the_command(self):
        args = parse('--config-file', 'a.conf', '--log-file', 'early.log',
                     '--debug', 'show', 'm1', '--config-file', 'b.conf',
                     '--log-file', 'late.log')
        self.assertEqual(['--config-file', 'a.conf', '--config-file',
                          'b.conf', '--log-file', 'late.log', '--debug'],
                         parser.oslo_argv(args))

    def test_passthrough_commands_are_listed(self):
        build = parser.build_parser({'serve': 'Run the service.'})
        self.assertIn('serve', build.format_help())
        self.assertIn('Run the service.', build.format_help())


class TestSelection(base.TestCase):
    """What the arguments ask of the engine (needs the drivers)."""

    def test_selection_and_options(self):
        self.config(password_mode='copy_hash', group='identity')
        args = parse('plan', *WORKLOAD, '--domain', 'd1', '--strategy',
                     'identity.user=all', '--supplementary', 'all',
                     '--on-conflict', 'reuse')
        self.assertEqual(
            {'workload': {'kind': 'project', 'names': ['web', 'db'],
                          'domain': 'd1'},
             'strategies': {'identity.user': 'all'},
             'supplementary': 'all'},
            migrate.selection_from_args(args))
        self.assertEqual({'conflict_resolution': 'reuse',
                          'password_mode': 'copy_hash'},
                         migrate.options_from_args(args))
        args = parse('plan', *WORKLOAD, '--password-mode', 'reset',
                     '--rename-suffix=-x')
        self.assertEqual({'conflict_resolution': 'fail',
                          'password_mode': 'reset', 'rename_suffix': '-x'},
                         migrate.options_from_args(args))

    def test_hosts_and_server_options(self):
        args = parse('plan', *WORKLOAD, '--host', 'h1', '--host', 'h2',
                     '--stop-mode', 'stop', '--cutover', 'delete',
                     '--override-check', 'quota', '--data-mode', 'snapshot')
        self.assertEqual(['h1', 'h2'],
                         migrate.selection_from_args(args)['workload'][
                             'hosts'])
        options = migrate.options_from_args(args)
        self.assertEqual(('stop', 'snapshot', 'delete', ['quota']),
                         (options['server_stop_mode'],
                          options['server_data_mode'],
                          options['server_cutover'],
                          options['override_checks']))
        args = parse('plan', '--source', 'a', '--destination', 'b', '--host',
                     'h1', 'host', 'h2')
        self.assertRaises(errors.CommandError, migrate.selection_from_args,
                          args)

    def test_unknown_type_and_strategy(self):
        for strategy, message in (
                ('identity.server=all', "unknown resource type "
                                        "'identity.server'"),
                ('identity.user=public', 'identity.user does not support '
                                         "strategy 'public'")):
            args = parse('plan', *WORKLOAD, '--strategy', strategy)
            error = self.assertRaises(exception.Invalid,
                                      migrate.selection_from_args, args)
            self.assertIn(message, str(error))

    def test_stack_in_a_project(self):
        args = parse('plan', '--source', 'a', '--destination', 'b',
                     'stack', 'web', 'db', '--project', 'demo', '--domain',
                     'Default')
        self.assertEqual(
            {'workload': {'kind': 'stack', 'names': ['web', 'db'],
                          'project': 'demo', 'domain': 'Default'},
             'strategies': {}, 'supplementary': 'depend'},
            migrate.selection_from_args(args))
        args = parse('plan', '--source', 'a', '--destination', 'b',
                     'stack', 'web')
        self.assertEqual({'kind': 'stack', 'names': ['web']},
                         migrate.selection_from_args(args)['workload'])

    def test_project_only_for_stacks(self):
        for argv, message in (
                (['project', 'demo', '--project', 'demo'],
                 '--project names the project of the stacks of a stack '
                 'workload; for a whole project write: project PROJECT'),
                (['server', 'web-1', '--project', 'demo'],
                 '--project names the project of the stacks'),
                (['stack', 'web', '--domain', 'Default'],
                 '--domain names the domain of the projects of a project '
                 'workload, or of the --project of a stack workload')):
            args = parse('plan', '--source', 'a', '--destination', 'b',
                         *argv)
            error = self.assertRaises(errors.CommandError,
                                      migrate.selection_from_args, args)
            self.assertEqual(errors.USAGE, error.status)
            self.assertIn(message, str(error))

    def test_domain_only_for_projects(self):
        args = parse('plan', '--source', 'a', '--destination', 'b',
                     'domain', 'd1', '--domain', 'd2')
        error = self.assertRaises(errors.CommandError,
                                  migrate.selection_from_args, args)
        self.assertEqual(errors.USAGE, error.status)
