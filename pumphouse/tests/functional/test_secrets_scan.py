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

"""Secrets scan after a full run (issue 15): 0 secrets anywhere.

``pumphouse-api`` and two conductors on RabbitMQ and MariaDB, at debug
log level, with ``password_mode = copy_hash``. The clouds are registered
with explicit credentials (not clouds.yaml references), a host with a
BMC password, and an identity project whose user has a known password is
migrated (its hash copied: the user then logs in to the destination with
it). Every API response of the run, every log line of the three
processes, every event and every row of the service's database are then
searched for each secret: both clouds' admin passwords, the BMC
password, the Keystone database passwords, the migrated user's password
and the admin's token.
"""

import uuid

import pytest
from sqlalchemy.engine import make_url

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import identity_workload
from pumphouse.tests.functional import test_hosts
from pumphouse.tests.functional import test_service_migrations as service

HOSTS = {'OpenStack-API-Version': 'migration 1.2'}


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('secrets')
    with fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployed = deployment_mod.Deployment(workdir, db_url, transport_url)
        deployed.extra_config = (
            '[identity]\npassword_mode = copy_hash\n'
            'source_keystone_connection = '
            f'{engine_fixtures.keystone_db_url("source")}\n'
            'destination_keystone_connection = '
            f'{engine_fixtures.keystone_db_url("destination")}\n')
        try:
            deployed.start()
            yield deployed
        finally:
            deployed.stop()


@pytest.fixture
def workload():
    created = identity_workload.IdentityWorkload(users=1)
    try:
        created.create()
        yield created
    finally:
        created.cleanup()


class Recorder:
    """An API client that keeps every response's text."""

    def __init__(self, client):
        self.client = client
        self.texts: list[str] = []

    def request(self, method, path, **kwargs):
        response = self.client.request(method, path, **kwargs)
        self.texts.append(f'{method} {path} -> {response.status_code}\n'
                          f'{response.headers}\n{response.text}')
        return response


def register_clouds(api) -> None:
    for name in ('source', 'destination'):
        entry = fixtures.cloud_entry(name)
        response = api.request('POST', '/v1/clouds', json={
            'name': name, 'auth': dict(entry['auth']),
            'region_name': entry.get('region_name', 'RegionOne')})
        assert response.status_code == 201, response.text
        assert api.request('POST', f'/v1/clouds/{name}/validate'
                           ).json()['valid']


def test_no_secret_anywhere_after_a_full_run(deployment, workload):
    api = Recorder(deployment.client())
    register_clouds(api)
    password = 'User-Pw-' + uuid.uuid4().hex
    user = workload.source.identity.find_user(workload.users[0],
                                              ignore_missing=False)
    workload.source.identity.update_user(user, password=password)

    bmc = test_hosts.bmc_info()
    host = f'secret-host-{uuid.uuid4().hex[:8]}'
    registered = api.request('POST', '/v1/hosts', headers=HOSTS, json={
        'name': host, 'source': 'source', 'power': {
            'driver': 'ipmi', 'info': bmc}})
    assert registered.status_code == 201, registered.text

    migration = service.planned(deployment, api, workload)
    service.start(api, migration)
    service.complete(deployment, api, migration)
    service.assert_clean_report(api, migration)
    auth_url = fixtures.cloud_entry('destination')['auth']['auth_url']
    session = deployment_mod.keystone_session({
        'auth_url': auth_url, 'username': workload.users[0],
        'password': password, 'user_domain_name': 'Default',
        'project_name': workload.project,
        'project_domain_name': 'Default'})
    assert session.get_token()  # copy_hash brought the password along

    uuid_ = migration['uuid']
    for path in ('/v1/clouds', '/v1/clouds/source', '/v1/migrations',
                 f'/v1/migrations/{uuid_}', f'/v1/migrations/{uuid_}/plan',
                 f'/v1/migrations/{uuid_}/events?limit=1000',
                 f'/v1/migrations/{uuid_}/report', '/v1/mappings'):
        assert api.request('GET', path).status_code == 200, path
    assert api.request('POST', f'/v1/migrations/{uuid_}/passwords'
                       ).json()['passwords'] == []
    for path in ('/v1/hosts', f'/v1/hosts/{host}',
                 f'/v1/hosts/{host}/operations'):
        assert api.request('GET', path, headers=HOSTS).status_code == 200
    assert api.request('DELETE', f'/v1/hosts/{host}',
                       headers=HOSTS).status_code == 204

    secrets = {
        'source admin password':
            fixtures.cloud_entry('source')['auth']['password'],
        'destination admin password':
            fixtures.cloud_entry('destination')['auth']['password'],
        'BMC password': bmc['password'],
        'migrated user password': password,
        'admin token': api.client.token,
    }
    for side in ('source', 'destination'):
        db_password = make_url(engine_fixtures.keystone_db_url(side)).password
        if db_password:
            secrets[f'{side} Keystone database password'] = db_password
    corpora = {'API responses': '\n'.join(api.texts),
               'logs': deployment.logs(),
               'database rows': deployment.dump_database()}
    assert len(corpora['logs']) > 10000, 'debug logs were expected'
    found = [f'{secret} in {where}' for secret, value in secrets.items()
             for where, text in corpora.items() if value in text]
    assert found == []
