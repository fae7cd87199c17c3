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

"""The migration API client: microversion negotiation, error lines,
pages, and names escaped in URLs."""

import requests_mock
from keystoneauth1 import session as ksa_session
from osc_lib import exceptions

from pumphouse.osc import client as client_mod
from pumphouse.osc.v1 import clouds
from pumphouse.osc.v1 import migrations
from pumphouse.tests.unit.osc import base

URL = base.URL


class TestClient(base.CommandTestCase):

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


class TestPathsEscaped(base.CommandTestCase):
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
        self.http.get(URL + '/v1/migrations/x%23y', json=base.MIGRATION)
        self.run_command(migrations.ShowMigration, ['x#y'])
        self.assertEqual('/v1/migrations/x%23y',
                         self.http.request_history[-1].path)
