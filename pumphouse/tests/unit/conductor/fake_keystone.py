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

"""HTTP answers of a Keystone and a Nova for requests_mock.

The boundary Pumphouse does not own is HTTP: keystoneauth and openstacksdk
run for real above these answers.
"""

AUTH_URL = 'http://keystone.test:5000/v3'
COMPUTE_URL = 'http://nova.test:8774/v2.1'
IDENTITY_URL = 'http://keystone.test:5000/v3'
TOKEN = 'tok-0123456789'


def _catalog() -> list[dict]:
    def service(service_type, name, url):
        return {'type': service_type, 'name': name, 'id': name,
                'endpoints': [{'id': f'{name}-{i}', 'interface': i,
                               'region': 'RegionOne',
                               'region_id': 'RegionOne', 'url': url}
                              for i in ('public', 'internal')]}
    return [service('identity', 'keystone', IDENTITY_URL),
            service('compute', 'nova', COMPUTE_URL)]


def token_body() -> dict:
    return {'token': {
        'methods': ['password'],
        'expires_at': '2099-01-01T00:00:00.000000Z',
        'issued_at': '2026-01-01T00:00:00.000000Z',
        'user': {'id': 'u1', 'name': 'admin',
                 'domain': {'id': 'default', 'name': 'Default'}},
        'project': {'id': 'p1', 'name': 'admin',
                    'domain': {'id': 'default', 'name': 'Default'}},
        'roles': [{'id': 'r1', 'name': 'admin'}],
        'catalog': _catalog(),
    }}


IDENTITY_VERSIONS = {'version': {
    'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
    'links': [{'rel': 'self', 'href': IDENTITY_URL + '/'}]}}

COMPUTE_VERSIONS = {'version': {
    'id': 'v2.1', 'status': 'CURRENT', 'version': '2.96',
    'min_version': '2.1', 'updated': '2013-07-23T11:33:21Z',
    'links': [{'rel': 'self', 'href': COMPUTE_URL + '/'}]}}


def register(mocker, token_status: int = 201) -> None:
    """Answer token, discovery and version requests."""
    if token_status == 201:
        mocker.post(AUTH_URL + '/auth/tokens', status_code=201,
                    json=token_body(), headers={'X-Subject-Token': TOKEN})
    else:
        mocker.post(AUTH_URL + '/auth/tokens', status_code=token_status,
                    json={'error': {'code': token_status,
                                    'title': 'Unauthorized',
                                    'message': 'The request you have made '
                                               'requires authentication.'}})
    mocker.get(IDENTITY_URL, json=IDENTITY_VERSIONS)
    mocker.get(IDENTITY_URL + '/', json=IDENTITY_VERSIONS)
    mocker.get(COMPUTE_URL, json=COMPUTE_VERSIONS)
    mocker.get(COMPUTE_URL + '/', json=COMPUTE_VERSIONS)
