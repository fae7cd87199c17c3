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

"""/v1/clouds through the whole WSGI application."""

import http.client
import json
import os
import time
from concurrent import futures
from unittest import mock

import requests_mock
import yaml

from pumphouse.api import service as api_service
from pumphouse.common import cloud_config
from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.tests import base
from pumphouse.tests.unit import local_servers
from pumphouse.tests.unit.conductor import fake_keystone

PASSWORD = 'pw-0f1e2d3c-never-shown'


def auth_body(name='src', **extra):
    body = {
        'name': name,
        'description': 'the old cloud',
        'auth': {'auth_url': fake_keystone.AUTH_URL,
                 'username': 'admin',
                 'password': PASSWORD,
                 'user_domain_name': 'Default',
                 'project_name': 'admin',
                 'project_domain_name': 'Default'},
        'region_name': 'RegionOne',
        'interface': 'public',
    }
    body.update(extra)
    return body


class CloudsTestCase(base.APITestCase):

    def post(self, body, status=201):
        return self.app.post_json('/v1/clouds', body, status=status)

    def assert_no_secret(self, response):
        self.assertNotIn(PASSWORD, response.text)


class TestCreate(CloudsTestCase):

    def test_create_with_auth(self):
        response = self.post(auth_body())
        cloud = response.json
        self.assert_no_secret(response)
        self.assertEqual('src', cloud['name'])
        self.assertEqual('the old cloud', cloud['description'])
        self.assertEqual('password', cloud['auth_type'])
        self.assertEqual('admin', cloud['auth']['username'])
        self.assertNotIn('password', cloud['auth'])
        self.assertEqual('RegionOne', cloud['region_name'])
        self.assertEqual(
            f'http://localhost/v1/clouds/{cloud["uuid"]}',
            response.headers['Location'])

    def test_credentials_encrypted_at_rest(self):
        cloud = self.post(auth_body()).json
        row = db_api.get_cloud(cloud['uuid'])
        stored = json.dumps(row.as_dict(), default=str)
        self.assertNotIn(PASSWORD, stored)
        self.assertIsNotNone(row.credentials)
        with open(os.path.join(self.state_path, 'test.sqlite'), 'rb') as f:
            self.assertNotIn(PASSWORD.encode(), f.read())

    def test_create_application_credential(self):
        body = auth_body()
        body['auth_type'] = 'v3applicationcredential'
        body['auth'] = {'auth_url': fake_keystone.AUTH_URL,
                        'application_credential_id': 'ac1',
                        'application_credential_secret': PASSWORD}
        response = self.post(body)
        self.assert_no_secret(response)
        self.assertEqual({'auth_url': fake_keystone.AUTH_URL,
                          'application_credential_id': 'ac1'},
                         response.json['auth'])

    def test_create_by_clouds_yaml_reference(self):
        path = os.path.join(self.state_path, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {'old': {'auth': {
                'auth_url': fake_keystone.AUTH_URL, 'username': 'admin',
                'password': PASSWORD, 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}}}}, f)
        self.config(clouds_yaml=[path], group='clouds')
        response = self.post({'name': 'src', 'cloud': 'old'})
        self.assertEqual('old', response.json['cloud'])
        self.assert_no_secret(response)
        self.assertIsNone(db_api.get_cloud('src').credentials)

    def test_unknown_clouds_yaml_entry_is_400(self):
        path = os.path.join(self.state_path, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {}}, f)
        self.config(clouds_yaml=[path], group='clouds')
        error = self.post({'name': 'src', 'cloud': 'nope'},
                          status=400).json['error']
        self.assertIn("no usable entry 'nope'", error['message'])
        self.assertEqual([], db_api.list_clouds())

    def test_duplicate_name_is_409(self):
        self.post(auth_body())
        error = self.post(auth_body(), status=409).json['error']
        self.assertEqual('A cloud named src already exists.',
                         error['message'])
        self.assertEqual(1, len(db_api.list_clouds()))


class TestCreateBadInput(CloudsTestCase):
    """Every bad body is a 400 that stores nothing."""

    def _bad(self, body, expected_message):
        response = self.app.post('/v1/clouds', body, status=400,
                                 content_type='application/json')
        self.assertIn(expected_message, response.json['error']['message'])
        self.assertEqual([], db_api.list_clouds())
        self.assertNotIn(PASSWORD, response.text)

    def test_malformed_json(self):
        self._bad('{"name": ', 'malformed JSON')

    def test_empty_body(self):
        self._bad('', 'empty')

    def test_not_an_object(self):
        self._bad('["src"]', 'must be a JSON object')

    def test_wrong_type(self):
        self._bad(json.dumps(auth_body(name=5)), "5 is not of type 'string'")

    def test_unknown_field(self):
        self._bad(json.dumps(auth_body(colour='red')), "'colour'")

    def test_unknown_auth_field(self):
        body = auth_body()
        body['auth']['token'] = 'x'
        self._bad(json.dumps(body), "'token'")

    def test_missing_name(self):
        body = auth_body()
        del body['name']
        self._bad(json.dumps(body), "'name' is a required property")

    def test_neither_cloud_nor_auth(self):
        self._bad(json.dumps({'name': 'src'}), 'either "cloud"')

    def test_both_cloud_and_auth(self):
        self._bad(json.dumps(auth_body(cloud='old')), 'either "cloud"')

    def test_uuid_as_name(self):
        self._bad(json.dumps(auth_body(
            name='8f2b6a0e-3f7c-4c53-9d43-1a2b3c4d5e6f')), 'cannot be a UUID')

    def test_slash_in_name(self):
        self._bad(json.dumps(auth_body(name='a/b')), 'name')

    def test_bad_interface(self):
        self._bad(json.dumps(auth_body(interface='private')), 'interface')

    def test_password_missing(self):
        body = auth_body()
        del body['auth']['password']
        self._bad(json.dumps(body), 'auth.password is required')

    def test_user_domain_missing(self):
        body = auth_body()
        del body['auth']['user_domain_name']
        self._bad(json.dumps(body), 'user_domain')

    def test_auth_url_not_http(self):
        body = auth_body()
        body['auth']['auth_url'] = 'ftp://example.org'
        self._bad(json.dumps(body), 'auth_url')

    def test_auth_url_with_credentials_is_refused(self):
        body = auth_body()
        body['auth']['auth_url'] = f'http://admin:{PASSWORD}@k:5000/v3'
        self._bad(json.dumps(body),
                  'auth.auth_url must not carry a user or password')
        for auth_url in (f'https://{PASSWORD}@keystone/v3',
                         f'ftp://admin:{PASSWORD}@keystone/v3'):
            body['auth']['auth_url'] = auth_url
            self._bad(json.dumps(body), 'auth_url')

    def test_auth_fields_of_another_auth_type_are_refused(self):
        # keystoneauth's plugin fails on them at every connection (it was
        # a 500 on every validation and evacuation plan).
        body = auth_body()
        body['auth']['application_credential_id'] = 'a1'
        self._bad(json.dumps(body), 'auth.application_credential_id cannot '
                                    'be given with auth_type password')
        body = auth_body(auth_type='v3applicationcredential')
        body['auth'] = {'auth_url': fake_keystone.AUTH_URL,
                        'application_credential_id': 'a1',
                        'application_credential_secret': PASSWORD,
                        'password': PASSWORD}
        self._bad(json.dumps(body), 'auth.password cannot be given with '
                                    'auth_type v3applicationcredential')

    def test_bad_secret_is_not_quoted(self):
        body = auth_body()
        body['auth']['password'] = PASSWORD * 200
        self._bad(json.dumps(body), 'auth/password: the value does not '
                                    'satisfy "maxLength"')


class TestReadDelete(CloudsTestCase):

    def test_show_by_uuid_and_name(self):
        cloud = self.post(auth_body()).json
        by_uuid = self.app.get(f'/v1/clouds/{cloud["uuid"]}')
        by_name = self.app.get('/v1/clouds/src')
        self.assertEqual(cloud, by_uuid.json)
        self.assertEqual(cloud, by_name.json)
        self.assert_no_secret(by_uuid)

    def test_credentials_stored_in_auth_url_earlier_are_masked(self):
        cloud = self.post(auth_body()).json
        with db_api._writer() as session:
            row = session.query(models.Cloud).filter_by(
                uuid=cloud['uuid']).one()
            row.config = dict(row.config, auth=dict(
                row.config['auth'],
                auth_url=f'http://admin:{PASSWORD}@keystone/v3'))
        for path in ('/v1/clouds', '/v1/clouds/src'):
            response = self.app.get(path)
            self.assert_no_secret(response)
            self.assertIn('http://***@keystone/v3', response.text)

    def test_show_unknown_is_404(self):
        error = self.app.get('/v1/clouds/nope', status=404).json['error']
        self.assertEqual('Cloud nope could not be found.', error['message'])

    def test_list_and_paginate(self):
        for name in ('a', 'b', 'c'):
            self.post(auth_body(name=name))
        response = self.app.get('/v1/clouds')
        self.assert_no_secret(response)
        self.assertEqual(['a', 'b', 'c'],
                         [c['name'] for c in response.json['clouds']])
        first = self.app.get('/v1/clouds?limit=2').json
        self.assertEqual(['a', 'b'], [c['name'] for c in first['clouds']])
        rest = self.app.get(first['next'].replace('http://localhost', ''))
        self.assertEqual(['c'], [c['name'] for c in rest.json['clouds']])
        self.assertNotIn('next', rest.json)
        desc = self.app.get('/v1/clouds?sort_key=name&sort_dir=desc').json
        self.assertEqual(['c', 'b', 'a'],
                         [c['name'] for c in desc['clouds']])

    def test_limit_is_capped_by_max_limit(self):
        self.config(max_limit=1, group='api')
        self.post(auth_body(name='a'))
        self.post(auth_body(name='b'))
        body = self.app.get('/v1/clouds?limit=50').json
        self.assertEqual(1, len(body['clouds']))
        self.assertIn('next', body)

    def test_bad_query_parameters_are_400(self):
        for query in ('limit=0', 'limit=abc', 'sort_key=password',
                      'sort_dir=up', 'colour=red', 'marker=nope',
                      'limit=1&limit=2'):
            response = self.app.get(f'/v1/clouds?{query}', status=400)
            self.assertEqual(400, response.json['error']['code'], query)

    def test_delete(self):
        self.post(auth_body())
        self.app.delete('/v1/clouds/src', status=204)
        self.app.get('/v1/clouds/src', status=404)
        self.app.delete('/v1/clouds/src', status=404)

    def test_delete_used_cloud_is_409(self):
        cloud = db_api.get_cloud(self.post(auth_body()).json['uuid'])
        with db_api._writer() as session:
            session.add(models.Migration(
                uuid='5e0c2b1a-0d4e-4f3a-8b2c-9d8e7f6a5b4c',
                project_id='p', source_cloud_id=cloud.id,
                destination_cloud_id=cloud.id, workload={}, options={},
                state='planned'))
        error = self.app.delete('/v1/clouds/src', status=409).json['error']
        self.assertIn('used by 1 migration', error['message'])
        self.app.get('/v1/clouds/src', status=200)


class TestValidate(CloudsTestCase):

    def test_validate_goes_to_the_conductor(self):
        self.post(auth_body())
        with requests_mock.Mocker() as m:
            fake_keystone.register(m)
            result = self.app.post('/v1/clouds/src/validate').json
        self.assertTrue(result['valid'])
        self.assertEqual(self.conductor_name, result['conductor'])
        types = {s['type'] for s in result['services']}
        self.assertEqual({'identity', 'compute'}, types)
        token_request = next(r for r in m.request_history
                             if r.method == 'POST')
        self.assertEqual(PASSWORD, token_request.json()['auth']['identity']
                         ['password']['user']['password'])

    def test_validate_bad_credentials_is_reported(self):
        self.post(auth_body())
        with requests_mock.Mocker() as m:
            fake_keystone.register(m, token_status=401)
            result = self.app.post('/v1/clouds/src/validate').json
        self.assertFalse(result['valid'])
        self.assertEqual('authentication_failed', result['reason'])
        self.assertNotIn(PASSWORD, json.dumps(result))

    def test_validate_unknown_cloud_is_404(self):
        self.app.post('/v1/clouds/nope/validate', status=404)

    def test_validate_without_live_conductor_is_503(self):
        self.post(auth_body())
        self.conductor.stop()
        error = self.app.post('/v1/clouds/src/validate',
                              status=503).json['error']
        self.assertIn('No conductor is alive', error['message'])

    def test_validate_is_post_only(self):
        self.post(auth_body())
        self.app.get('/v1/clouds/src/validate', status=405)

    def test_unexpected_error_is_a_json_500_without_details(self):
        self.post(auth_body())
        with mock.patch('pumphouse.conductor.cloud_check.check',
                        autospec=True, side_effect=ValueError('internal')):
            response = self.app.post('/v1/clouds/src/validate', status=500)
        self.assertNotIn('internal', response.text)
        self.assertNotIn('Traceback', response.text)
        self.assertIn('request req-', response.json['error']['message'])


class TestTLSSettings(CloudsTestCase):
    """``cacert`` names a file on the conductors' host: every unusable
    one gets the same answer, so that no caller can probe files."""

    def configure(self):
        self.config(api_retries=0, group='clouds')

    def _validate(self, name, cacert):
        body = auth_body(name=name, cacert=cacert)
        body['auth']['auth_url'] = self.server.url + '/v3'
        self.post(body)
        return self.app.post(f'/v1/clouds/{name}/validate').json

    def test_unusable_cacert_is_one_answer(self):
        self.server = self.useFixture(
            local_servers.HTTPSServer(self.state_path))
        directory = os.path.join(self.state_path, 'certs')
        os.mkdir(directory)
        not_a_certificate = os.path.join(self.state_path, 'notes.txt')
        with open(not_a_certificate, 'w') as f:
            f.write('hello\n')
        answers = [self._validate(f'c{i}', path) for i, path in enumerate(
            ('/nonexistent/ca.pem', not_a_certificate, directory,
             os.path.join(self.state_path, 'test.sqlite')))]
        for answer in answers:
            answer.pop('conductor')
        self.assertEqual(
            {'valid': False, 'reason': 'configuration', 'services': [],
             'message': 'Cloud configuration is invalid: cacert cannot be '
                        'used: it must name a readable file of PEM CA '
                        "certificates on the conductors' host"},
            answers[0])
        self.assertEqual([answers[0]] * 4, answers)
        # The right certificate gets through TLS to the server (401).
        usable = self._validate('good', self.server.cacert)
        self.assertEqual('authentication_failed', usable['reason'])

    def test_clouds_yaml_tls_settings_cannot_be_overridden(self):
        path = os.path.join(self.state_path, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {'old': {'auth': {
                'auth_url': fake_keystone.AUTH_URL, 'username': 'admin',
                'password': PASSWORD, 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}}}}, f)
        self.config(clouds_yaml=[path], group='clouds')
        for extra in ({'verify': False}, {'cacert': '/etc/passwd'},
                      {'verify': True, 'cacert': '/etc/passwd'}):
            error = self.post(dict({'name': 'src', 'cloud': 'old'}, **extra),
                              status=400).json['error']
            self.assertIn('cannot be given with "cloud": the TLS settings '
                          'of a clouds.yaml entry are those of clouds.yaml',
                          error['message'])
        self.assertEqual([], db_api.list_clouds())
        # Region and interface still may be chosen.
        self.post({'name': 'src', 'cloud': 'old', 'region_name': 'R2',
                   'interface': 'internal'})


class TestValidationIsBounded(base.RPCTestCase):
    """Validations of a cloud that accepts connections and never answers
    do not freeze the API: the real threaded server, a real conductor,
    a silent listener on 127.0.0.1."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='noauth', group='api')
        self.config(threads=4, max_validations=2, port=0, group='api')
        self.config(validation_timeout=1.0, group='clouds')
        silent = self.useFixture(local_servers.SilentListener())
        body = auth_body()
        body['auth']['auth_url'] = silent.url + '/v3'
        config, secret = cloud_config.split_registration(body)
        db_api.create_cloud({'name': 'src', 'config': config,
                             'credentials': secret})
        self.api = api_service.APIService()
        self.api.start()
        self.addCleanup(self.api.stop)

    def _request(self, method, path):
        host, port = self.api.bind_addr[:2]
        connection = http.client.HTTPConnection(host, port, timeout=10)
        started = time.monotonic()
        try:
            connection.request(method, path)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        return response.status, body, time.monotonic() - started

    def test_validations_are_bounded_and_healthcheck_answers(self):
        started = time.monotonic()
        with futures.ThreadPoolExecutor(8) as pool:
            validations = [pool.submit(self._request, 'POST',
                                       '/v1/clouds/src/validate')
                           for _ in range(6)]
            time.sleep(0.3)  # the first ones are waiting on the cloud
            health = pool.submit(self._request, 'GET', '/healthcheck')
            health_status, _body, health_took = health.result()
            answers = [v.result() for v in validations]
        self.assertEqual(200, health_status)
        self.assertLess(health_took, 0.5)
        statuses = sorted(status for status, _body, _took in answers)
        refused = [json.loads(body) for status, body, _took in answers
                   if status == 429]
        validated = [json.loads(body) for status, body, _took in answers
                     if status == 200]
        self.assertEqual(6, len(refused) + len(validated), statuses)
        self.assertLessEqual(1, len(refused))
        self.assertIn('max_validations', refused[0]['error']['message'])
        for result in validated:
            self.assertEqual((False, 'unreachable'),
                             (result['valid'], result['reason']))
        for status, _body, took in answers:
            self.assertLess(took, 3.0 if status == 200 else 1.0, status)
        self.assertLess(time.monotonic() - started, 5.0)
