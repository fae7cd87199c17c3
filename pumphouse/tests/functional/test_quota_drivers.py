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

"""Quotas between the two real clouds (issue 14 item 7).

A project's limits that differ from the destination's defaults are set
in the destination; the others are left unset, so the project keeps
following the destination's defaults for them. Proven for Nova and
Cinder by raising a default quota class in the destination after the
migration: the limits Pumphouse left unset follow it, those it set do
not. (Neutron's defaults come from its configuration file, so only its
set limit is checked here.)
"""

import pytest

from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import test_compute_drivers as compute

NOVA = '2.79'
QUOTAS = ('compute.quota', 'volume.quota', 'network.quota')


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def project():
    source = fixtures.sdk_connection('source')
    made = source.identity.create_project(
        name=engine_fixtures.unique('ph-quota'), domain_id='default')
    yield made
    for conn in (source, fixtures.sdk_connection('destination')):
        found = conn.identity.find_project(made.name, domain_id='default',
                                           ignore_missing=True)
        if found is None:
            continue
        conn.compute.delete(f'/os-quota-sets/{found.id}', microversion=NOVA)
        conn.block_storage.delete(f'/os-quota-sets/{found.id}')
        conn.network.delete(f'/quotas/{found.id}')
        conn.identity.delete_project(found)


def nova_limits(conn, project_id: str, defaults: bool = False) -> dict:
    path = f'/os-quota-sets/{project_id}' + ('/defaults' if defaults
                                             else '')
    return conn.compute.get(path, microversion=NOVA).json()['quota_set']


def cinder_limits(conn, project_id: str, defaults: bool = False) -> dict:
    path = f'/os-quota-sets/{project_id}' + ('/defaults' if defaults
                                             else '')
    return conn.block_storage.get(path).json()['quota_set']


def neutron_limits(conn, project_id: str, defaults: bool = False) -> dict:
    path = f'/quotas/{project_id}' + ('/default' if defaults else '')
    return conn.network.get(path).json()['quota']


class DefaultClass:
    """Raises a default quota class of a cloud's Nova and Cinder for a
    while, and puts it back."""

    def __init__(self, conn):
        self.conn = conn
        self.saved: list[tuple] = []

    def raise_by_one(self, proxy, microversion, key: str) -> None:
        path = '/os-quota-class-sets/default'
        current = proxy.get(path, microversion=microversion).json()[
            'quota_class_set'][key]
        self.saved.append((proxy, microversion, key, current))
        self._put(proxy, microversion, key, current + 1)

    def restore(self) -> None:
        for proxy, microversion, key, value in reversed(self.saved):
            self._put(proxy, microversion, key, value)

    @staticmethod
    def _put(proxy, microversion, key, value) -> None:
        response = proxy.put('/os-quota-class-sets/default',
                             json={'quota_class_set': {key: value}},
                             microversion=microversion)
        assert response.status_code == 200, response.text


def test_only_differing_limits_are_set(engine, project):
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    cores = nova_limits(destination, project.id, defaults=True)['cores'] + 13
    volumes = cinder_limits(destination, project.id,
                            defaults=True)['volumes'] + 7
    ports = neutron_limits(destination, project.id,
                           defaults=True)['port'] + 11
    source.compute.put(f'/os-quota-sets/{project.id}',
                       json={'quota_set': {'cores': cores}},
                       microversion=NOVA)
    source.block_storage.put(f'/os-quota-sets/{project.id}',
                             json={'quota_set': {'volumes': volumes}})
    source.network.put(f'/quotas/{project.id}',
                       json={'quota': {'port': ports}})

    migration = compute.migrate(compute.project_selection(project.name,
                                                          *QUOTAS))
    compute.assert_clean(migration)
    there = destination.identity.find_project(project.name,
                                              domain_id='default').id
    assert nova_limits(destination, there)['cores'] == cores
    assert cinder_limits(destination, there)['volumes'] == volumes
    assert neutron_limits(destination, there)['port'] == ports

    instances = nova_limits(destination, there)['instances']
    snapshots = cinder_limits(destination, there)['snapshots']
    defaults = DefaultClass(destination)
    try:
        defaults.raise_by_one(destination.compute, NOVA, 'instances')
        defaults.raise_by_one(destination.compute, NOVA, 'cores')
        defaults.raise_by_one(destination.block_storage, None, 'snapshots')
        defaults.raise_by_one(destination.block_storage, None, 'volumes')
        nova = nova_limits(destination, there)
        cinder = cinder_limits(destination, there)
        # Left unset: they follow the destination's defaults.
        assert (nova['instances'], cinder['snapshots']) == (
            instances + 1, snapshots + 1)
        # Set by the migration: they stay as in the source.
        assert (nova['cores'], cinder['volumes']) == (cores, volumes)
    finally:
        defaults.restore()
