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

"""Fixtures of the functional tests."""

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import identity_workload


@pytest.fixture(scope='session')
def full_seed() -> dict:
    """The harness's ``full`` seed, run once per session (the command is
    idempotent and takes most of a minute even when everything is there):
    what it declares, parsed from its YAML. Tests that change what it made
    in the source put it back themselves."""
    return fixtures.seed_full()


@pytest.fixture(scope='module', params=['mysql', 'postgresql'])
def deployment(request, tmp_path_factory):
    """pumphouse-api and two conductors on RabbitMQ and MariaDB/PostgreSQL."""
    workdir = tmp_path_factory.mktemp(f'deployment-{request.param}')
    with fixtures.database(request.param) as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployed = deployment_mod.Deployment(workdir, db_url, transport_url)
        try:
            deployed.start()
            yield deployed
        finally:
            deployed.stop()


@pytest.fixture(scope='module')
def admin(deployment):
    return deployment.client()


@pytest.fixture
def workload(request):
    """An identity workload in the source (``param``: how many users);
    deleted from both clouds afterwards."""
    created = identity_workload.IdentityWorkload(
        users=getattr(request, 'param', 1))
    try:
        created.create()
        yield created
    finally:
        created.cleanup()


@pytest.fixture(scope='module')
def clouds(admin):
    """The harness clouds registered in the deployment."""
    for name in ('source', 'destination'):
        response = admin.request('POST', '/v1/clouds',
                                 json={'name': name, 'cloud': name})
        assert response.status_code == 201, response.text
