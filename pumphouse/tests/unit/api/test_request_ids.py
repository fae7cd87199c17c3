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

"""The request ids of an API request, from its X-OpenStack-Request-ID
header through RPC to the conductor and on to the clouds it calls
(requests_mock at the HTTP boundary)."""

from unittest import mock

import requests_mock

from pumphouse.common import cloud_config
from pumphouse.conductor import manager
from pumphouse.db import api as db_api
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds
from pumphouse.tests.unit.conductor import fake_keystone

GLOBAL_ID = 'req-0e6bd8a0-5d8c-4b8e-9f1a-2c3d4e5f6a7b'
HEADER = 'X-OpenStack-Request-ID'


class RequestIdTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        config, secret = cloud_config.split_registration(
            test_clouds.auth_body())
        db_api.create_cloud({'name': 'src', 'config': config,
                             'credentials': secret})
        self.contexts = []
        validate = manager.ConductorManager.validate_cloud

        def spy(conductor, context, cloud_uuid):
            self.contexts.append(context)
            return validate(conductor, context, cloud_uuid)

        patcher = mock.patch.object(manager.ConductorManager,
                                    'validate_cloud', spy)
        patcher.start()
        self.addCleanup(patcher.stop)

    def validate(self, headers=None):
        with requests_mock.Mocker() as m:
            fake_keystone.register(m)
            response = self.app.post('/v1/clouds/src/validate',
                                     headers=headers or {})
        self.assertTrue(response.json['valid'])
        self.assertTrue(m.request_history)
        return response, m.request_history


class TestRequestIds(RequestIdTestCase):

    def test_callers_id_reaches_the_conductor_and_the_cloud(self):
        response, sent = self.validate({HEADER: GLOBAL_ID})
        local_id = response.headers[HEADER]
        self.assertTrue(local_id.startswith('req-'))
        self.assertNotEqual(GLOBAL_ID, local_id)
        [context] = self.contexts
        self.assertEqual((GLOBAL_ID, local_id),
                         (context.global_request_id, context.request_id))
        # Every call to the cloud: the token, the discovery, the catalog.
        self.assertEqual({GLOBAL_ID},
                         {request.headers.get(HEADER) for request in sent})

    def test_without_one_the_cloud_gets_the_api_request_id(self):
        response, sent = self.validate()
        local_id = response.headers[HEADER]
        [context] = self.contexts
        self.assertIsNone(context.global_request_id)
        self.assertEqual({local_id},
                         {request.headers.get(HEADER) for request in sent})

    def test_malformed_id_is_ignored(self):
        response, sent = self.validate({HEADER: 'not-a-request-id'})
        local_id = response.headers[HEADER]
        self.assertIsNone(self.contexts[0].global_request_id)
        self.assertEqual({local_id},
                         {request.headers.get(HEADER) for request in sent})


class TestKeystoneMode(RequestIdTestCase):
    """Behind keystonemiddleware the context is made from its headers."""

    auth_strategy = 'keystone'

    def test_callers_id_reaches_the_conductor(self):
        identity = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u1',
                    'X-Project-Id': 'p1', 'X-Roles': 'admin,member,reader',
                    'X-Service-Catalog': '[]'}
        with mock.patch('keystonemiddleware.auth_token.AuthProtocol'
                        '.process_request', return_value=None):
            response, sent = self.validate(dict(identity,
                                                **{HEADER: GLOBAL_ID}))
        self.assertEqual(GLOBAL_ID, self.contexts[0].global_request_id)
        self.assertEqual('u1', self.contexts[0].user_id)
        self.assertEqual({GLOBAL_ID},
                         {request.headers.get(HEADER) for request in sent})
        self.assertTrue(response.headers[HEADER].startswith('req-'))
