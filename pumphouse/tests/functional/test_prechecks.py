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

"""Pre-checks against the real destination: a project that already exists
there, with networks of its own, cannot take the source's networks under
the source's quota. The plan says so with numbers, the migration does not
start, and nothing in the destination changes."""

import json
import subprocess

import pytest

from pumphouse.common import api_versions
from pumphouse.drivers.resources.compute import placement
from pumphouse.engine.checks import capacity
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures


def network_quota(conn, project_id: str) -> dict:
    return conn.network.get(f'/quotas/{project_id}').json()['quota']


@pytest.fixture
def crowded():
    """Project P in both clouds: 2 networks and a quota of 2 networks in
    the source, 1 network of its own in the destination."""
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    name = engine_fixtures.unique('pc-project')
    made = []
    try:
        project = source.identity.create_project(name=name,
                                                 domain_id='default')
        made.append((source, project))
        source.network.put(f'/quotas/{project.id}',
                           json={'quota': {'network': 2}})
        for n in (1, 2):
            source.network.create_network(name=f'{name}-net{n}',
                                          project_id=project.id)
        there = destination.identity.create_project(name=name,
                                                    domain_id='default')
        made.append((destination, there))
        destination.network.create_network(name=f'{name}-own',
                                           project_id=there.id)
        yield name, source, destination, there
    finally:
        for conn, project in reversed(made):
            for network in conn.network.networks(project_id=project.id):
                conn.network.delete_network(network, ignore_missing=True)
            conn.network.delete(f'/quotas/{project.id}')
            conn.identity.delete_project(project, ignore_missing=True)


def pumphouse(tmp_path, *args):
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    return subprocess.run(
        [str(fixtures.BIN / 'pumphouse'), '--config-file', str(conf),
         *args], capture_output=True, text=True, timeout=600)


def state(conn, project) -> tuple:
    return (sorted(n.name for n in conn.network.networks(
                project_id=project.id)),
            network_quota(conn, project.id),
            len(list(conn.identity.role_assignments(
                scope_project_id=project.id))))


def test_failed_quota_check_stops_with_numbers(crowded, tmp_path):
    name, _source, destination, there = crowded
    before = state(destination, there)
    migrate = ('migrate', '--source', 'source', '--destination',
               'destination', '--yes')

    refused = pumphouse(tmp_path, *migrate, 'project', name)
    assert refused.returncode != 0, refused.stdout[-3000:]
    out = refused.stdout + refused.stderr
    assert f'FAILED     quota:{name}:network.network' in out, out[-3000:]
    assert ('needs 2 network network, the destination allows 1 more '
            '(limit 2, 1 in use)') in out, out[-3000:]
    assert '--override-check' in out
    assert 'Traceback' not in out
    assert state(destination, there) == before

    # Overridden by its category, the plan would go ahead (dry run only).
    overridden = pumphouse(tmp_path, *migrate, '--dry-run',
                           '--override-check', 'quota', 'project', name)
    assert overridden.returncode == 0, overridden.stdout[-3000:]
    assert f'OVERRIDDEN quota:{name}:network.network' in overridden.stdout
    assert state(destination, there) == before


def test_plan_records_and_checks_both_clouds_api_versions(crowded,
                                                         tmp_path):
    """The events of a plan name each cloud's API versions as the clouds
    announce them (different releases on the harness), and the plan ran
    the api_version checks of both clouds."""
    name, source, destination, _there = crowded
    planned = pumphouse(tmp_path, 'migrate', '--source', 'source',
                        '--destination', 'destination', '--yes',
                        '--dry-run', '--override-check', 'quota',
                        'project', name)
    assert planned.returncode == 0, planned.stdout[-3000:]
    assert 'FAILED     api_version' not in planned.stdout
    # The newest migration: the last row of the table (a border follows).
    uuid = pumphouse(tmp_path, 'list').stdout.splitlines()[-2].split()[0]
    events = pumphouse(tmp_path, 'events', uuid).stdout
    for side, conn in (('source', source), ('destination', destination)):
        nova = api_versions.discover_cloud(conn, ('compute',))['compute']
        assert (f'versions: {side} cloud: identity v3.' in events and
                nova.describe() in events.split(f'{side} cloud: ')[1]), \
            events
    shown = json.loads(pumphouse(tmp_path, 'show', uuid, '--format',
                                 'json').stdout)
    # Networks and quotas: Nova and Neutron of the source are read, the
    # destination creates networks (its compute quota is the project's).
    assert {c['name']: c['status'] for c in shown['checks']
            if c['category'] == 'api_version'} == {
        'api_version:source:compute': 'passed',
        'api_version:source:network': 'passed',
        'api_version:destination:network': 'passed'}, shown['checks']


@pytest.fixture
def taken_address():
    """Project Q in both clouds with the same network and subnet; the
    source has a port on 10.88.0.10, the destination another port there."""
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    name = engine_fixtures.unique('pc-addr')
    made = []
    try:
        for conn in (source, destination):
            project = conn.identity.create_project(name=name,
                                                   domain_id='default')
            made.append((conn, project))
            network = conn.network.create_network(name=f'{name}-net',
                                                  project_id=project.id)
            subnet = conn.network.create_subnet(
                name=f'{name}-v4', network_id=network.id, ip_version=4,
                cidr='10.88.0.0/24', project_id=project.id)
            conn.network.create_port(
                name=f'{name}-port', network_id=network.id,
                project_id=project.id,
                fixed_ips=[{'subnet_id': subnet.id,
                            'ip_address': '10.88.0.10'}])
        yield name, destination, made[1][1]
    finally:
        for conn, project in reversed(made):
            for port in conn.network.ports(project_id=project.id):
                conn.network.delete_port(port)
            for network in conn.network.networks(project_id=project.id):
                conn.network.delete_network(network, ignore_missing=True)
            conn.identity.delete_project(project, ignore_missing=True)


def test_taken_fixed_ip_fails_the_address_check(taken_address, tmp_path):
    name, destination, there = taken_address
    ports_before = sorted(p.id for p in destination.network.ports(
        project_id=there.id))
    refused = pumphouse(tmp_path, 'migrate', '--source', 'source',
                        '--destination', 'destination', '--yes',
                        'project', name)
    assert refused.returncode != 0, refused.stdout[-3000:]
    assert (f'FAILED     addresses:{name}-v4:10.88.0.10: port {name}-port '
            f'needs 10.88.0.10 in subnet {name}-v4; port') in \
        refused.stdout, refused.stdout[-3000:]
    assert sorted(p.id for p in destination.network.ports(
        project_id=there.id)) == ports_before


def test_free_capacity_agrees_with_placement():
    """Our reading of inventories and usages gives the free capacity
    Placement itself reports in its allocation candidates."""
    destination = fixtures.sdk_connection('destination')
    found = {p.name: p for p in capacity.providers(
        placement.resource_providers(destination))}
    summaries = destination.placement.get(
        '/allocation_candidates?resources=VCPU:1,MEMORY_MB:1',
        microversion='1.29').json()['provider_summaries']
    assert summaries
    names = {rp['name']: rp['uuid'] for rp in destination.placement.get(
        '/resource_providers').json()['resource_providers']}
    for name, provider in found.items():
        summary = summaries.get(names[name])
        if summary is None:
            continue
        for resource_class in ('VCPU', 'MEMORY_MB'):
            entry = summary['resources'][resource_class]
            assert provider.free[resource_class] == \
                entry['capacity'] - entry['used'], (name, resource_class)
