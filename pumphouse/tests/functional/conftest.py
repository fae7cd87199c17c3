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

"""Fixtures of the functional tests, and which of them run side by side.

``tox -e functional`` runs the tests in two lanes at once
(``tools/functional_lanes.py``): they mostly wait for the clouds, whose
processes leave the two cores half idle when one test runs at a time.
Most modules change what the harness shares: they boot servers (a spare
host enabled for a moment, a source host disabled, a stand-in
destination compute could take them), drive the hosts or the BMC
emulator, migrate the seeded project ``demo`` or change a default quota
class. Those are lane ``serial``, run one after another. The modules of
:data:`BESIDE` touch none of that and count only what carries their own
names (identity, networks and API tests): lane ``beside``, run
meanwhile. A new module is serial until it is shown to belong there.
``PUMPHOUSE_TEST_LANE`` (``serial`` or ``beside``) selects a lane's
tests; unset, every test runs.
"""

import os

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import identity_workload

#: Modules that may run beside the serial ones (see the module's text).
BESIDE = frozenset({
    'test_api_fuzz', 'test_api_process', 'test_api_raw_http', 'test_cli',
    'test_domain_workload', 'test_embedded', 'test_identity_engine',
    'test_network_drivers', 'test_ownership', 'test_prechecks',
    'test_rbac_matrix', 'test_resume', 'test_secrets_scan', 'test_service',
    'test_service_migrations', 'test_upgrade_check', 'test_ui_serve',
})


def lane_of(module: str) -> str:
    """The lane of a test module, by its name."""
    return 'beside' if module in BESIDE else 'serial'


def pytest_collection_modifyitems(config, items) -> None:
    """Only the tests of ``PUMPHOUSE_TEST_LANE``'s lane, when it is set."""
    lane = os.environ.get('PUMPHOUSE_TEST_LANE')
    if not lane:
        return
    if lane not in ('serial', 'beside'):
        raise pytest.UsageError(
            f'PUMPHOUSE_TEST_LANE={lane!r}: serial or beside')
    kept, other = [], []
    for item in items:
        (kept if lane_of(item.path.stem) == lane else other).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = kept


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
