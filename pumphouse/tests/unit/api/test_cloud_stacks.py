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

"""``GET /v1/clouds/{cloud}/projects/{project}/stacks`` (microversion
1.5): a project's Heat stacks, listed by a conductor
(pumphouse.conductor.cloud_overview.project_stacks) with a token scoped
to the project, its temporary role taken back whatever happens."""

import types
from unittest import mock

import webtest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from pumphouse.api import app as api_app
from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import cloud_resources as schemas
from pumphouse.common import cloud_config
from pumphouse.common import context
from pumphouse.common import exception
from pumphouse.conductor import cloud_overview as overview
from pumphouse.conductor import rpcapi
from pumphouse.tests import base
from pumphouse.tests.unit.api import test_policy
from pumphouse.tests.unit.conductor import test_migrations as work

V14 = {'OpenStack-API-Version': 'migration 1.4'}
V15 = {'OpenStack-API-Version': 'migration 1.5'}
PATH = '/v1/clouds/src/projects/demo/stacks'
FOUND = {'project': {'id': 'p1', 'name': 'demo', 'domain_id': 'default'},
         'stacks': [{'id': 's1', 'name': 'web', 'status': 'CREATE_COMPLETE',
                     'status_reason': None, 'description': '',
                     'created_at': '2026-12-04T17:00:00Z',
                     'updated_at': None}]}

#: Two stacks as Heat's GET /v1/{project}/stacks lists them.
HEAT_STACKS = [
    {'id': 's2', 'stack_name': 'web', 'stack_status': 'UPDATE_FAILED',
     'stack_status_reason': 'Resource UPDATE failed', 'description': None,
     'creation_time': '2026-12-04T17:00:00Z',
     'updated_time': '2026-12-04T18:00:00Z', 'stack_owner': None,
     'parent': None, 'tags': None,
     'links': [{'href': 'http://heat/v1/p1/stacks/web/s2', 'rel': 'self'}]},
    {'id': 's1', 'stack_name': 'db', 'stack_status': 'CREATE_COMPLETE',
     'stack_status_reason': 'Stack CREATE completed successfully',
     'description': 'The database', 'creation_time': '2026-12-04T16:00:00Z',
     'updated_time': None},
]


def response(status: int, body: dict | None = None):
    return mock.Mock(status_code=status, headers={}, text='',
                     json=mock.Mock(return_value=body or {}),
                     reason='Internal Server Error' if status >= 500
                     else 'OK')


class FakeCloud:
    """What project_stacks reads of a cloud: its catalog, Keystone (the
    project, the role and its grants) and, with a token scoped to the
    project, Heat."""

    def __init__(self, heat=True, held=False, stacks=HEAT_STACKS,
                 heat_status=200, projects=(('p1', 'demo'),),
                 role='reader'):
        self.conn = mock.Mock(current_user_id='u1')
        if heat:
            self.conn.endpoint_for.return_value = 'http://heat/v1/admin'
        else:
            self.conn.endpoint_for.side_effect = ksa_exc.EndpointNotFound()
        known = {i: types.SimpleNamespace(id=i, name=n, domain_id='default')
                 for i, n in projects}
        identity = self.conn.identity

        def get_project(ident):
            if ident not in known:
                raise sdk_exc.NotFoundException(f'no project {ident}')
            return known[ident]
        identity.get_project.side_effect = get_project
        identity.projects.side_effect = lambda name: [
            p for p in known.values() if p.name == name]
        identity.find_role.return_value = (
            types.SimpleNamespace(id='r1') if role else None)
        identity.role_assignments.side_effect = lambda **kw: (
            ['held'] if held else [])
        self.scoped = mock.Mock()
        self.scoped.orchestration.get.return_value = response(
            heat_status, {'stacks': list(stacks)})
        self.conn.connect_as.return_value = self.scoped

    @property
    def identity(self):
        return self.conn.identity

    def patch(self, test):
        test.useFixture(_Patch(cloud_config, 'connect',
                               lambda *a, **kw: self.conn))
        return self


class _Patch:
    def __init__(self, target, name, value):
        self.patcher = mock.patch.object(target, name, value)

    def setUp(self):
        self.patcher.start()

    def cleanUp(self):
        self.patcher.stop()

    def getDetails(self):  # noqa: N802 - the fixtures protocol
        return {}


class TestRoute(base.APITestCase):

    def configure(self):
        self.config(api_retries=0, group='clouds')
        self.cloud = work.register_cloud('src')

    @mock.patch.object(overview, 'project_stacks', autospec=True,
                       return_value=FOUND)
    def test_a_projects_stacks(self, listed):
        answer = self.app.get(PATH, headers=V15)
        self.assertEqual(FOUND, answer.json)
        self.assertEqual('migration 1.5',
                         answer.headers['OpenStack-API-Version'])
        listed.assert_called_once_with(self.cloud.uuid, 'demo')

    @mock.patch.object(overview, 'project_stacks', autospec=True,
                       return_value=FOUND)
    def test_not_before_microversion_1_5(self, listed):
        for headers in (V14, {}):
            error = self.app.get(PATH, headers=headers,
                                 status=404).json['error']
            self.assertIn('needs microversion 1.5', error['message'])
        listed.assert_not_called()

    def test_unknown_cloud_is_404(self):
        error = self.app.get('/v1/clouds/nope/projects/demo/stacks',
                             headers=V15, status=404).json['error']
        self.assertEqual('Cloud nope could not be found.', error['message'])

    def test_other_methods_and_paths(self):
        self.app.post_json(PATH, {}, headers=V15, status=405)
        self.app.delete(PATH, headers=V15, status=405)
        self.app.get('/v1/clouds/src/projects', headers=V15, status=405)
        self.app.get('/v1/clouds/src/projects/demo', headers=V15,
                     status=405)
        self.app.get('/v1/clouds/src/projects/demo/servers', headers=V15,
                     status=404)

    def _error(self, status, **fake):
        FakeCloud(**fake).patch(self)
        answer = self.app.get(PATH, headers=V15, status=status)
        self.assertNotIn('Traceback', answer.text)
        return answer.json['error']['message']

    def test_the_conductor_lists_them_and_takes_the_role_back(self):
        cloud = FakeCloud().patch(self)
        answer = self.app.get('/v1/clouds/src/projects/p1/stacks',
                              headers=V15).json
        self.assertEqual(['db', 'web'], [s['name'] for s in answer['stacks']])
        self.assertEqual({'id': 'p1', 'name': 'demo',
                          'domain_id': 'default'}, answer['project'])
        cloud.identity.assign_project_role_to_user.assert_called_once_with(
            'p1', 'u1', 'r1')
        cloud.identity.unassign_project_role_from_user \
            .assert_called_once_with('p1', 'u1', 'r1')
        cloud.conn.connect_as.assert_called_once_with(project_id='p1')

    def test_unknown_project_is_404(self):
        self.assertEqual('Project demo could not be found in cloud src.',
                         self._error(404, projects=(('p1', 'web'),)))

    def test_a_name_of_several_projects_is_400(self):
        message = self._error(400, projects=(('p1', 'demo'),
                                             ('p2', 'demo')))
        self.assertIn("2 projects of cloud src are named 'demo'; give its "
                      'id', message)

    def test_a_cloud_without_heat_is_409(self):
        self.assertEqual('Cloud src has no Heat (no orchestration service '
                         'in its catalog).', self._error(409, heat=False))

    def test_a_cloud_without_the_role_is_400(self):
        self.assertIn("the source has no role 'reader' ([identity] "
                      'source_project_role)', self._error(400, role=None))

    def test_heat_failing_is_503_and_the_role_is_taken_back(self):
        cloud = FakeCloud(heat_status=500).patch(self)
        error = self.app.get(PATH, headers=V15, status=503).json['error']
        self.assertIn('Cloud src could not be read', error['message'])
        cloud.identity.unassign_project_role_from_user \
            .assert_called_once_with('p1', 'u1', 'r1')

    @mock.patch.object(overview, 'project_stacks', autospec=True,
                       side_effect=sdk_exc.SDKException('no route'))
    def test_unreachable_cloud_is_503(self, listed):
        error = self.app.get(PATH, headers=V15, status=503).json['error']
        self.assertIn('Cloud src could not be read: no route',
                      error['message'])


class TestPolicy(base.RPCTestCase):
    """Behind keystonemiddleware: admin only, as the source browser."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone', group='api')
        self.config(response_validation='error', group='api')
        self.app = webtest.TestApp(api_app._pecan_app())
        work.register_cloud('src')

    @mock.patch.object(overview, 'project_stacks', autospec=True,
                       return_value=FOUND)
    def test_admin_only(self, listed):
        for roles in (['member', 'reader'], ['reader'], []):
            error = self.app.get(PATH, status=403, headers={
                **V15, **test_policy.identity(roles)}).json['error']
            self.assertIn('pumphouse:cloud:resources', error['message'])
        listed.assert_not_called()
        admin = test_policy.identity(['admin'], project='admin')
        self.assertEqual(FOUND, self.app.get(
            PATH, headers={**V15, **admin}).json)


class TestProjectStacks(base.TestCase):
    """The conductor's side, at the Keystone and Heat boundary."""

    def setUp(self):
        super().setUp()
        self.cloud = work.register_cloud('src')

    def test_stacks_of_a_project_by_name(self):
        cloud = FakeCloud().patch(self)
        found = overview.project_stacks('src', 'demo')
        self.assertEqual({'id': 'p1', 'name': 'demo',
                          'domain_id': 'default'}, found['project'])
        db, web = found['stacks']
        self.assertEqual({'id': 's1', 'name': 'db',
                          'status': 'CREATE_COMPLETE',
                          'status_reason': 'Stack CREATE completed '
                                           'successfully',
                          'description': 'The database',
                          'created_at': '2026-12-04T16:00:00Z',
                          'updated_at': None}, db)
        self.assertEqual(('web', 'UPDATE_FAILED', ''),
                         (web['name'], web['status'], web['description']))
        validator.validate(found, schemas.project_stacks)
        cloud.scoped.orchestration.get.assert_called_once_with(
            '/stacks', params={'limit': 200})
        cloud.identity.unassign_project_role_from_user \
            .assert_called_once_with('p1', 'u1', 'r1')

    def test_a_role_held_is_neither_given_nor_taken(self):
        cloud = FakeCloud(held=True).patch(self)
        self.assertEqual(2, len(overview.project_stacks(
            self.cloud.uuid, 'p1')['stacks']))
        cloud.identity.assign_project_role_to_user.assert_not_called()
        cloud.identity.unassign_project_role_from_user.assert_not_called()

    def test_the_role_is_taken_back_when_the_listing_fails(self):
        for failure in (dict(heat_status=500), dict(scoping=True)):
            with self.subTest(**failure):
                cloud = FakeCloud(
                    heat_status=failure.get('heat_status', 200))
                if failure.get('scoping'):
                    cloud.conn.connect_as.side_effect = \
                        ksa_exc.Unauthorized('no token')
                with mock.patch.object(cloud_config, 'connect',
                                       return_value=cloud.conn):
                    self.assertRaises(
                        (sdk_exc.SDKException, exception.CloudConfigError),
                        overview.project_stacks, 'src', 'p1')
                cloud.identity.unassign_project_role_from_user \
                    .assert_called_once_with('p1', 'u1', 'r1')

    def test_no_heat_grants_nothing(self):
        cloud = FakeCloud(heat=False).patch(self)
        self.assertRaises(exception.CloudServiceMissing,
                          overview.project_stacks, 'src', 'p1')
        cloud.identity.assign_project_role_to_user.assert_not_called()
        cloud.conn.connect_as.assert_not_called()

    def test_unknown_project(self):
        FakeCloud().patch(self)
        error = self.assertRaises(exception.CloudProjectNotFound,
                                  overview.project_stacks, 'src', 'nope')
        self.assertEqual(404, error.code)

    def test_response_schema_example_is_valid(self):
        for example in schemas.project_stacks['examples']:
            validator.validate(example, schemas.project_stacks)


class TestRPCVersion(base.RPCTestCase):

    def test_added_in_1_6(self):
        self.assertEqual('1.6', rpcapi.ConductorAPI.RPC_API_VERSION)
        client = rpcapi.ConductorAPI()
        ctx = context.get_admin_context()
        self.config(conductor='1.5', group='upgrade_levels')
        error = self.assertRaises(exception.RPCVersionPinned,
                                  client.list_project_stacks, ctx,
                                  'some-cloud', 'demo')
        self.assertEqual(503, error.code)
        self.assertIn('needs conductor RPC API 1.6', str(error))
        self.config(conductor=None, group='upgrade_levels')
        self.assertRaises(exception.CloudNotFound,
                          client.list_project_stacks, ctx, 'some-cloud',
                          'demo')
