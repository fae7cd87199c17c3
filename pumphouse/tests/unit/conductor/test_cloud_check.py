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

"""Validation of a cloud with keystoneauth and openstacksdk over HTTP."""

import time

import requests
import requests_mock
import yaml

from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.conductor import cloud_check
from pumphouse.db import api as db_api
from pumphouse.tests import base
from pumphouse.tests.unit import local_servers
from pumphouse.tests.unit.conductor import fake_keystone


def _register(name='src', auth_url=fake_keystone.AUTH_URL, **connection):
    body = {'name': name,
            'auth': {'auth_url': auth_url,
                     'username': 'admin', 'password': 'pw',
                     'user_domain_name': 'Default',
                     'project_name': 'admin',
                     'project_domain_name': 'Default'}}
    body.update(connection)
    config, secret = cloud_config.split_registration(body)
    return db_api.create_cloud({'name': name, 'config': config,
                                'credentials': secret})


class TestCheck(base.TestCase):

    def test_services_and_versions(self):
        cloud = _register()
        with requests_mock.Mocker() as m:
            fake_keystone.register(m)
            result = cloud_check.check(cloud)
        self.assertTrue(result['valid'])
        self.assertIsNone(result['reason'])
        compute = next(s for s in result['services']
                       if s['type'] == 'compute')
        self.assertEqual(fake_keystone.COMPUTE_URL, compute['url'])
        self.assertEqual('RegionOne', compute['region'])
        self.assertEqual('2.1', compute['versions'][0]['min_microversion'])
        self.assertEqual('2.96', compute['versions'][0]['max_microversion'])
        identity = next(s for s in result['services']
                        if s['type'] == 'identity')
        self.assertEqual('3.14', identity['versions'][0]['version'])

    def test_endpoint_without_version_data_is_reported(self):
        cloud = _register()
        with requests_mock.Mocker() as m:
            fake_keystone.register(m)
            m.get(fake_keystone.COMPUTE_URL,
                  exc=requests.exceptions.ConnectionError('refused'))
            m.get(fake_keystone.COMPUTE_URL + '/',
                  exc=requests.exceptions.ConnectionError('refused'))
            result = cloud_check.check(cloud)
        self.assertTrue(result['valid'])
        compute = next(s for s in result['services']
                       if s['type'] == 'compute')
        self.assertEqual('the endpoint did not answer version discovery',
                         compute['error'])
        identity = next(s for s in result['services']
                        if s['type'] == 'identity')
        self.assertIsNone(identity['error'])
        self.assertEqual('No version data from: compute', result['message'])

    def test_bad_credentials(self):
        cloud = _register()
        with requests_mock.Mocker() as m:
            fake_keystone.register(m, token_status=401)
            result = cloud_check.check(cloud)
        self.assertEqual((False, 'authentication_failed'),
                         (result['valid'], result['reason']))

    def test_unreachable(self):
        cloud = _register()
        with requests_mock.Mocker() as m:
            m.register_uri(requests_mock.ANY, requests_mock.ANY,
                           exc=requests.exceptions.ConnectionError('refused'))
            result = cloud_check.check(cloud)
        self.assertEqual((False, 'unreachable'),
                         (result['valid'], result['reason']))

    def test_tls_failure(self):
        cloud = _register()
        with requests_mock.Mocker() as m:
            m.register_uri(requests_mock.ANY, requests_mock.ANY,
                           exc=requests.exceptions.SSLError('bad cert'))
            result = cloud_check.check(cloud)
        self.assertEqual((False, 'tls'), (result['valid'], result['reason']))

    def test_region_filters_the_catalog(self):
        cloud = _register(region_name='Elsewhere')
        with requests_mock.Mocker() as m:
            fake_keystone.register(m)
            result = cloud_check.check(cloud)
        self.assertTrue(result['valid'])
        self.assertEqual([], result['services'])

    def test_missing_clouds_yaml_entry_is_a_configuration_error(self):
        cloud = db_api.create_cloud({'name': 'ref',
                                     'config': {'cloud': 'gone'},
                                     'credentials': None})
        self.config(clouds_yaml=[f'{self.state_path}/none.yaml'],
                    group='clouds')
        result = cloud_check.check(cloud)
        self.assertEqual((False, 'configuration'),
                         (result['valid'], result['reason']))


    def test_auth_stored_for_another_auth_type_is_a_configuration_error(self):
        # As an earlier release stored it: the plugin takes no such field.
        secret = crypto.encrypt({'auth_type': 'password', 'auth': {
            'auth_url': fake_keystone.AUTH_URL, 'username': 'admin',
            'password': 'pw', 'user_domain_name': 'Default',
            'application_credential_id': 'a1'}})
        cloud = db_api.create_cloud({'name': 'old', 'credentials': secret,
                                     'config': {'auth_type': 'password'}})
        result = cloud_check.check(cloud)
        self.assertEqual((False, 'configuration'),
                         (result['valid'], result['reason']))
        self.assertIn('application_credential_id', result['message'])


class TestTLSSettings(base.TestCase):

    def _clouds_yaml(self, **entry):
        path = f'{self.state_path}/clouds.yaml'
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {'old': dict({'auth': {
                'auth_url': fake_keystone.AUTH_URL, 'username': 'admin',
                'password': 'pw', 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}}, **entry)}}, f)
        self.config(clouds_yaml=[path], group='clouds')

    def test_tls_overrides_stored_earlier_are_not_applied(self):
        self._clouds_yaml()
        conn = cloud_config.connect({'cloud': 'old', 'verify': False,
                                     'region_name': 'R2'}, None)
        self.assertIs(True, conn.session.verify)
        self.assertEqual('R2', conn.config.region_name)

    def test_unusable_cacert_of_clouds_yaml_is_the_same_answer(self):
        self._clouds_yaml(cacert=f'{self.state_path}/missing.pem')
        cloud = db_api.create_cloud({'name': 'ref',
                                     'config': {'cloud': 'old'},
                                     'credentials': None})
        result = cloud_check.check(cloud)
        self.assertEqual((False, 'configuration'),
                         (result['valid'], result['reason']))
        self.assertEqual('Cloud configuration is invalid: '
                         f'{cloud_config.CACERT_UNUSABLE}', result['message'])


class TestBoundedInTime(base.TestCase):

    def test_a_cloud_that_never_answers_is_unreachable_in_time(self):
        self.config(validation_timeout=1.0, group='clouds')
        silent = self.useFixture(local_servers.SilentListener())
        silent_cloud = _register(name='silent', auth_url=silent.url + '/v3')
        started = time.monotonic()
        result = cloud_check.check(silent_cloud)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual((False, 'unreachable'),
                         (result['valid'], result['reason']))
        self.assertTrue(silent.accepted)
