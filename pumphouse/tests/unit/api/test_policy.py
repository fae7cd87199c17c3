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

"""Policies of the API, enforced for the persona of the caller."""

import os

import webtest
from keystonemiddleware import auth_token

from pumphouse.api import app as api_app
from pumphouse.common import policy
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_clouds


def identity(roles, project='demo', user='u1', domain='default',
             project_name=None, domain_name='Default'):
    """The headers keystonemiddleware sets for a validated token."""
    headers = {'X-Roles': ','.join(roles), 'X-Project-Id': project,
               'X-Project-Domain-Id': domain,
               'X-Project-Domain-Name': domain_name,
               'X-User-Id': user, 'X-Identity-Status': 'Confirmed'}
    if project_name:
        headers['X-Project-Name'] = project_name
    return headers


class TestCloudPolicies(base.RPCTestCase):
    """Behind keystonemiddleware: the Pecan app sees identity headers."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone', group='api')
        self.config(response_validation='error', group='api')
        self.app = webtest.TestApp(api_app._pecan_app())
        admin = identity(['admin', 'member', 'reader'], project='admin')
        self.app.post_json('/v1/clouds', test_clouds.auth_body(),
                           headers=admin, status=201)

    def test_admin_may_do_everything(self):
        admin = identity(['admin'], project='admin')
        self.app.get('/v1/clouds', headers=admin, status=200)
        self.app.get('/v1/clouds/src', headers=admin, status=200)
        self.app.delete('/v1/clouds/src', headers=admin, status=204)

    def test_member_and_reader_are_refused(self):
        for roles in (['member', 'reader'], ['reader'], []):
            headers = identity(roles)
            for method, path in (('get', '/v1/clouds'),
                                 ('get', '/v1/clouds/src'),
                                 ('delete', '/v1/clouds/src'),
                                 ('post', '/v1/clouds/src/validate')):
                response = getattr(self.app, method)(path, headers=headers,
                                                     status=403)
                self.assertEqual(403, response.json['error']['code'])
            self.app.post_json('/v1/clouds',
                               test_clouds.auth_body(name='other'),
                               headers=headers, status=403)
        self.app.get('/v1/clouds/src', headers=identity(['admin']),
                     status=200)

    def test_identity_headers_are_ignored_without_auth(self):
        self.config(auth_strategy='noauth', group='api')
        self.app.get('/v1/clouds', headers=identity(['reader']), status=200)

    def test_operator_policy_file_is_honoured(self):
        path = os.path.join(self.state_path, 'policy.yaml')
        with open(path, 'w') as f:
            f.write('"pumphouse:cloud:get": "role:migration-operator"\n')
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()
        self.app.get('/v1/clouds', status=200,
                     headers=identity(['migration-operator']))
        self.app.get('/v1/clouds', status=403,
                     headers=identity(['admin']))


class TestPersonaRules(base.TestCase):
    """The base rules that project-owned resources build on."""

    def _allowed(self, rule, roles, project, owner):
        from pumphouse.common import context
        ctx = context.RequestContext(user_id='u', project_id=project,
                                     roles=roles)
        enforcer = policy.init_enforcer()
        return enforcer.authorize(rule, {'project_id': owner}, ctx)

    def test_project_member(self):
        rule = 'project_member_or_admin'
        self.assertTrue(self._allowed(rule, ['member'], 'demo', 'demo'))
        self.assertFalse(self._allowed(rule, ['reader'], 'demo', 'demo'))
        self.assertFalse(self._allowed(rule, ['member'], 'ops', 'demo'))
        self.assertTrue(self._allowed(rule, ['admin'], 'ops', 'demo'))

    def test_project_reader(self):
        rule = 'project_reader_or_admin'
        self.assertTrue(self._allowed(rule, ['reader'], 'demo', 'demo'))
        self.assertFalse(self._allowed(rule, ['reader'], 'ops', 'demo'))
        self.assertFalse(self._allowed(rule, [], 'demo', 'demo'))


class TestKeystoneAuthWiring(base.APITestCase):
    """The assembled application puts keystonemiddleware in front."""

    auth_strategy = 'keystone'

    def configure(self):
        for group, opts in auth_token.list_opts():
            self.cfg.register_opts(opts, group=group)
        self.config(www_authenticate_uri='http://keystone.test:5000/v3',
                    group='keystone_authtoken')

    def test_version_discovery_is_public(self):
        self.app.get('/', status=200)
        self.app.get('/v1', status=200)
        self.app.get('/v1/openapi.json', status=200)
        self.app.get('/healthcheck', status=200)

    def test_resources_need_a_token(self):
        response = self.app.get('/v1/clouds', status=401)
        self.assertEqual(401, response.json['error']['code'])
        self.assertEqual('Keystone uri="http://keystone.test:5000/v3"',
                         response.headers['WWW-Authenticate'])

    def test_spoofed_identity_headers_do_not_help(self):
        self.app.get('/v1/clouds', status=401,
                     headers=identity(['admin'], project='admin'))
