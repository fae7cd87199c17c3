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

"""Routing by explicit path segments (pumphouse.api.routing)."""

from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds

UUID = '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'
HOSTS = {'OpenStack-API-Version': 'migration 1.1'}

#: Every resource of the API, as a path.
RESOURCES = ('', '/v1', '/v1/clouds', '/v1/clouds/x', '/v1/clouds/x/validate',
             '/v1/migrations', f'/v1/migrations/{UUID}',
             f'/v1/migrations/{UUID}/plan', f'/v1/migrations/{UUID}/state',
             '/v1/mappings', '/v1/hosts', '/v1/hosts/x',
             '/v1/hosts/x/state', '/v1/hosts/x/operations')

#: Attributes of controllers and of Python objects that Pecan's default
#: routing would look up (``getattr``) as path segments.
INTERNALS = ('_lookup', '__class__', '_route', '__init__', '__dict__',
             'index', 'item', 'children', 'get', 'get_all', 'create',
             'validate_post')


class TestNoInternals(base.APITestCase):

    def test_internal_names_are_404_never_500(self):
        for resource in RESOURCES:
            for name in INTERNALS:
                path = f'{resource}/{name}'
                for method in ('get', 'post', 'delete'):
                    with self.subTest(path=path, method=method):
                        response = getattr(self.app, method)(
                            path, headers=HOSTS, expect_errors=True)
                        self.assertIn(response.status_int, (404, 405),
                                      response.text)
                        self.assertIn('error', response.json)

    def test_lookup_and_class_are_404(self):
        for path in ('/v1/clouds/_lookup', '/v1/clouds/__class__',
                     '/__class__', '/v1/clouds/x/__class__',
                     '/v1/migrations/_lookup', '/v1/hosts/_lookup'):
            with self.subTest(path=path):
                error = self.app.get(path, headers=HOSTS,
                                     status=404).json['error']
                self.assertEqual(404, error['code'])


class TestNamesAreNotRoutes(test_clouds.CloudsTestCase):

    def test_cloud_named_like_a_method_is_found_by_name(self):
        for name in ('index', 'get_all', '_lookup'):
            with self.subTest(name=name):
                uuid = self.post(test_clouds.auth_body(name)).json['uuid']
                shown = self.app.get(f'/v1/clouds/{name}').json
                self.assertEqual(uuid, shown['uuid'])

    def test_trailing_slash_still_lists(self):
        self.assertEqual([], self.app.get('/v1/clouds/').json['clouds'])
        self.app.get('/v1/', status=200)
        self.app.get('/v1//clouds', status=404)
