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

"""``openstack migration create|list|show|start|resume|cancel|delete``."""

import json

import yaml
from osc_lib import exceptions

from pumphouse.osc.v1 import migrations
from pumphouse.tests.unit.osc import base

URL = base.URL
UUID = base.UUID
MIGRATION = base.MIGRATION
STATE = f'{URL}/v1/migrations/{UUID}/state'
ONE = f'{URL}/v1/migrations/{UUID}'


def migration(**changes) -> dict:
    return dict(MIGRATION, **changes)


def finished(state: str, **changes) -> dict:
    return migration(state=state, items={'total': 2, 'by_state': {
        'done': 2}, 'by_action': {}}, **changes)


class TestCreate(base.CommandTestCase):

    def test_create_builds_the_request(self):
        self.http.post(URL + '/v1/migrations', status_code=202,
                       json=MIGRATION)
        self.run_command(migrations.CreateMigration, [
            '--source', 'old', '--destination', 'new', 'project', 'demo',
            '--host', 'h1', '--strategy', 'compute.flavor=all',
            '--on-conflict', 'rename', '--cutover', 'stop',
            '--override-check', 'quota', '--name', 'm'])
        self.assertEqual({
            'source': 'old', 'destination': 'new', 'name': 'm',
            'workload': {'kind': 'project', 'names': ['demo'],
                         'hosts': ['h1']},
            'strategies': {'compute.flavor': 'all'},
            'options': {'conflict_resolution': 'rename',
                        'server_cutover': 'stop',
                        'override_checks': ['quota']}}, self.last_body())

    def test_stack_workload_sends_1_4(self):
        self.http.get(URL + '/', json=base.VERSIONS_1_4)
        self.http.post(URL + '/v1/migrations', status_code=202,
                       json=migration(workload={'kind': 'stack',
                                                'names': ['web']}))
        self.run_command(migrations.CreateMigration, [
            '--source', 'old', '--destination', 'new', 'stack', 'web',
            'db', '--project', 'demo', '--domain', 'Default'])
        request = self.http.request_history[-1]
        self.assertEqual('migration 1.4',
                         request.headers['OpenStack-API-Version'])
        self.assertEqual({'kind': 'stack', 'names': ['web', 'db'],
                          'project': 'demo', 'domain': 'Default'},
                         request.json()['workload'])

    def test_stack_workload_of_an_older_server_is_a_clear_error(self):
        self.http.get(URL + '/', json=base.VERSIONS_1_2)
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            migrations.CreateMigration, ['--source', 'a', '--destination',
                                         'b', 'stack', 'web'])
        self.assertEqual('stack workloads need migration API 1.4, but the '
                         'server only supports 1.0 to 1.2 (upgrade '
                         'Pumphouse)', str(error))
        self.assertFalse(any(r.method == 'POST'
                             for r in self.http.request_history))

    def test_other_workloads_still_go_to_an_older_server(self):
        self.http.get(URL + '/', json=base.VERSIONS_1_2)
        self.http.post(URL + '/v1/migrations', status_code=202,
                       json=MIGRATION)
        self.run_command(migrations.CreateMigration, [
            '--source', 'old', '--destination', 'new', 'project', 'demo'])
        self.assertEqual('migration 1.2', self.http.request_history[-1]
                         .headers['OpenStack-API-Version'])

    def test_project_only_for_stacks(self):
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            migrations.CreateMigration, ['--source', 'a', '--destination',
                                         'b', 'project', 'demo',
                                         '--project', 'demo'])
        self.assertIn('--project names the project of the stacks of a '
                      'stack workload', str(error))
        self.assertFalse(any(r.method == 'POST'
                             for r in self.http.request_history))

    def test_bad_strategy_changes_nothing(self):
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            migrations.CreateMigration, ['--source', 'a', '--destination',
                                         'b', '--strategy', 'x', 'project',
                                         'demo'])
        self.assertIn("KEY=VALUE, not 'x'", str(error))
        self.assertFalse(any(r.method == 'POST'
                             for r in self.http.request_history))

    def test_wait_until_planned(self):
        self.http.post(URL + '/v1/migrations', status_code=202,
                       json=migration(state='planning'))
        self.http.get(ONE, [{'json': migration(state='planning')},
                            {'json': migration(state='planned')}])
        shown = self.shown(self.run_command(migrations.CreateMigration, [
            '--source', 'old', '--destination', 'new', 'project', 'demo',
            '--wait']))
        self.assertEqual('planned', shown['state'])
        self.assertEqual([2.0], self.clock.slept)

    def test_a_failed_plan_exits_non_zero(self):
        self.http.post(URL + '/v1/migrations', status_code=202,
                       json=migration(state='planning'))
        self.http.get(ONE, json=migration(state='failed',
                                          last_error='no project demo'))
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            migrations.CreateMigration, ['--source', 'old', '--destination',
                                         'new', 'project', 'demo', '--wait'])
        self.assertEqual(f'migration {UUID} is failed, not planned: no '
                         'project demo', str(error))


class TestStart(base.CommandTestCase):

    def test_start_with_overrides_and_wait(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, [{'json': migration(state='running')},
                            {'json': migration(state='verifying')},
                            {'json': finished('completed')}])
        shown = self.shown(self.run_command(migrations.StartMigration, [
            UUID, '--override-check', 'quota:demo', '--wait']))
        self.assertEqual({'target': 'running',
                          'override_checks': ['quota:demo']},
                         self.http.request_history[1].json())
        self.assertEqual('completed', shown['state'])
        bar = self.app.stderr.getvalue()
        self.assertIn('] 0/2 running', bar)
        self.assertIn('[' + '#' * 30 + '] 2/2 completed', bar)
        # --wait alone waits as long as it takes.
        self.assertEqual([2.0, 2.0], self.clock.slept)

    def test_the_bar_has_the_time(self):
        time = {'elapsed_s': 120, 'remaining_low_s': 60,
                'remaining_high_s': 300, 'scale': None, 'observed_items': 0}
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, [
            {'json': migration(state='running', time=time)},
            {'json': finished('completed', time=dict(
                time, remaining_low_s=0, remaining_high_s=0))}])
        self.run_command(migrations.StartMigration, [UUID, '--wait'])
        lines = self.app.stderr.getvalue().split('\r')
        running = ('[' + '.' * 30 + '] 0/2 running (elapsed 2 min, 60 s '
                   'to 5 min left)')
        self.assertEqual(running, lines[1])
        # The shorter line covers what the longer one left.
        completed = ('[' + '#' * 30 + '] 2/2 completed (elapsed 2 min, '
                     'nothing left)')
        self.assertEqual(completed.ljust(len(running)) + '\n', lines[2])

    def test_without_wait_the_accepted_migration_is_shown(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        shown = self.shown(self.run_command(migrations.StartMigration,
                                            [UUID]))
        self.assertEqual('running', shown['state'])
        self.assertEqual(['GET', 'PUT'], [
            r.method for r in self.http.request_history])

    def test_failed_wait_exits_non_zero(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, json=migration(state='failed',
                                          last_error='boom'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.StartMigration, [UUID, '--wait'])
        self.assertEqual(f'migration {UUID} is failed, not completed: boom',
                         str(error))

    def test_cancelled_meanwhile_exits_non_zero(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, json=migration(state='cancelled'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.ResumeMigration,
                                  [UUID, '--wait'])
        self.assertEqual(f'migration {UUID} is cancelled, not completed: '
                         'see its events', str(error))

    def test_wait_gives_up_after_its_time_out(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, json=migration(state='running'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.StartMigration,
                                  [UUID, '--wait', '5'])
        self.assertEqual(
            f'migration {UUID} is still running after 5s; it goes on: '
            f'watch it with "openstack migration show {UUID}"', str(error))
        # Two polls apart, then one at the deadline.
        self.assertEqual([2.0, 2.0, 1.0], self.clock.slept)

    def test_the_deprecated_timeout_still_works(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='running'))
        self.http.get(ONE, json=migration(state='running'))
        with self.assertLogs('pumphouse.osc.v1.wait', 'WARNING') as logs:
            error = self.assertRaises(
                exceptions.CommandError, self.run_command,
                migrations.StartMigration, [UUID, '--wait', '--timeout',
                                            '3'])
        self.assertIn('after 3s', str(error))
        self.assertIn('--timeout is deprecated', logs.output[0])

    def test_resume_is_a_start(self):
        self.http.put(STATE, status_code=202, json=migration(
            state='running'))
        self.http.get(ONE, json=finished('completed'))
        self.run_command(migrations.ResumeMigration, [UUID, '--wait', '60'])
        self.assertEqual({'target': 'running'},
                         next(r.json() for r in self.http.request_history
                              if r.method == 'PUT'))

    def test_wait_before_the_migration_is_a_clear_error(self):
        cmd = migrations.StartMigration(self.app, None)
        parser = cmd.get_parser('openstack')
        with self.assertRaises(SystemExit):
            parser.parse_args(['--wait', UUID])
        self.assertEqual(0, parser.parse_args([UUID, '--wait']).wait_timeout)
        self.assertEqual(90, parser.parse_args(
            ['--wait', '90', UUID]).wait_timeout)
        self.assertIsNone(parser.parse_args([UUID]).wait_timeout)


class TestCancel(base.CommandTestCase):

    def test_cancel(self):
        self.http.put(STATE, status_code=202,
                      json=migration(state='cancelled'))
        self.run_command(migrations.CancelMigration, [UUID])
        self.assertEqual({'target': 'cancelled'}, self.last_body())

    def test_wait_until_the_conductor_lets_go(self):
        self.http.put(STATE, status_code=202, json=migration(
            state='cancelled', conductor='conductor-1'))
        self.http.get(ONE, [
            {'json': migration(state='cancelled', conductor='conductor-1')},
            {'json': migration(state='cancelled', conductor=None)}])
        shown = self.shown(self.run_command(migrations.CancelMigration,
                                            [UUID, '--wait']))
        self.assertEqual(('cancelled', None),
                         (shown['state'], shown['conductor']))
        self.assertEqual([2.0], self.clock.slept)

    def test_started_again_while_waiting_is_an_error(self):
        self.http.put(STATE, status_code=202, json=migration(
            state='cancelled', conductor='conductor-1'))
        self.http.get(ONE, json=migration(state='running',
                                          conductor='conductor-2'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.CancelMigration,
                                  [UUID, '--wait'])
        self.assertEqual(f'migration {UUID} is running, not cancelled: see '
                         'its events', str(error))

    def test_wait_time_out(self):
        self.http.put(STATE, status_code=202, json=migration(
            state='cancelled', conductor='conductor-1'))
        self.http.get(ONE, json=migration(state='cancelled',
                                          conductor='conductor-1'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.CancelMigration,
                                  [UUID, '--wait', '1'])
        self.assertIn('is still cancelled after 1s', str(error))


class TestOutput(base.CommandTestCase):
    """Nested fields are structures in JSON and YAML, compact JSON in a
    table and in the text formats."""

    def setUp(self):
        super().setUp()
        self.http.get(ONE, json=migration(checks=[
            {'name': 'quota', 'status': 'passed'}]))

    def test_json_has_structures(self):
        self.run_whole(migrations.ShowMigration, [UUID], 'json')
        shown = self.printed_json()
        self.assertEqual({'kind': 'project', 'names': ['demo']},
                         shown['workload'])
        self.assertEqual({'total': 2, 'by_state': {'pending': 2},
                          'by_action': {'create': 2}}, shown['items'])
        self.assertEqual([{'name': 'quota', 'status': 'passed'}],
                         shown['checks'])
        self.assertEqual({}, shown['options'])

    def test_yaml_has_structures(self):
        self.run_whole(migrations.ShowMigration, [UUID], 'yaml')
        shown = yaml.safe_load(self.printed())
        self.assertEqual(['demo'], shown['workload']['names'])
        self.assertEqual(2, shown['items']['by_state']['pending'])

    def test_estimate_and_time_in_words_in_a_table(self):
        estimate = {'low_s': 60, 'high_s': 600, 'basis': 'partial'}
        time = {'elapsed_s': None, 'remaining_low_s': 60,
                'remaining_high_s': 600, 'scale': None,
                'observed_items': 0}
        self.http.get(ONE, json=migration(estimate=estimate, time=time))
        self.run_whole(migrations.ShowMigration, [UUID], 'table')
        table = self.printed()
        self.assertIn('60 s to 10 min (partly learnt from earlier '
                      'migrations', table)
        self.assertIn('| time ', table)
        self.assertIn('60 s to 10 min left', table)
        self.fake_stdout.content.clear()
        self.run_whole(migrations.ShowMigration, [UUID], 'json')
        shown = self.printed_json()
        self.assertEqual((estimate, time), (shown['estimate'],
                                            shown['time']))

    def test_table_shows_compact_json(self):
        self.run_whole(migrations.ShowMigration, [UUID], 'table')
        table = self.printed()
        self.assertIn('{"kind": "project", "names": ["demo"]}', table)
        self.assertIn('{"by_action": {"create": 2}, "by_state": '
                      '{"pending": 2}, "total": 2}', table)

    def test_value_and_shell_print_json_not_python(self):
        self.run_whole(migrations.ShowMigration, [UUID, '-c', 'workload'],
                       'value')
        self.assertEqual({'kind': 'project', 'names': ['demo']},
                         json.loads(self.printed()))
        self.fake_stdout.content.clear()
        self.run_whole(migrations.ShowMigration, [UUID, '-c', 'workload'],
                       'shell')
        self.assertEqual('workload="{\\"kind\\": \\"project\\", '
                         '\\"names\\": [\\"demo\\"]}"\n', self.printed())

    def test_list_json_has_structures(self):
        self.http.get(URL + '/v1/migrations', json={'migrations': [
            MIGRATION]})
        self.run_whole(migrations.ListMigration, ['--state', 'planned'],
                       'json')
        [row] = self.printed_json()
        self.assertEqual({'kind': 'project', 'names': ['demo']},
                         row['workload'])
        self.assertEqual({'state': ['planned']},
                         self.http.request_history[-1].qs)
