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

"""``openstack migration host list|show|delete`` against a mocked HTTP
API (1.1), and the microversion every host command needs."""

from keystoneauth1 import session as ksa_session
from osc_lib import exceptions

from pumphouse.osc import client as client_mod
from pumphouse.osc.v1 import clouds
from pumphouse.osc.v1 import host_evacuation
from pumphouse.osc.v1 import host_facts
from pumphouse.osc.v1 import host_targets
from pumphouse.osc.v1 import hosts
from pumphouse.tests.unit.osc import base

URL = base.URL
HOST = base.HOST
HOST_UUID = base.HOST_UUID
SECRET = base.SECRET


class TestVersions(base.HostTestCase):

    def test_host_calls_send_1_1(self):
        self.http.get(f'{URL}/v1/hosts/compute-1', json=HOST)
        self.run_command(hosts.ShowHost, ['compute-1'])
        self.assertEqual('migration 1.1', self.host_requests()[-1].headers[
            'OpenStack-API-Version'])

    def test_a_1_0_server_is_a_clear_error_before_any_request(self):
        self.http.get(URL + '/', json=base.VERSIONS)
        for cls, args in (
                (hosts.ListHost, []),
                (hosts.ShowHost, ['compute-1']),
                (host_facts.RegisterHost, ['compute-1', '--source', 'old']),
                (host_evacuation.EvacuateHost, ['compute-1', '--wait']),
                (host_evacuation.ReassignHost, ['compute-1']),
                (host_targets.EnableHost, ['compute-1']),
                (hosts.DeleteHost, ['compute-1'])):
            error = self.assertRaises(exceptions.CommandError,
                                      self.run_command, cls, args)
            self.assertEqual(
                'the migration host commands need migration API 1.1, but '
                'the server only supports 1.0 to 1.0 (upgrade Pumphouse)',
                str(error))
        self.assertEqual([], self.host_requests())

    def test_asking_for_1_0_is_a_clear_error(self):
        self.app.client_manager.migration = client_mod.Client(
            ksa_session.Session(), api_version='1.0',
            endpoint_override=URL + '/v1')
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.ListHost, [])
        self.assertIn('need migration API 1.1, but 1.0 was asked for (use '
                      '--os-migration-api-version 1.1', str(error))
        self.assertEqual([], self.host_requests())

    def test_other_commands_still_speak_1_0_to_a_1_0_server(self):
        self.http.get(URL + '/', json=base.VERSIONS)
        self.http.get(URL + '/v1/clouds', json={'clouds': []})
        self.run_command(clouds.ListCloud, [])
        self.assertEqual('migration 1.0', self.http.request_history[-1]
                         .headers['OpenStack-API-Version'])


class TestListShow(base.HostTestCase):

    def test_list_columns_and_source_filter(self):
        self.http.get(URL + '/v1/hosts', json={'hosts': [HOST]})
        columns, rows = self.run_command(hosts.ListHost,
                                         ['--source', 'old'])
        self.assertEqual(('uuid', 'name', 'source', 'destination', 'state',
                          'target'), columns)
        self.assertEqual([[HOST_UUID, 'compute-1', 'old', 'new',
                           'in_source', None]], rows)
        self.assertEqual({'source': ['old']},
                         self.host_requests()[-1].qs)

    def test_list_long_and_pages(self):
        second = dict(HOST, uuid='u2', name='compute-2', power=None,
                      provision=None, state='failed', failed_step='power')
        self.http.get(URL + '/v1/hosts', [
            {'json': {'hosts': [HOST], 'next': 'x'}},
            {'json': {'hosts': [second]}}])
        columns, rows = self.run_command(hosts.ListHost, ['--long'])
        self.assertEqual(hosts.LONG_COLUMNS, columns)
        self.assertEqual([None, 'ipmi', 'ironic'], rows[0][-3:])
        self.assertEqual(['power', None, None], rows[1][-3:])
        self.assertEqual({'marker': [HOST_UUID]},
                         self.host_requests()[-1].qs)

    def test_show_flattens_and_never_shows_secrets(self):
        # Were a server ever to return a secret, it is still not shown.
        leaky = dict(HOST, power={'driver': 'ipmi', 'info': {
            'address': '10.0.0.5', 'password': SECRET,
            'bmc_secret': SECRET, 'url': f'http://root:{SECRET}@bmc',
            'extra': {'BMC_PASS': SECRET}}})
        self.http.get(f'{URL}/v1/hosts/compute-1', json=leaky)
        for formatter in ('json', 'table', 'value'):
            self.run_whole(hosts.ShowHost, ['compute-1'], formatter)
        self.assertNotIn(SECRET, self.printed())
        self.fake_stdout.content.clear()
        self.run_whole(hosts.ShowHost, ['compute-1'], 'json')
        shown = self.printed_json()
        self.assertEqual('10.0.0.5', shown['power.info.address'])
        self.assertEqual('***', shown['power.info.password'])
        self.assertEqual('http://***@bmc', shown['power.info.url'])
        self.assertEqual({'BMC_PASS': '***'}, shown['power.info.extra'])
        self.assertEqual('uuid', next(iter(shown)))

    def test_nested_fields_are_structures_in_json_only(self):
        host = dict(HOST, provision={'driver': 'ironic', 'info': {
            'properties': {'cpu_arch': 'x86_64'}}})
        self.http.get(f'{URL}/v1/hosts/compute-1', json=host)
        self.run_whole(hosts.ShowHost, ['compute-1'], 'json')
        shown = self.printed_json()
        self.assertEqual(['52:54:00:12:34:56'], shown['macs'])
        self.assertEqual({'aggregate': 'ag1'}, shown['options'])
        self.assertEqual({'cpu_arch': 'x86_64'},
                         shown['provision.info.properties'])
        self.fake_stdout.content.clear()
        self.run_whole(hosts.ShowHost, ['compute-1'], 'table')
        table = self.printed()
        self.assertIn('| macs                      | ["52:54:00:12:34:56"]',
                      table)
        self.assertIn('{"cpu_arch": "x86_64"}', table)

    def test_show_unknown_host(self):
        self.http.get(f'{URL}/v1/hosts/nope', status_code=404, json={
            'error': {'code': 404, 'title': 'Not Found',
                      'message': 'Host nope could not be found.'}})
        error = self.assertRaises(exceptions.CommandError, self.run_command,
                                  hosts.ShowHost, ['nope'])
        self.assertEqual('Host nope could not be found. (HTTP 404)',
                         str(error))


class TestDelete(base.HostTestCase):

    def test_delete_several(self):
        for name in ('compute-1', 'compute-2'):
            self.http.delete(f'{URL}/v1/hosts/{name}', status_code=204)
        self.run_command(hosts.DeleteHost, ['compute-1', 'compute-2'])
        self.assertEqual(['/v1/hosts/compute-1', '/v1/hosts/compute-2'],
                         [r.path for r in self.host_requests()])


