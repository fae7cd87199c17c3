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

"""Version discovery, microversions, health check and error bodies."""

from pumphouse.tests import base


class TestVersionDiscovery(base.APITestCase):

    def test_root_lists_v1(self):
        body = self.app.get('/').json
        self.assertEqual('v1', body['default_version']['id'])
        self.assertEqual('1.0', body['default_version']['min_version'])
        self.assertEqual('1.5', body['default_version']['version'])
        self.assertEqual('http://localhost/v1/',
                         body['versions'][0]['links'][0]['href'])

    def test_v1_links_resources(self):
        response = self.app.get('/v1')
        self.assertEqual('migration 1.0',
                         response.headers['OpenStack-API-Version'])
        self.assertEqual('http://localhost/v1/clouds',
                         response.json['clouds'][0]['href'])

    def test_public_endpoint_is_used_in_links(self):
        self.config(public_endpoint='https://pumphouse.example.org:13799',
                    group='api')
        body = self.app.get('/v1').json
        self.assertEqual('https://pumphouse.example.org:13799/v1/clouds',
                         body['clouds'][0]['href'])

    def test_request_id_header(self):
        response = self.app.get('/')
        self.assertTrue(response.headers['x-openstack-request-id']
                        .startswith('req-'))

    def test_healthcheck(self):
        response = self.app.get('/healthcheck')
        self.assertEqual(200, response.status_int)


class TestMicroversions(base.APITestCase):

    def _get(self, header, status):
        return self.app.get('/v1/clouds', status=status,
                            headers={'OpenStack-API-Version': header})

    def test_exact_version(self):
        response = self._get('migration 1.0', 200)
        self.assertEqual('migration 1.0',
                         response.headers['OpenStack-API-Version'])
        self.assertIn('OpenStack-API-Version', response.headers['Vary'])

    def test_latest(self):
        response = self._get('migration latest', 200)
        self.assertEqual('migration 1.5',
                         response.headers['OpenStack-API-Version'])

    def test_header_of_other_service_is_ignored(self):
        response = self._get('compute 2.90', 200)
        self.assertEqual('migration 1.0',
                         response.headers['OpenStack-API-Version'])

    def test_too_new_is_406(self):
        error = self._get('migration 1.99', 406).json['error']
        self.assertEqual(406, error['code'])
        self.assertIn('1.0 to 1.5', error['message'])

    def test_too_old_is_406(self):
        self._get('migration 0.9', 406)

    def test_malformed_is_400(self):
        error = self._get('migration one.two', 400).json['error']
        self.assertIn('migration X.Y', error['message'])


class TestErrors(base.APITestCase):

    def test_unknown_path_is_json_404(self):
        error = self.app.get('/v1/nothing', status=404).json['error']
        self.assertEqual({'code', 'title', 'message'}, set(error))
        self.assertEqual('Not Found', error['title'])

    def test_wrong_method_is_405(self):
        error = self.app.put('/v1/clouds', status=405).json['error']
        self.assertEqual('PUT is not allowed on /v1/clouds.',
                         error['message'])
        self.app.post('/', status=405)
        self.app.delete('/v1', status=405)

    def test_too_large_body_is_413_and_json(self):
        body = '{"name": "%s"}' % ('x' * (10 * 1024 * 1024))
        response = self.app.post('/v1/clouds', body, status=413,
                                 content_type='application/json')
        self.assertEqual(413, response.json['error']['code'])
        self.assertIn('114688 bytes', response.json['error']['message'])
        self.assertEqual([], self.app.get('/v1/clouds').json['clouds'])
