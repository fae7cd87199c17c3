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

"""The ``openstack migration`` commands against a mocked HTTP API.

The commands run with osc-lib's fake app and this plugin's real client on
a keystoneauth session; only the HTTP answers are canned (requests-mock),
so URLs, bodies, microversion headers and error lines are all checked.
"""

import io
import os
from unittest import mock

import fixtures
import requests_mock
from keystoneauth1 import session as ksa_session
from osc_lib import exceptions
from osc_lib.test import base
from requests_mock.contrib import fixture as rm_fixture

from pumphouse.osc import client as client_mod
from pumphouse.osc.v1 import clouds
from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import events
from pumphouse.osc.v1 import mappings
from pumphouse.osc.v1 import migrations
from pumphouse.osc.v1 import plans
from pumphouse.osc.v1 import reports

URL = 'http://pumphouse.test:8799'
VERSIONS = {'versions': [{'id': 'v1', 'status': 'CURRENT',
                          'min_version': '1.0', 'version': '1.0'}]}
UUID = '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'
MIGRATION = {'uuid': UUID, 'name': 'm', 'state': 'planned',
             'source': 'src-uuid', 'destination': 'dst-uuid',
             'workload': {'kind': 'project', 'names': ['demo']},
             'strategies': {}, 'supplementary': 'depend', 'options': {},
             'items': {'total': 2, 'by_state': {'pending': 2},
                       'by_action': {'create': 2}},
             'checks': [], 'last_error': None, 'created_at': 't'}


class CommandTestCase(base.TestCommand):

    def setUp(self):
        super().setUp()
        self.http = self.useFixture(rm_fixture.Fixture())
        self.http.get(URL + '/', json=VERSIONS)
        self.app.client_manager.migration = client_mod.Client(
            ksa_session.Session(), endpoint_override=URL + '/v1')

    def run_command(self, cls, args):
        cmd = cls(self.app, None)
        parsed = cmd.get_parser('openstack').parse_args(args)
        return cmd.take_action(parsed)

    def last_body(self):
        return self.http.request_history[-1].json()


class TestClient(CommandTestCase):

    def test_latest_is_negotiated_and_sent(self):
        self.http.get(URL + '/v1/clouds', json={'clouds': []})
        self.run_command(clouds.ListCloud, [])
        request = self.http.request_history[-1]
        self.assertEqual('migration 1.0',
                         request.headers['OpenStack-API-Version'])

    def test_unsupported_version_is_a_clear_error(self):
        self.app.client_manager.migration = client_mod.Client(
            ksa_session.Session(), api_version='1.7',
            endpoint_override=URL)
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  clouds.ListCloud, [])
        self.assertIn('API version 1.7 is not supported by the server '
                      '(1.0 to 1.0)', str(error))

    def test_api_errors_are_one_line_with_the_code(self):
        self.http.get(URL + '/v1/clouds/nope', status_code=404, json={
            'error': {'code': 404, 'title': 'Not Found',
                      'message': 'Cloud nope could not be found.'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  clouds.ShowCloud, ['nope'])
        self.assertEqual('Cloud nope could not be found. (HTTP 404)',
                         str(error))

    def test_lists_follow_next_pages(self):
        self.http.get(URL + '/v1/clouds', [
            {'json': {'clouds': [{'uuid': 'a', 'name': 'a'}],
                      'next': 'x'}},
            {'json': {'clouds': [{'uuid': 'b', 'name': 'b'}]}}])
        _columns, rows = self.run_command(clouds.ListCloud, [])
        self.assertEqual(['a', 'b'], [r[1] for r in rows])
        self.assertEqual({'marker': ['a']},
                         self.http.request_history[-1].qs)


class TestClouds(CommandTestCase):

    def test_create_with_credentials(self):
        self.http.post(URL + '/v1/clouds', status_code=201, json={
            'uuid': 'c1', 'name': 'old', 'auth_type': 'password',
            'auth': {'auth_url': 'http://k', 'username': 'admin'},
            'links': []})
        columns, values = self.run_command(clouds.CreateCloud, [
            'old', '--auth-url', 'http://k', '--username', 'admin',
            '--password', 's3cret', '--project-name', 'admin',
            '--region-name', 'R1'])
        self.assertEqual({'name': 'old', 'region_name': 'R1', 'auth': {
            'auth_url': 'http://k', 'username': 'admin',
            'password': 's3cret', 'project_name': 'admin'}},
            self.last_body())
        shown = dict(zip(columns, values, strict=True))
        self.assertEqual('admin', shown['auth.username'])
        self.assertNotIn('links', shown)

    def _create(self, *args):
        self.http.post(URL + '/v1/clouds', status_code=201, json={
            'uuid': 'c1', 'name': 'old', 'auth_type': 'password',
            'auth': {'auth_url': 'http://k', 'username': 'admin'},
            'links': []})
        self.run_command(clouds.CreateCloud, [
            'old', '--auth-url', 'http://k', '--username', 'admin', *args])
        return self.last_body()['auth']

    def test_password_from_a_file_or_standard_input(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'pw')
        with open(path, 'w') as f:
            f.write('s3cret from file\nignored\n')
        self.assertEqual('s3cret from file',
                         self._create('--password-file', path)['password'])
        self.app.stdin = io.StringIO('s3cret from stdin\n')
        self.assertEqual('s3cret from stdin',
                         self._create('--password-file', '-')['password'])
        error = self.assertRaises(exceptions.CommandError, self._create,
                                  '--password-file', path + '.missing')
        self.assertIn('cannot read --password-file', str(error))

    def test_password_prompted_without_echo(self):
        terminal = mock.Mock(isatty=mock.Mock(return_value=True))
        self.app.stdin = terminal
        with mock.patch('getpass.getpass', autospec=True,
                        side_effect=['typed', 'typed']) as getpass:
            auth = self._create('--password-prompt')
        self.assertEqual('typed', auth['password'])
        self.assertEqual(2, getpass.call_count)  # asked, then confirmed
        self.app.stdin = io.StringIO('')
        error = self.assertRaises(exceptions.CommandError, self._create,
                                  '--password-prompt')
        self.assertIn('No terminal', str(error))

    def test_password_from_the_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_MIGRATION_CLOUD_PASSWORD', 'from-env'))
        self.assertEqual('from-env', self._create()['password'])
        self.assertEqual('given', self._create('--password',
                                               'given')['password'])
        # Not for a clouds.yaml reference, nor another auth type.
        self.http.post(URL + '/v1/clouds', status_code=201,
                       json={'uuid': 'c2', 'name': 'ref', 'links': []})
        self.run_command(clouds.CreateCloud, ['ref', '--cloud', 'old'])
        self.assertEqual({'name': 'ref', 'cloud': 'old'}, self.last_body())
        self.app.stdin = io.StringIO('ac-secret\n')
        auth = self._create('--auth-type', 'v3applicationcredential',
                            '--application-credential-id', 'ac1',
                            '--application-credential-secret-file', '-')
        self.assertEqual('ac-secret', auth['application_credential_secret'])
        self.assertNotIn('password', auth)

    def test_password_ways_exclude_each_other(self):
        for args in (['--password', 'a', '--password-prompt'],
                     ['--password-file', 'f', '--password-prompt']):
            cmd = clouds.CreateCloud(self.app, None)
            self.assertRaises(SystemExit, cmd.get_parser('openstack')
                              .parse_args, ['old', *args])

    def test_delete_several(self):
        for name in ('a', 'b'):
            self.http.delete(f'{URL}/v1/clouds/{name}', status_code=204)
        self.run_command(clouds.DeleteCloud, ['a', 'b'])
        self.assertEqual(['DELETE', 'DELETE'], [
            r.method for r in self.http.request_history[-2:]])

    def test_validate(self):
        self.http.post(URL + '/v1/clouds/old/validate',
                       json={'valid': True, 'reason': None})
        columns, values = self.run_command(clouds.ValidateCloud, ['old'])
        shown = dict(zip(columns, values, strict=True))
        self.assertEqual(True, shown['valid'])


class TestPathsEscaped(CommandTestCase):
    """Names from the command line go into URLs escaped, segment by
    segment: ``prodx#old`` once deleted the cloud ``prodx``."""

    def test_delete_of_a_name_with_a_hash(self):
        self.http.delete(requests_mock.ANY, status_code=204)
        self.run_command(clouds.DeleteCloud, ['prodx#old'])
        self.assertEqual('http://pumphouse.test:8799/v1/clouds/prodx%23old',
                         self.http.request_history[-1].url)

    def test_every_segment_is_escaped(self):
        self.http.post(requests_mock.ANY, json={'valid': True})
        for name, sent in (('a/b?c', 'a%2Fb%3Fc'), ('50%', '50%25'),
                           ('été', '%C3%A9t%C3%A9'), ('x y', 'x%20y')):
            with self.subTest(name=name):
                self.run_command(clouds.ValidateCloud, [name])
                self.assertEqual(f'/v1/clouds/{sent}/validate'.lower(),
                                 self.http.request_history[-1].path)

    def test_dot_names_are_refused_before_any_request(self):
        for name in ('.', '..'):
            with self.subTest(name=name):
                sent = len(self.http.request_history)
                error = self.assertRaises(exceptions.CommandError,
                                          self.run_command,
                                          clouds.DeleteCloud, [name])
                self.assertIn('use its UUID', str(error))
                self.assertEqual(sent, len(self.http.request_history))

    def test_migration_ids_are_escaped_too(self):
        self.http.get(URL + '/v1/migrations/x%23y', json=MIGRATION)
        self.run_command(migrations.ShowMigration, ['x#y'])
        self.assertEqual('/v1/migrations/x%23y',
                         self.http.request_history[-1].path)


class TestMigrations(CommandTestCase):

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

    def test_bad_strategy_changes_nothing(self):
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            migrations.CreateMigration, ['--source', 'a', '--destination',
                                         'b', '--strategy', 'x', 'project',
                                         'demo'])
        self.assertIn("KEY=VALUE, not 'x'", str(error))
        self.assertFalse(any(r.method == 'POST'
                             for r in self.http.request_history))

    def test_start_with_overrides_and_wait(self):
        self.http.put(f'{URL}/v1/migrations/{UUID}/state', status_code=202,
                      json=dict(MIGRATION, state='running'))
        self.http.get(f'{URL}/v1/migrations/{UUID}', [
            {'json': dict(MIGRATION, state='running')},
            {'json': dict(MIGRATION, state='completed', items={
                'total': 2, 'by_state': {'done': 2}, 'by_action': {}})}])
        self.app.stderr = io.StringIO()
        self.patch(common.time, 'sleep', lambda s: None)
        columns, values = self.run_command(migrations.StartMigration, [
            UUID, '--override-check', 'quota:demo', '--wait'])
        self.assertEqual({'target': 'running',
                          'override_checks': ['quota:demo']},
                         self.http.request_history[1].json())
        shown = dict(zip(columns, values, strict=True))
        self.assertEqual('completed', shown['state'])

    def test_failed_wait_exits_non_zero(self):
        self.http.put(f'{URL}/v1/migrations/{UUID}/state', status_code=202,
                      json=dict(MIGRATION, state='running'))
        self.http.get(f'{URL}/v1/migrations/{UUID}', json=dict(
            MIGRATION, state='failed', last_error='boom'))
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  migrations.StartMigration, [UUID, '--wait'])
        self.assertIn('is failed: boom', str(error))

    def test_cancel(self):
        self.http.put(f'{URL}/v1/migrations/{UUID}/state', status_code=202,
                      json=dict(MIGRATION, state='cancelled'))
        self.run_command(migrations.CancelMigration, [UUID])
        self.assertEqual({'target': 'cancelled'}, self.last_body())

    def test_list_filters_by_state(self):
        self.http.get(URL + '/v1/migrations', json={'migrations': [
            MIGRATION]})
        columns, rows = self.run_command(migrations.ListMigration,
                                         ['--state', 'planned'])
        self.assertEqual({'state': ['planned']},
                         self.http.request_history[-1].qs)
        self.assertEqual(UUID, rows[0][0])


class TestPlansEventsReportsMappings(CommandTestCase):

    def test_plan_as_dot(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan',
                      text='digraph plan {}\n')
        cmd = plans.ShowPlan(self.app, None)
        parsed = cmd.get_parser('openstack').parse_args([UUID, '-f', 'dot'])
        cmd.run(parsed)
        self.assertEqual({'format': ['dot']},
                         self.http.request_history[-1].qs)
        self.assertIn('digraph plan {}', ''.join(self.fake_stdout.content))

    def test_plan_rows(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/plan', json={
            'items': [{'id': 1, 'resource_type': 'identity.user',
                       'source_name': 'alice', 'source_id': 'u1',
                       'action': 'create', 'state': 'pending',
                       'destination_id': None, 'depends_on': [2]}],
            'checks': []})
        columns, rows = self.run_command(plans.ShowPlan, [UUID])
        self.assertEqual('alice', rows[0][columns.index('source_name')])

    def test_events_page_by_after(self):
        event = {'id': 7, 'created_at': 't', 'level': 'INFO',
                 'event_type': 'plan', 'message': 'Plan: 2 create'}
        self.http.get(f'{URL}/v1/migrations/{UUID}/events', [
            {'json': {'events': [event], 'next': 'x'}},
            {'json': {'events': []}}])
        _columns, rows = self.run_command(events.ListEvent, [UUID])
        self.assertEqual([[7, 't', 'INFO', 'plan', 'Plan: 2 create']], rows)
        self.assertEqual({'after': ['7']},
                         self.http.request_history[-1].qs)

    def test_report_rows(self):
        self.http.get(f'{URL}/v1/migrations/{UUID}/report', json={
            'checked': 2, 'not_migrated': [], 'differences': [{
                'resource_type': 'identity.user', 'name': 'alice',
                'source_id': 'u1', 'destination_id': 'd1',
                'differences': {'email': {'source': 'a',
                                          'destination': None}}}]})
        _columns, rows = self.run_command(reports.ShowReport, [UUID])
        self.assertEqual('differs', rows[0][4])

    def test_mapping_show_needs_exactly_one(self):
        self.http.get(URL + '/v1/mappings', json={'mappings': []})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  mappings.ShowMapping,
                                  ['identity.user', 'u1'])
        self.assertIn('no mapping of identity.user u1', str(error))
        self.assertEqual({'type': ['identity.user'], 'source_id': ['u1']},
                         self.http.request_history[-1].qs)
