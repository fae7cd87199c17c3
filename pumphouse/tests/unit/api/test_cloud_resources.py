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

"""``GET /v1/clouds/{cloud}/resources``: what a cloud holds, read by a
conductor (pumphouse.conductor.cloud_overview)."""

from unittest import mock

from openstack import exceptions as sdk_exc

from pumphouse.api.schemas.v1 import cloud_resources as schemas
from pumphouse.conductor import cloud_overview as overview
from pumphouse.tests import base
from pumphouse.tests.unit.conductor import test_migrations as work

V13 = {'OpenStack-API-Version': 'migration 1.3'}
PROJECTS = [{'id': 'p1', 'name': 'demo', 'domain_id': 'default',
             'parent_id': 'default', 'enabled': True, 'description': '',
             'servers': 2, 'volumes': 1, 'images': 0, 'networks': 1,
             'bytes': 1073741824}]


class TestResources(base.APITestCase):

    def configure(self):
        self.config(api_retries=0, group='clouds')
        work.register_cloud('src')

    @mock.patch.object(overview, 'describe', autospec=True,
                       return_value=PROJECTS)
    def test_projects(self, describe):
        response = self.app.get('/v1/clouds/src/resources?type=projects',
                                headers=V13)
        self.assertEqual({'type': 'projects', 'projects': PROJECTS},
                         response.json)
        cloud = self.app.get('/v1/clouds/src').json
        describe.assert_called_once_with(cloud['uuid'], 'projects')

    @mock.patch.object(overview, 'describe', autospec=True,
                       side_effect=sdk_exc.SDKException('no route'))
    def test_unreachable_cloud_is_503(self, describe):
        response = self.app.get('/v1/clouds/src/resources?type=hosts',
                                headers=V13, status=503)
        self.assertIn('Cloud src could not be read',
                      response.json['error']['message'])
        self.assertNotIn('Traceback', response.text)

    def test_bad_requests(self):
        self.app.get('/v1/clouds/src/resources', headers=V13, status=400)
        self.app.get('/v1/clouds/src/resources?type=servers', headers=V13,
                     status=400)
        self.app.get('/v1/clouds/nope/resources?type=hosts', headers=V13,
                     status=404)
        self.app.get('/v1/clouds/src/resources?type=hosts', status=404)


def test_the_api_accepts_the_types_the_conductor_describes():
    assert schemas.TYPES == overview.TYPES


class FakeConnection:
    """What overview.projects reads of an openstacksdk connection."""

    def __init__(self):
        item = mock.Mock
        self.compute = item(servers=lambda all_projects: [
            item(project_id='p1'), item(project_id='p1'),
            item(project_id='p2')])
        self.block_storage = item(volumes=lambda all_projects: [
            item(project_id='p1', size=2)])
        self.image = item(images=lambda: [
            item(project_id=None, owner='p2', size=1000)])
        self.network = item(networks=lambda: [item(project_id='p2')])
        self.identity = item(projects=lambda: [
            item(id='p2', domain_id='default', parent_id='default',
                 is_enabled=True, description=None),
            item(id='p1', domain_id='default', parent_id='default',
                 is_enabled=False, description='the demo')])
        for project, name in zip(self.identity.projects(), ('web', 'demo'),
                                 strict=True):
            project.name = name


class TestOverview(base.TestCase):

    def test_projects_with_what_they_hold(self):
        conn = FakeConnection()
        conn.identity.projects = mock.Mock(return_value=[
            mock.Mock(id='p2', domain_id='default', parent_id='default',
                      is_enabled=True, description=None),
            mock.Mock(id='p1', domain_id='default', parent_id='default',
                      is_enabled=False, description='the demo')])
        for project, name in zip(conn.identity.projects(), ('web', 'demo'),
                                 strict=True):
            project.name = name
        found = overview.projects(conn)
        self.assertEqual(['demo', 'web'], [p['name'] for p in found])
        demo, web = found
        self.assertEqual((2, 1, 0, 0, 2 * overview.GIB, False),
                         (demo['servers'], demo['volumes'], demo['images'],
                          demo['networks'], demo['bytes'], demo['enabled']))
        self.assertEqual((1, 0, 1, 1, 1000),
                         (web['servers'], web['volumes'], web['images'],
                          web['networks'], web['bytes']))
