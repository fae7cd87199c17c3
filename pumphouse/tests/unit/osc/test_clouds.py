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

"""``openstack migration cloud ...``, their secrets off the command
line."""

import io
import os
from unittest import mock

import fixtures
from osc_lib import exceptions

from pumphouse.osc.v1 import clouds
from pumphouse.tests.unit.osc import base

URL = base.URL
CREATED = {'uuid': 'c1', 'name': 'old', 'auth_type': 'password',
           'auth': {'auth_url': 'http://k', 'username': 'admin'},
           'links': []}


class TestClouds(base.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_MIGRATION_CLOUD_PASSWORD'))

    def test_create_with_credentials(self):
        self.http.post(URL + '/v1/clouds', status_code=201, json=CREATED)
        shown = self.shown(self.run_command(clouds.CreateCloud, [
            'old', '--auth-url', 'http://k', '--username', 'admin',
            '--password', 's3cret', '--project-name', 'admin',
            '--region-name', 'R1']))
        self.assertEqual({'name': 'old', 'region_name': 'R1', 'auth': {
            'auth_url': 'http://k', 'username': 'admin',
            'password': 's3cret', 'project_name': 'admin'}},
            self.last_body())
        self.assertEqual('admin', shown['auth.username'])
        self.assertNotIn('links', shown)

    def _create(self, *args):
        self.http.post(URL + '/v1/clouds', status_code=201, json=CREATED)
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
        self.app.stdin = io.StringIO('piped\r\n')
        self.assertEqual('piped',
                         self._create('--password-stdin')['password'])
        error = self.assertRaises(exceptions.CommandError, self._create,
                                  '--password-file', path + '.missing')
        self.assertIn('cannot read the password of --username from '
                      f'{path}.missing: No such file', str(error))

    def test_an_empty_first_line_is_refused(self):
        self.app.stdin = io.StringIO('\nsecond\n')
        error = self.assertRaises(exceptions.CommandError, self._create,
                                  '--password-stdin')
        self.assertEqual('no password of --username in standard input: its '
                         'first line is empty', str(error))

    def test_password_prompted_without_echo(self):
        terminal = mock.Mock(isatty=mock.Mock(return_value=True))
        self.app.stdin = terminal
        with mock.patch('getpass.getpass', autospec=True,
                        side_effect=['typed', 'typed']) as getpass:
            auth = self._create('--password-prompt')
        self.assertEqual('typed', auth['password'])
        self.assertEqual(2, getpass.call_count)  # asked, then confirmed

    def test_prompt_only_on_a_terminal(self):
        self.app.stdin = io.StringIO('not a terminal\n')
        with mock.patch('getpass.getpass', autospec=True) as getpass:
            error = self.assertRaises(exceptions.CommandError,
                                      self._create, '--password-prompt')
        self.assertIn('--password-prompt needs a terminal', str(error))
        self.assertIn('use --password-file, --password-stdin or '
                      '$OS_MIGRATION_CLOUD_PASSWORD', str(error))
        getpass.assert_not_called()

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
                            '--application-credential-secret-stdin')
        self.assertEqual('ac-secret', auth['application_credential_secret'])
        self.assertNotIn('password', auth)

    def test_password_ways_exclude_each_other(self):
        for args in (['--password', 'a', '--password-prompt'],
                     ['--password-file', 'f', '--password-prompt'],
                     ['--password-stdin', '--password-file', 'f']):
            cmd = clouds.CreateCloud(self.app, None)
            self.assertRaises(SystemExit, cmd.get_parser('openstack')
                              .parse_args, ['old', *args])

    def test_standard_input_gives_one_secret(self):
        error = self.assertRaises(
            exceptions.CommandError, self._create, '--password-stdin',
            '--application-credential-secret-file', '-')
        self.assertEqual(
            'standard input can be read by one option only, not by '
            '--password-stdin and --application-credential-secret-file -',
            str(error))
        self.assertEqual([], [r for r in self.http.request_history
                              if r.method == 'POST'])

    def test_help_says_where_a_password_shows(self):
        parser = clouds.CreateCloud(self.app, None).get_parser('openstack')
        text = ' '.join(parser.format_help().split())
        self.assertIn('Visible to every user in the process list and kept '
                      'in the shell history: prefer --password-prompt, '
                      '--password-file, --password-stdin or '
                      '$OS_MIGRATION_CLOUD_PASSWORD', text)

    def test_delete_several(self):
        for name in ('a', 'b'):
            self.http.delete(f'{URL}/v1/clouds/{name}', status_code=204)
        self.run_command(clouds.DeleteCloud, ['a', 'b'])
        self.assertEqual(['DELETE', 'DELETE'], [
            r.method for r in self.http.request_history[-2:]])

    def test_validate(self):
        self.http.post(URL + '/v1/clouds/old/validate',
                       json={'valid': True, 'reason': None})
        shown = self.shown(self.run_command(clouds.ValidateCloud, ['old']))
        self.assertEqual(True, shown['valid'])

    def test_validate_services_are_a_structure_in_json(self):
        services = [{'type': 'compute', 'version': '2.96'}]
        self.http.post(URL + '/v1/clouds/old/validate',
                       json={'valid': True, 'reason': None,
                             'services': services})
        self.run_whole(clouds.ValidateCloud, ['old'], 'json')
        self.assertEqual(services, self.printed_json()['services'])


STACKS = {'project': {'id': 'p1', 'name': 'demo', 'domain_id': 'default'},
          'stacks': [{'id': 's1', 'name': 'web', 'status': 'CREATE_COMPLETE',
                      'status_reason': None, 'description': '',
                      'created_at': '2026-12-04T17:00:00Z',
                      'updated_at': None}]}


class TestCloudStacks(base.CommandTestCase):

    def test_a_projects_stacks(self):
        self.http.get(URL + '/', json=base.versions('1.5'))
        self.http.get(URL + '/v1/clouds/old%23x/projects/my%20demo/stacks',
                      json=STACKS)
        columns, rows = self.run_command(clouds.ListCloudStack, [
            'old#x', '--project', 'my demo'])
        self.assertEqual(clouds.STACK_COLUMNS, columns)
        self.assertEqual([['s1', 'web', 'CREATE_COMPLETE',
                           '2026-12-04T17:00:00Z', None]], rows)
        request = self.http.request_history[-1]
        self.assertEqual('migration 1.5',
                         request.headers['OpenStack-API-Version'])

    def test_an_older_server_is_a_clear_error(self):
        self.http.get(URL + '/', json=base.VERSIONS_1_4)
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            clouds.ListCloudStack, ['old', '--project', 'demo'])
        self.assertEqual("a project's stacks need migration API 1.5, but "
                         'the server only supports 1.0 to 1.4 (upgrade '
                         'Pumphouse)', str(error))
        self.assertFalse(any('/stacks' in r.path
                             for r in self.http.request_history))

    def test_the_project_is_required(self):
        cmd = clouds.ListCloudStack(self.app, None)
        parser = cmd.get_parser('openstack migration cloud stack list')
        self.assertRaises(SystemExit, parser.parse_args, ['old'])

    def test_the_apis_error_is_shown(self):
        self.http.get(URL + '/', json=base.versions('1.5'))
        self.http.get(URL + '/v1/clouds/old/projects/demo/stacks',
                      status_code=409, json={'error': {
                          'code': 409, 'title': 'Conflict',
                          'message': 'Cloud old has no Heat (no '
                                     'orchestration service in its '
                                     'catalog).'}})
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            clouds.ListCloudStack, ['old', '--project', 'demo'])
        self.assertEqual('Cloud old has no Heat (no orchestration service '
                         'in its catalog). (HTTP 409)', str(error))
