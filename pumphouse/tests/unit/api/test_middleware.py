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

"""Pumphouse's own WSGI middleware, through the whole application."""

import json

import fixtures

from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds

UUID = '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11'
HOSTS = {'OpenStack-API-Version': 'migration 1.1'}

#: Every route that takes a JSON body, with its method.
BODY_ROUTES = (('post', '/v1/clouds'), ('post', '/v1/migrations'),
               ('put', f'/v1/migrations/{UUID}/state'),
               ('post', '/v1/hosts'), ('patch', '/v1/hosts/x'),
               ('put', '/v1/hosts/x/state'))


def nested(depth: int) -> str:
    return '{"name": ' + '[' * depth + ']' * depth + '}'


class TestDeepJson(base.APITestCase):

    def test_deep_nesting_is_400_on_every_body_route(self):
        for method, path in BODY_ROUTES:
            with self.subTest(method=method, path=path):
                response = getattr(self.app, method)(
                    path, nested(5000), headers=HOSTS,
                    content_type='application/json', status=400)
                self.assertIn('deeper than 64 levels',
                              response.json['error']['message'])

    def test_brackets_in_strings_do_not_count(self):
        body = json.dumps(test_clouds.auth_body(description='[' * 4000))
        self.app.post('/v1/clouds', body, content_type='application/json',
                      status=201)

    def test_just_under_the_limit_reaches_the_schema(self):
        error = self.app.post('/v1/clouds', nested(63),
                              content_type='application/json',
                              status=400).json['error']
        self.assertNotIn('deeper', error['message'])


class TestPathsNotUtf8(base.APITestCase):

    def test_400_with_a_json_body_and_no_traceback(self):
        logged = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        for path in ('/%FF', '/v1/clouds/%C3%28', '/healthcheck%FF',
                     '/v1/clouds?marker=%FF', '/v1/clouds/%ED%A0%80',
                     '/v1/clouds/%00'):
            with self.subTest(path=path):
                error = self.app.get(path, status=400).json['error']
                self.assertEqual(400, error['code'])
        self.assertNotIn('Traceback', logged.output)

    def test_utf8_names_still_work(self):
        self.app.get('/v1/clouds/%C3%A9t%C3%A9', status=404)


class TestJsonOnly(base.APITestCase):

    def test_other_media_types_are_415(self):
        body = json.dumps(test_clouds.auth_body())
        for content_type in ('text/plain', 'application/x-www-form-urlencoded',
                             'multipart/form-data; boundary=x',
                             'application/json; charset=latin-1'):
            with self.subTest(content_type=content_type):
                error = self.app.post('/v1/clouds', body,
                                      content_type=content_type,
                                      status=415).json['error']
                self.assertIn('application/json', error['message'])
        self.assertEqual([], self.app.get('/v1/clouds').json['clouds'])

    def test_json_with_charset_is_accepted(self):
        self.app.post('/v1/clouds', json.dumps(test_clouds.auth_body()),
                      content_type='application/json; charset=UTF-8',
                      status=201)

    def test_no_body_needs_no_content_type(self):
        self.app.delete('/v1/clouds/nothing', status=404)

    def test_content_type_of_no_body_is_not_parsed(self):
        # webob would parse the missing form: a 500 without a boundary.
        for method, path in (('DELETE', '/v1/clouds/nothing'),
                             ('POST', '/v1/clouds/nothing/validate'),
                             ('DELETE', f'/v1/migrations/{UUID}')):
            for content_type in ('multipart/form-data',
                                 'multipart/form-data; boundary=x',
                                 'application/x-www-form-urlencoded'):
                with self.subTest(method=method, content_type=content_type):
                    self.app.request(path, method=method, status=404,
                                     headers={'Content-Type': content_type})

    def test_body_not_utf8_is_400_without_traceback(self):
        logged = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        for body in (b'{"name": "\xe2"}', b'{"name": "\xff\xfe"}',
                     b'\xef'):
            with self.subTest(body=body):
                error = self.app.post('/v1/clouds', body, status=400,
                                      content_type='application/json'
                                      ).json['error']
                self.assertIn('not valid UTF-8', error['message'])
        self.assertNotIn('Traceback', logged.output)


class TestHead(test_clouds.CloudsTestCase):

    def test_head_is_get_without_a_body(self):
        self.post(test_clouds.auth_body())
        for path in ('/', '/v1', '/v1/clouds', '/v1/clouds/src',
                     '/healthcheck'):
            with self.subTest(path=path):
                get = self.app.get(path)
                head = self.app.head(path)
                self.assertEqual(get.status_int, head.status_int)
                self.assertEqual(b'', head.body)
                self.assertEqual(get.headers['Content-Type'],
                                 head.headers['Content-Type'])

    def test_head_of_a_missing_resource_is_404(self):
        response = self.app.head('/v1/clouds/nope', status=404)
        self.assertEqual(b'', response.body)

    def test_head_where_there_is_no_get_is_405(self):
        self.post(test_clouds.auth_body())
        self.app.head('/v1/clouds/src/validate', status=405)

    def test_405_names_the_method_asked_for(self):
        self.post(test_clouds.auth_body())
        error = self.app.put('/v1/clouds/src', status=405).json['error']
        self.assertEqual('PUT is not allowed on /v1/clouds/src.',
                         error['message'])


class TestNoauthHostCheck(base.APITestCase):
    """Without authentication a web page must not reach the API: not by
    DNS rebinding (Host), not from another origin (Origin)."""

    def configure(self):
        self.config(allowed_hosts=['pumphouse.lan'], group='api')
        self.config(public_endpoint='https://ph.example.org:13799',
                    group='api')

    def get(self, status, **headers):
        return self.app.get('/v1/clouds', headers=headers, status=status)

    def test_rebinding_host_names_are_400(self):
        for host in ('evil.example', 'evil.example:8799',
                     'localhost.evil.example', '127.0.0.1.nip.io:8799'):
            with self.subTest(host=host):
                error = self.get(400, Host=host).json['error']
                self.assertIn('[api] allowed_hosts', error['message'])
        self.app.post_json('/v1/clouds', test_clouds.auth_body(),
                           headers={'Host': 'evil.example'}, status=400)
        self.app.get('/healthcheck', headers={'Host': 'evil.example'},
                     status=400)
        self.assertEqual([], self.get(200).json['clouds'])

    def test_addresses_localhost_and_configured_names_are_answered(self):
        for host in ('127.0.0.1:8799', '[::1]:8799', '10.0.0.5', 'localhost',
                     'LOCALHOST:8799', 'localhost.', 'pumphouse.lan:8799',
                     'ph.example.org:13799'):
            with self.subTest(host=host):
                self.get(200, Host=host)

    def test_other_origins_are_403(self):
        for origin in ('http://evil.example', 'null',
                       'http://127.0.0.1:8080', 'http://localhost'):
            with self.subTest(origin=origin):
                error = self.app.post_json(
                    '/v1/clouds', test_clouds.auth_body(),
                    headers={'Host': 'localhost:8799', 'Origin': origin},
                    status=403).json['error']
                self.assertIn('another origin', error['message'])
        self.assertEqual([], self.get(200).json['clouds'])

    def test_own_origin_is_answered(self):
        self.get(200, Host='127.0.0.1:8799', Origin='http://127.0.0.1:8799')
        self.get(200, Host='127.0.0.1:8799',
                 Origin='https://ph.example.org:13799')


class TestKeystoneChecksNoHost(base.APITestCase):

    auth_strategy = 'keystone'

    def test_host_is_not_checked(self):
        self.app.get('/', headers={'Host': 'evil.example'}, status=200)
