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

"""``openstack migration host register|set``: the body of the hardware
facts, and the BMC password kept off the command line."""

import io
import json
from unittest import mock

import fixtures
from osc_lib import exceptions

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import host_facts
from pumphouse.tests.unit.osc import base

URL = base.URL
HOST = base.HOST
SECRET = base.SECRET
ENV = 'OS_MIGRATION_POWER_PASSWORD'
IPMI = ('--power-driver', 'ipmi', '--power-info', 'address=10.0.0.5',
        '--power-info', 'username=admin')


class FactsTestCase(base.HostTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(ENV))
        self.http.post(URL + '/v1/hosts', status_code=201, json=HOST)
        self.http.patch(f'{URL}/v1/hosts/compute-1', json=HOST)

    def info_file(self, text: str, name: str = 'info.yaml') -> str:
        path = self.useFixture(fixtures.TempDir()).join(name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def register(self, *args) -> dict:
        """The body ``host register compute-1 --source old ARGS`` sent."""
        self.run_command(host_facts.RegisterHost,
                         ['compute-1', '--source', 'old', *args])
        return self.last_body()


class TestRegister(FactsTestCase):

    def test_arguments_make_the_body(self):
        path = self.info_file(f'username: root\npassword: {SECRET}\n')
        result = self.run_command(host_facts.RegisterHost, [
            'compute-1', '--source', 'old', '--destination', 'new',
            '--power-driver', 'ipmi', '--power-info-file', path,
            '--power-info', 'address=10.0.0.5', '--power-info', 'port=623',
            '--power-info', 'username=admin',
            '--provision-driver', 'ironic',
            '--provision-info', 'deploy_kernel=http://img/k',
            '--provision-info', 'properties={"cpu_arch": "x86_64"}',
            '--mac', '52:54:00:12:34:56', '--mac', '52:54:00:12:34:57',
            '--aggregate', 'ag1', '--to-destination', '--no-cold-fallback'])
        self.assertEqual({
            'name': 'compute-1', 'source': 'old', 'destination': 'new',
            'power': {'driver': 'ipmi', 'info': {
                'address': '10.0.0.5', 'port': 623, 'username': 'admin',
                'password': SECRET}},
            'provision': {'driver': 'ironic', 'info': {
                'deploy_kernel': 'http://img/k',
                'properties': {'cpu_arch': 'x86_64'}}},
            'macs': ['52:54:00:12:34:56', '52:54:00:12:34:57'],
            'options': {'aggregate': 'ag1', 'to_destination': True,
                        'cold_fallback': False}}, self.last_body())
        shown = self.shown(result)
        self.assertEqual('10.0.0.5', shown['power.info.address'])
        self.assertEqual('ipmi', shown['power.driver'])
        self.assertEqual('ironic', shown['provision.driver'])
        self.assertNotIn('links', shown)
        self.assertNotIn(SECRET, json.dumps(
            {k: common.as_text(v) for k, v in shown.items()}))

    def test_the_least_body(self):
        self.run_command(host_facts.RegisterHost,
                         ['compute-1', '--source', 'old'])
        self.assertEqual({'name': 'compute-1', 'source': 'old'},
                         self.last_body())

    def test_values_are_json_when_they_parse_but_secrets_stay_strings(self):
        self.run_command(host_facts.RegisterHost, [
            'compute-1', '--source', 'old', '--power-driver', 'fake',
            '--power-info', 'port=623', '--power-info', 'on=true',
            '--power-info', 'nodes=["a", "b"]', '--power-info', 'name=bmc1',
            '--power-info', 'empty=', '--power-info', 'password=123456',
            '--power-info', 'auth_token=null', '--power-info', 'url=a=b'])
        self.assertEqual({'port': 623, 'on': True, 'nodes': ['a', 'b'],
                          'name': 'bmc1', 'empty': '', 'password': '123456',
                          'auth_token': 'null', 'url': 'a=b'},
                         self.last_body()['power']['info'])

    def test_json_info_file(self):
        path = self.info_file(json.dumps({'address': 'bmc', 'port': 6230}),
                              'info.json')
        self.run_command(host_facts.RegisterHost, [
            'compute-1', '--source', 'old', '--power-driver', 'ipmi',
            '--power-info-file', path])
        self.assertEqual({'driver': 'ipmi', 'info': {'address': 'bmc',
                                                     'port': 6230}},
                         self.last_body()['power'])

    def test_an_empty_info_file_is_an_empty_info(self):
        path = self.info_file('')
        self.run_command(host_facts.RegisterHost, [
            'compute-1', '--source', 'old', '--provision-driver', 'manual',
            '--provision-info-file', path])
        self.assertEqual({'driver': 'manual', 'info': {}},
                         self.last_body()['provision'])

    def assert_refused(self, args: list[str], message: str) -> str:
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_facts.RegisterHost,
                                  ['compute-1', '--source', 'old', *args])
        self.assertIn(message, str(error))
        self.assertEqual([], self.host_requests())
        return str(error)

    def test_info_file_not_a_mapping(self):
        path = self.info_file('- a\n- b\n')
        self.assert_refused(['--power-driver', 'ipmi', '--power-info-file',
                             path], 'must hold a mapping')

    def test_missing_info_file(self):
        self.assert_refused(['--power-driver', 'ipmi', '--power-info-file',
                             '/nonexistent/bmc.yaml'],
                            'cannot read --power-info-file '
                            '/nonexistent/bmc.yaml: No such file')

    def test_bad_yaml_is_not_quoted(self):
        path = self.info_file(f'password: {SECRET}\n  bad: [\n')
        message = self.assert_refused(
            ['--power-driver', 'ipmi', '--power-info-file', path],
            f'--power-info-file {path}, line 2: ')
        self.assertNotIn(SECRET, message)

    def test_info_needs_its_driver(self):
        self.assert_refused(['--provision-info', 'a=b'],
                            '--provision-info needs --provision-driver')

    def test_bad_pair_is_not_echoed(self):
        message = self.assert_refused(
            ['--power-driver', 'ipmi', '--power-info', SECRET],
            '--power-info is given as KEY=VALUE (an item has no =)')
        self.assertNotIn(SECRET, message)
        self.assert_refused(['--power-driver', 'ipmi', '--power-info',
                             '=x'], 'an item has no key')

    def test_api_refusal_is_one_line(self):
        self.http.post(URL + '/v1/hosts', status_code=400, json={
            'error': {'code': 400, 'title': 'Bad Request',
                      'message': 'Invalid ipmi info: address: is a '
                                 'required property'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  host_facts.RegisterHost, [
                                      'compute-1', '--source', 'old',
                                      '--power-driver', 'ipmi'])
        self.assertEqual('Invalid ipmi info: address: is a required '
                         'property (HTTP 400)', str(error))


class TestSet(FactsTestCase):

    def test_only_what_is_given_is_sent_with_patch(self):
        self.run_command(host_facts.SetHost, [
            'compute-1', '--destination', 'new', '--power-driver', 'ipmi',
            '--power-info', 'address=10.0.0.5', '--power-info',
            'password=123456'])
        [request] = self.host_requests()
        self.assertEqual('PATCH', request.method)
        self.assertEqual({'destination': 'new', 'power': {
            'driver': 'ipmi', 'info': {'address': '10.0.0.5',
                                       'password': '123456'}}},
                         request.json())

    def test_nothing_to_change_is_an_error_and_sends_nothing(self):
        self.assertRaises(exceptions.CommandError, self.run_command,
                          host_facts.SetHost, ['compute-1'])
        self.assertEqual([], self.host_requests())


class TestBmcPassword(FactsTestCase):
    """The BMC password off the command line: a prompt, a file, standard
    input or $OS_MIGRATION_POWER_PASSWORD."""

    def power_info(self, *args) -> dict:
        return self.register(*IPMI, *args)['power']['info']

    def test_prompted_on_a_terminal_without_echo(self):
        self.app.stdin = mock.Mock(isatty=mock.Mock(return_value=True))
        with mock.patch('getpass.getpass', autospec=True,
                        side_effect=[SECRET, SECRET]) as getpass:
            info = self.power_info('--power-password-prompt')
        self.assertEqual(SECRET, info['password'])
        getpass.assert_called_with('Repeat BMC password: ')

    def test_no_prompt_without_a_terminal(self):
        self.app.stdin = io.StringIO(SECRET + '\n')
        with mock.patch('getpass.getpass', autospec=True) as getpass:
            error = self.assertRaises(exceptions.CommandError,
                                      self.power_info,
                                      '--power-password-prompt')
        getpass.assert_not_called()
        self.assertIn('--power-password-prompt needs a terminal', str(error))
        self.assertEqual([], self.host_requests())

    def test_from_a_file_or_standard_input(self):
        path = self.info_file(SECRET + '\n', 'bmc-password')
        self.assertEqual(SECRET, self.power_info(
            '--power-password-file', path)['password'])
        self.app.stdin = io.StringIO(SECRET + '\n')
        self.assertEqual(SECRET, self.power_info(
            '--power-password-stdin')['password'])
        self.app.stdin = io.StringIO(SECRET + '\n')
        self.assertEqual(SECRET, self.power_info(
            '--power-password-file', '-')['password'])

    def test_from_the_environment_for_credentials_without_one(self):
        self.useFixture(fixtures.EnvironmentVariable(ENV, 'from-env'))
        self.assertEqual('from-env', self.power_info()['password'])
        # The command line and files win over the environment.
        self.assertEqual('given', self.power_info(
            '--power-info', 'password=given')['password'])
        path = self.info_file('password: in-file\n')
        self.assertEqual('in-file', self.power_info(
            '--power-info-file', path)['password'])
        # Not for a driver without credentials.
        self.assertEqual({'driver': 'fake', 'info': {}}, self.register(
            '--power-driver', 'fake')['power'])

    def test_the_option_wins_over_an_info_file(self):
        path = self.info_file('username: root\npassword: old\n')
        self.app.stdin = io.StringIO('new\n')
        self.assertEqual({'username': 'root', 'password': 'new'},
                         self.register('--power-driver', 'ipmi',
                                       '--power-info-file', path,
                                       '--power-password-stdin')
                         ['power']['info'])

    def test_given_twice_on_the_command_line_is_refused(self):
        self.app.stdin = io.StringIO('new\n')
        error = self.assertRaises(exceptions.CommandError, self.power_info,
                                  '--power-info', f'password={SECRET}',
                                  '--power-password-stdin')
        self.assertEqual('the BMC password is given twice: by --power-info '
                         'password=... and by --power-password-*',
                         str(error))
        self.assertNotIn(SECRET, str(error))

    def test_needs_the_power_driver(self):
        self.app.stdin = io.StringIO('pw\n')
        error = self.assertRaises(exceptions.CommandError, self.register,
                                  '--power-password-stdin')
        self.assertEqual('--power-password-* needs --power-driver',
                         str(error))
        self.assertEqual([], self.host_requests())

    def test_standard_input_is_read_once(self):
        error = self.assertRaises(exceptions.CommandError, self.power_info,
                                  '--power-info-file', '-',
                                  '--power-password-stdin')
        self.assertEqual('standard input can be read by one option only, '
                         'not by --power-info-file - and '
                         '--power-password-stdin', str(error))

    def test_ways_exclude_each_other(self):
        parser = host_facts.RegisterHost(self.app, None).get_parser('osc')
        self.assertRaises(SystemExit, parser.parse_args, [
            'compute-1', '--source', 'old', '--power-password-prompt',
            '--power-password-stdin'])

    def test_set_takes_it_too(self):
        path = self.info_file(SECRET + '\n', 'bmc-password')
        self.run_command(host_facts.SetHost, [
            'compute-1', *IPMI, '--power-password-file', path])
        self.assertEqual(SECRET, self.last_body()['power']['info'][
            'password'])

    def test_help_says_where_a_password_shows(self):
        parser = host_facts.SetHost(self.app, None).get_parser('osc')
        text = ' '.join(parser.format_help().split())
        self.assertIn('A secret given here is visible to every user in the '
                      'process list and kept in the shell history: prefer '
                      '--power-password-prompt, -file, -stdin, '
                      '$OS_MIGRATION_POWER_PASSWORD or --power-info-file.',
                      text)


class TestInfoFromStandardInput(FactsTestCase):

    def test_a_whole_info_from_standard_input(self):
        self.app.stdin = io.StringIO('auth:\n  auth_url: http://fuel\n'
                                     f'  password: {SECRET}\n')
        body = self.register('--provision-driver', 'fuel',
                             '--provision-info-file', '-')
        self.assertEqual({'auth': {'auth_url': 'http://fuel',
                                   'password': SECRET}},
                         body['provision']['info'])

    def test_both_infos_cannot_read_it(self):
        error = self.assertRaises(
            exceptions.CommandError, self.register, '--power-driver', 'a',
            '--power-info-file', '-', '--provision-driver', 'b',
            '--provision-info-file', '-')
        self.assertIn('not by --power-info-file - and --provision-info-file '
                      '-', str(error))
