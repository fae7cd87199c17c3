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

"""The deployed service end to end, against a real Keystone.

pumphouse-api behind keystonemiddleware and two pumphouse-conductor
processes share RabbitMQ and a MariaDB or PostgreSQL database; the clouds
they validate are the harness's real Keystones.
"""

import collections
import json
import uuid

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures


def register_source(admin, name='source', **overrides):
    auth = dict(fixtures.cloud_entry('source')['auth'])
    auth.update(overrides)
    response = admin.request('POST', '/v1/clouds', json={
        'name': name, 'auth': auth, 'region_name': 'RegionOne'})
    assert response.status_code == 201, response.text
    return response.json()


def validate(admin, ident):
    response = admin.request('POST', f'/v1/clouds/{ident}/validate')
    assert response.status_code == 200, response.text
    return response.json()


class TestClouds:

    def test_register_and_validate_with_credentials(self, admin):
        cloud = register_source(admin, name='src-auth')
        assert 'password' not in cloud['auth']
        result = validate(admin, cloud['uuid'])
        assert result['valid'], result
        identity = [s for s in result['services'] if s['type'] == 'identity']
        assert identity and identity[0]['versions'][0]['version'] \
            .startswith('3.')
        assert result['conductor'] in deployment_mod.CONDUCTORS

    def test_register_and_validate_by_clouds_yaml(self, admin):
        response = admin.request('POST', '/v1/clouds', json={
            'name': 'dst-ref', 'cloud': 'destination'})
        assert response.status_code == 201, response.text
        result = validate(admin, 'dst-ref')
        assert result['valid'], result
        destination = fixtures.cloud_entry('destination')['auth']['auth_url']
        urls = [s['url'] for s in result['services']]
        assert any(u.startswith(destination.rsplit('/', 1)[0])
                   for u in urls), urls

    def test_bad_password_is_reported(self, admin):
        register_source(admin, name='src-badpw', password='wrong-password')
        result = validate(admin, 'src-badpw')
        assert (result['valid'], result['reason']) == \
            (False, 'authentication_failed')

    def test_unreachable_cloud_is_reported(self, admin):
        port = fixtures.free_port()
        register_source(admin, name='src-down',
                        auth_url=f'http://127.0.0.1:{port}/v3')
        result = validate(admin, 'src-down')
        assert (result['valid'], result['reason']) == (False, 'unreachable')

    def test_list_show_delete(self, admin):
        register_source(admin, name='src-tmp')
        names = [c['name'] for c in
                 admin.request('GET', '/v1/clouds').json()['clouds']]
        assert 'src-tmp' in names
        assert admin.request('GET', '/v1/clouds/src-tmp').status_code == 200
        assert admin.request('DELETE',
                             '/v1/clouds/src-tmp').status_code == 204
        assert admin.request('GET', '/v1/clouds/src-tmp').status_code == 404


BAD_REQUESTS = [
    ('POST', '/v1/clouds', {'data': '{"name": '}, 400),
    ('POST', '/v1/clouds', {'json': {'name': 5, 'cloud': 'source'}}, 400),
    ('POST', '/v1/clouds', {'json': {'name': 'x', 'cloud': 'source',
                                     'colour': 'red'}}, 400),
    ('POST', '/v1/clouds', {'json': {'name': 'x'}}, 400),
    ('POST', '/v1/clouds', {'json': {'name': 'x', 'cloud': 'no-such'}}, 400),
    ('POST', '/v1/clouds', {'data': '{"name": "' + 'x' * (10 << 20) + '"}'},
     413),
    ('GET', f'/v1/clouds/{uuid.uuid4()}', {}, 404),
    ('POST', f'/v1/clouds/{uuid.uuid4()}/validate', {}, 404),
    ('DELETE', '/v1/clouds/no-such-cloud', {}, 404),
    ('GET', '/v1/clouds?limit=-1', {}, 400),
    ('GET', '/v1/clouds', {'headers': {
        'OpenStack-API-Version': 'migration 9.9'}}, 406),
    ('PATCH', '/v1/clouds', {}, 405),
]


def test_bad_input_is_a_clear_4xx_and_changes_nothing(admin):
    before = admin.request('GET', '/v1/clouds').json()
    for method, path, kwargs, status in BAD_REQUESTS:
        response = admin.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.text)
        error = response.json()['error']
        assert error['code'] == status and error['message'], error
        assert 'Traceback' not in response.text
    assert admin.request('GET', '/v1/clouds').json() == before


def test_personas(deployment, admin):
    """A member of a project may not touch clouds; no token is a 401."""
    conn = fixtures.sdk_connection('source')
    name = f'pumphouse-func-{uuid.uuid4().hex[:8]}'
    password = uuid.uuid4().hex
    project = conn.identity.find_project('admin')
    user = conn.identity.create_user(name=name, password=password,
                                     default_project_id=project.id,
                                     domain_id='default')
    try:
        member_role = conn.identity.find_role('member')
        conn.identity.assign_project_role_to_user(project, user, member_role)
        member = deployment.client({
            'auth_url': deployment.admin_auth['auth_url'],
            'username': name, 'password': password,
            'user_domain_name': 'Default', 'project_name': 'admin',
            'project_domain_name': 'Default'})
        response = member.request('GET', '/v1/clouds')
        assert response.status_code == 403, response.text
        assert 'pumphouse:cloud:get' in response.json()['error']['message']
    finally:
        conn.identity.delete_user(user)
    anonymous = admin.http.__class__()
    response = anonymous.get(deployment.url + '/v1/clouds', timeout=30)
    assert response.status_code == 401
    assert anonymous.get(deployment.url + '/', timeout=30).status_code == 200


def test_work_reaches_a_conductor_and_survives_one_stopping(deployment,
                                                             admin):
    register_source(admin, name='src-ha')
    served = collections.Counter(
        validate(admin, 'src-ha')['conductor'] for _ in range(8))
    assert set(served) == set(deployment_mod.CONDUCTORS), served

    stopped = deployment.processes['conductor-1']
    assert stopped.stop() == 0, stopped.output()[-2000:]
    assert deployment.live_conductors() == ['conductor-2']

    after = collections.Counter(
        validate(admin, 'src-ha')['conductor'] for _ in range(6))
    assert after == {'conductor-2': 6}

    deployment.start_conductor('conductor-1')
    assert fixtures.wait_until(lambda: deployment.live_conductors() == [
        'conductor-1', 'conductor-2'], 60)


def test_no_secret_is_logged_returned_or_stored(deployment, admin):
    """Runs last in the module: every process has done its work by now."""
    register_source(admin, name='src-secret')
    validate(admin, 'src-secret')
    password = fixtures.cloud_entry('source')['auth']['password']
    responses = json.dumps(admin.request('GET', '/v1/clouds').json())
    assert password not in responses
    assert password not in deployment.logs()
    assert admin.token not in deployment.logs()
    assert password not in deployment.dump_database()


@pytest.fixture(autouse=True)
def _processes_stay_up(deployment):
    yield
    for name, process in deployment.processes.items():
        if name != 'conductor-1':
            assert process.alive(), process.output()[-3000:]
