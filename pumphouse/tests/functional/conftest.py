"""Fixtures of the functional tests."""

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures


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
