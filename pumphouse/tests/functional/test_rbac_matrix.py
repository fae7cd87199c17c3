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

"""Every caller in its lane: the RBAC matrix of the API (issue 15).

``pumphouse-api`` behind keystonemiddleware with the harness's source
Keystone, two conductors on RabbitMQ and MariaDB. Seven callers: the
cloud admin; a ``member`` and a ``reader`` of the project owning the
migrations; a member of another project; a member of a project of the
same name in another domain; no token; a revoked token (keystonemiddleware
answers it as it answers an expired one: the token is no longer valid).
Every route and method is called by each; :data:`MATRIX` holds the status
each must get. Bodies are chosen so that a caller who passes the policy
gets a distinct answer that changes nothing (a 400 for an empty body, a
404 for a host that does not exist, a 409 for cancelling a cancelled
migration); only the DELETE of a migration really deletes, one of its
own for each caller allowed to.

The migrations it works on are written into the service's database
directly (state ``cancelled``, a verification report): the matrix is about
who may call what, not about planning.
"""

import datetime
import uuid

import pytest
import requests
import sqlalchemy as sa
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from sqlalchemy import orm

from pumphouse.db import models
from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures

HEADERS = {'OpenStack-API-Version': 'migration 1.2'}
CALLERS = ('admin', 'member', 'reader', 'other', 'twin', 'none', 'revoked')
M = '{migration}'
NO_HOST = 'rbac-no-such-host'
NO_CLOUD = 'rbac-no-such-cloud'

#: (method, path, JSON body or None): statuses of admin, member, reader,
#: member of another project, member of a same-named project in another
#: domain, no token, revoked token.
MATRIX = [
    ('GET', '/', None, (200, 200, 200, 200, 200, 200, 200)),
    ('GET', '/v1', None, (200, 200, 200, 200, 200, 200, 200)),
    ('GET', '/v1/openapi.json', None,
     (200, 200, 200, 200, 200, 200, 200)),
    ('GET', '/healthcheck', None, (200, 200, 200, 200, 200, 200, 200)),
    ('GET', '/v1/clouds', None, (200, 403, 403, 403, 403, 401, 401)),
    ('POST', '/v1/clouds', {}, (400, 403, 403, 403, 403, 401, 401)),
    ('GET', '/v1/clouds/source', None, (200, 403, 403, 403, 403, 401, 401)),
    ('DELETE', f'/v1/clouds/{NO_CLOUD}', None,
     (404, 403, 403, 403, 403, 401, 401)),
    ('POST', f'/v1/clouds/{NO_CLOUD}/validate', None,
     (404, 403, 403, 403, 403, 401, 401)),
    ('GET', '/v1/migrations', None, (200, 200, 200, 200, 200, 401, 401)),
    ('POST', '/v1/migrations', {}, (400, 400, 403, 400, 400, 401, 401)),
    ('GET', f'/v1/migrations/{M}', None,
     (200, 200, 200, 404, 404, 401, 401)),
    ('GET', f'/v1/migrations/{M}/plan', None,
     (200, 200, 200, 404, 404, 401, 401)),
    ('GET', f'/v1/migrations/{M}/events', None,
     (200, 200, 200, 404, 404, 401, 401)),
    ('GET', f'/v1/migrations/{M}/report', None,
     (200, 200, 200, 404, 404, 401, 401)),
    ('PUT', f'/v1/migrations/{M}/state', {'target': 'cancelled'},
     (409, 409, 403, 404, 404, 401, 401)),
    ('POST', f'/v1/migrations/{M}/passwords', None,
     (200, 403, 403, 404, 404, 401, 401)),
    ('GET', '/v1/mappings', None, (200, 403, 403, 403, 403, 401, 401)),
    ('GET', '/v1/hosts', None, (200, 403, 403, 403, 403, 401, 401)),
    ('POST', '/v1/hosts', {}, (400, 403, 403, 403, 403, 401, 401)),
    ('GET', f'/v1/hosts/{NO_HOST}', None,
     (404, 403, 403, 403, 403, 401, 401)),
    ('PATCH', f'/v1/hosts/{NO_HOST}', {'macs': ['52:54:00:00:00:01']},
     (404, 403, 403, 403, 403, 401, 401)),
    ('PUT', f'/v1/hosts/{NO_HOST}/state', {},
     (400, 403, 403, 403, 403, 401, 401)),
    ('GET', f'/v1/hosts/{NO_HOST}/operations', None,
     (404, 403, 403, 403, 403, 401, 401)),
    ('GET', f'/v1/hosts/{NO_HOST}/evacuation-plan', None,
     (404, 403, 403, 403, 403, 401, 401)),
    ('POST', f'/v1/hosts/{NO_HOST}/evacuation-plan', {},
     (404, 403, 403, 403, 403, 401, 401)),
    ('DELETE', f'/v1/hosts/{NO_HOST}', None,
     (404, 403, 403, 403, 403, 401, 401)),
    # Last: it deletes. The admin and the member each delete a migration
    # of the project of their own (see test body).
    ('DELETE', f'/v1/migrations/{M}', None,
     (204, 204, 403, 404, 404, 401, 401)),
]


class Keystone:
    """Users, projects and a domain of the test's own in the source
    Keystone, removed at the end."""

    def __init__(self):
        self.conn = fixtures.sdk_connection('source')
        self.auth_url = fixtures.cloud_entry('source')['auth']['auth_url']
        self.tag = uuid.uuid4().hex[:8]
        self.made: list[tuple[str, object]] = []

    def project(self, name: str, domain_id: str = 'default'):
        project = self.conn.identity.create_project(name=name,
                                                    domain_id=domain_id)
        self.made.append(('project', project))
        return project

    def domain(self, name: str):
        domain = self.conn.identity.create_domain(name=name)
        self.made.append(('domain', domain))
        return domain

    def user_with(self, role: str, project, domain_id: str = 'default'):
        password = uuid.uuid4().hex
        user = self.conn.identity.create_user(
            name=f'rbac-{role}-{uuid.uuid4().hex[:8]}', domain_id=domain_id,
            password=password)
        self.made.append(('user', user))
        self.conn.identity.assign_project_role_to_user(
            project, user, self.conn.identity.find_role(role))
        return ks_session.Session(auth=v3.Password(
            auth_url=self.auth_url, username=user.name, password=password,
            user_domain_id=domain_id, project_id=project.id))

    def clean(self) -> None:
        identity = self.conn.identity
        for kind, made in reversed(self.made):
            if kind == 'domain':
                identity.update_domain(made, is_enabled=False)
                identity.delete_domain(made, ignore_missing=True)
            else:
                getattr(identity, f'delete_{kind}')(made,
                                                     ignore_missing=True)


@pytest.fixture(scope='module')
def service(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('rbac')
    with fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployment = deployment_mod.Deployment(workdir, db_url,
                                               transport_url)
        deployment.start()
        try:
            yield deployment
        finally:
            deployment.stop()


@pytest.fixture(scope='module')
def callers(service):
    keystone = Keystone()
    try:
        owner = keystone.project(f'rbac-{keystone.tag}')
        elsewhere = keystone.project(f'rbac-other-{keystone.tag}')
        domain = keystone.domain(f'rbac-domain-{keystone.tag}')
        twin = keystone.project(owner.name, domain_id=domain.id)
        admin_auth = fixtures.cloud_entry('source')['auth']
        sessions = {
            'admin': ks_session.Session(auth=v3.Password(**{
                k: admin_auth[k] for k in (
                    'auth_url', 'username', 'password', 'project_name',
                    'user_domain_name', 'project_domain_name')})),
            'member': keystone.user_with('member', owner),
            'reader': keystone.user_with('reader', owner),
            'other': keystone.user_with('member', elsewhere),
            'twin': keystone.user_with('member', twin, domain.id),
        }
        tokens = {name: session.get_token()
                  for name, session in sessions.items()}
        revoked = keystone.user_with('member', owner).get_token()
        response = keystone.conn.identity.delete(
            '/auth/tokens', headers={'X-Subject-Token': revoked})
        assert response.status_code == 204, response.text
        tokens['revoked'] = revoked
        tokens['none'] = None
        yield {'tokens': tokens, 'owner': owner}
    finally:
        keystone.clean()


def seed_migrations(service, project_id: str, count: int) -> list[str]:
    """Cancelled, verified migrations of ``project_id`` between the
    harness clouds, written into the service's database."""
    engine = sa.create_engine(service.db_url, poolclass=sa.NullPool)
    uuids = []
    try:
        with orm.Session(engine) as session, session.begin():
            clouds = {c.name: c.id for c in session.query(models.Cloud)}
            for _n in range(count):
                migration = models.Migration(
                    uuid=str(uuid.uuid4()), name='rbac', project_id=project_id,
                    source_cloud_id=clouds['source'],
                    destination_cloud_id=clouds['destination'],
                    workload={'workload': {'kind': 'project',
                                           'names': ['rbac']},
                              'strategies': {}, 'supplementary': 'depend'},
                    options={}, state='cancelled',
                    finished_at=datetime.datetime.utcnow(),
                    report={'checked': 0, 'differences': [],
                            'not_migrated': []})
                session.add(migration)
                uuids.append(migration.uuid)
    finally:
        engine.dispose()
    return uuids


def call(service, token, method, path, body):
    headers = dict(HEADERS)
    if token:
        headers['X-Auth-Token'] = token
    return requests.request(method, service.url + path, headers=headers,
                            json=body, timeout=60)


def test_every_caller_gets_the_status_of_its_lane(service, callers):
    tokens = callers['tokens']
    admin = tokens['admin']
    for name in ('source', 'destination'):
        registered = call(service, admin, 'POST', '/v1/clouds',
                          {'name': name, 'cloud': name})
        assert registered.status_code == 201, registered.text
    shared, members, admins = seed_migrations(service, callers['owner'].id,
                                              3)
    own = {'member': members, 'admin': admins}

    wrong = []
    for method, path, body, expected in MATRIX:
        for caller, status in zip(CALLERS, expected, strict=True):
            target = own.get(caller, shared) if method == 'DELETE' else \
                shared
            concrete = path.replace(M, target)
            response = call(service, tokens[caller], method, concrete, body)
            if response.status_code != status:
                wrong.append(f'{method} {path} as {caller}: '
                             f'{response.status_code}, expected {status}: '
                             f'{response.text[:200]}')
            assert response.status_code < 500, response.text
            assert 'Traceback' not in response.text
    assert not wrong, '\n'.join(wrong)

    # Lists are filtered: another project's callers see none of them.
    for caller in ('other', 'twin'):
        listed = call(service, tokens[caller], 'GET', '/v1/migrations',
                      None).json()['migrations']
        assert shared not in {m['uuid'] for m in listed}, caller
    listed = call(service, tokens['reader'], 'GET', '/v1/migrations',
                  None).json()['migrations']
    assert shared in {m['uuid'] for m in listed}
