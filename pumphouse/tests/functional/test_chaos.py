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

"""Chaos in CI (issue 15): ``pumphouse-api`` and two conductors on
RabbitMQ and MariaDB migrate a project of more than 40 resources (eight
servers, an attached volume, a router, security groups, a keypair, quotas);
the conductor that owns the migration is SIGKILLed at three seeded points
of its progress. The migration completes with a clean report, nothing is
created twice and no temporary image, snapshot, clone or boot user is
left. ``tools/bench/chaos.py`` runs the same with ten points.

The seed is printed; ``PUMPHOUSE_TEST_CHAOS_SEED`` replays a run.
"""

import os
import random

import pytest

from pumphouse.tests.functional import chaos
from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import server_workspace
from pumphouse.tests.functional import test_service_migrations as service

SERVERS = 8
POINTS = 3


@pytest.fixture(scope='module')
def deployment(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('chaos')
    with fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployed = deployment_mod.Deployment(workdir, db_url, transport_url)
        try:
            deployed.start()
            yield deployed
        finally:
            deployed.stop()


def build(workspace: server_workspace.ServerWorkspace) -> None:
    """Servers, a volume attached to one, a router with an interface and
    a security group with rules: more than 40 plan items."""
    network = workspace.member.network
    # A router of the project's own (no gateway: the external network
    # `public` exists only once a seed has made it).
    workspace.router = network.create_router(name=workspace.name('router'))
    network.add_interface_to_router(workspace.router,
                                    subnet_id=workspace.subnet.id)
    group = network.create_security_group(name=workspace.name('web'))
    for port in (22, 80, 443):
        network.create_security_group_rule(
            security_group_id=group.id, direction='ingress',
            protocol='tcp', port_range_min=port, port_range_max=port,
            remote_ip_prefix='0.0.0.0/0')
    servers = [workspace.boot(wait=False, security_groups=[
        {'name': group.name}]) for _n in range(SERVERS)]
    servers = [workspace.wait(s) for s in servers]
    volume = workspace.data_volume(b'chaos' * 1000)
    workspace.attach(servers[0], volume)


@pytest.fixture
def workspace():
    made = server_workspace.ServerWorkspace('chaos', cidr='10.205.0.0/24')
    try:
        build(made)
        yield made
    finally:
        made.purge()


def test_three_kills_complete_once_and_clean(deployment, admin, clouds,
                                             workspace):
    seed = int(os.environ.get('PUMPHOUSE_TEST_CHAOS_SEED',
                              random.SystemRandom().randrange(2 ** 31)))
    print(f'\nchaos seed {seed} (PUMPHOUSE_TEST_CHAOS_SEED={seed} replays '
          'it)')
    migration = service.planned(deployment, admin, _Named(workspace),
                                apply_workers=2)
    total = migration['items']['total']
    assert total >= 40, migration['items']
    points = chaos.kill_points(seed, total, POINTS)
    print(f'kill points (items done): {points} of {total}')
    service.start(admin, migration)
    kills = chaos.run_with_kills(deployment, admin, migration['uuid'],
                                 points)
    print('kills: ' + ', '.join(f'{k.owner} at {k.done} done -> '
                                f'{k.taken_over_by}' for k in kills))
    completed = service.complete(deployment, admin, migration, timeout=900)
    assert set(completed['items']['by_state']) <= {'done', 'skipped'}, \
        completed['items']
    service.assert_clean_report(admin, migration)
    assert len(kills) == POINTS, (points, kills)
    takeovers = [e for e in chaos.show(admin, migration['uuid'],
                                       '/events?limit=1000')['events']
                 if e['event_type'] == 'takeover'
                 and 'stopped heart-beating' in e['message']]
    assert [f'conductor {k.owner} stopped' in e['message']
            for k, e in zip(kills, takeovers, strict=True)] == \
        [True] * POINTS, takeovers
    assert chaos.duplicates(workspace) == {}
    assert workspace.leftovers() == {}
    assert len(workspace.copies()) == SERVERS


class _Named:
    """What ``test_service_migrations.planned`` needs of a workload."""

    def __init__(self, workspace):
        self.project = workspace.project.name
        self.suffix = workspace.prefix
