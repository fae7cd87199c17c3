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

"""Hosts between the two real clouds: evacuate, revert, reassign.

The source cloud has a spare compute host, ``source-compute-3``, whose
service starts disabled so that nothing else lands there. A test enables
it, boots its own servers there and works on it; every test puts the
harness back as it found it (service disabled, servers gone, the
destination's stand-in compute stopped and its service deleted).

Reassigning is driven through the ``pumphouse host`` command line: it is
killed while it waits for the host to join the destination and run again,
and goes on from the recorded step. The machine is the harness's BMC
emulator (``ipmi`` power driver); the ``fake`` provision driver stands
for the installer, and the test starts a destination nova-compute named
like the host to play the provisioned machine.
"""

import json
import os
import signal
import subprocess
import time

import pytest

from pumphouse.cli import local
from pumphouse.conf import CONF
from pumphouse.db import host_api
from pumphouse.db import migration_api
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import nova
from pumphouse.hosts import states
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures

SPARE = 'source-compute-3'
OTHERS = {'source-compute-1', 'source-compute-2'}
MINICLOUD = fixtures.REPO / '.minicloud'
BMCS = MINICLOUD / 'destination' / 'ironic' / 'bmcs.json'
SERVER_TIMEOUT = 180
#: Metadata that makes the harness's fake hypervisor refuse a live
#: migration (tools/minicloud/drivers/minicloud_drivers/nova_fake.py).
REFUSE_LIVE = 'minicloud:refuse-live-migration'


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        conf.config(poll_interval=1, group='hosts')
        yield conf


@pytest.fixture
def source():
    return fixtures.sdk_connection('source')


@pytest.fixture
def destination():
    return fixtures.sdk_connection('destination')


def spare_service(conn) -> dict:
    service = nova.compute_service(conn, SPARE)
    assert service is not None, f'{SPARE} has no service: restart it ' \
        '(tools/minicloud/minicloud up)'
    return service


@pytest.fixture
def spare(source):
    """Boots the test's servers on the spare host, which is enabled only
    while they boot (so that nothing else lands there); at the end the
    servers are deleted and the host is disabled again."""
    made = []
    flavor = source.compute.create_flavor(
        name=engine_fixtures.unique('ph-host-flavor'), vcpus=1, ram=64,
        disk=1)
    image = source.image.create_image(
        name=engine_fixtures.unique('ph-host-image'), disk_format='raw',
        container_format='bare', data=b'\0' * 4096, wait=True)

    def set_enabled(enabled: bool) -> None:
        nova.set_service_status(source, spare_service(source)['id'],
                                enabled, 'harness spare host')

    def boot(stopped: bool = False, metadata: dict | None = None):
        set_enabled(True)
        try:
            server = source.compute.create_server(
                name=engine_fixtures.unique('ph-host-server'),
                flavor_id=flavor.id, image_id=image.id, networks='none',
                availability_zone=f'nova:{SPARE}', metadata=metadata or {})
            made.append(server)
            server = source.compute.wait_for_server(server,
                                                    wait=SERVER_TIMEOUT)
        finally:
            set_enabled(False)
        if stopped:
            source.compute.stop_server(server)
            server = source.compute.wait_for_server(
                server, status='SHUTOFF', wait=SERVER_TIMEOUT)
        assert server.compute_host == SPARE
        return server

    boot.flavor, boot.image, boot.set_enabled = flavor, image, set_enabled
    try:
        yield boot
    finally:
        for server in made:
            source.compute.delete_server(server, ignore_missing=True)
        for server in made:
            source.compute.wait_for_delete(server, wait=SERVER_TIMEOUT)
        source.compute.delete_flavor(flavor, ignore_missing=True)
        source.image.delete_image(image, ignore_missing=True)
        if nova.compute_service(source, SPARE) is not None:
            set_enabled(False)


def test_evacuate_moves_every_server_and_enable_reverts(engine, source,
                                                        spare):
    """ACTIVE servers move live, SHUTOFF ones cold, SUSPENDED ones live
    and suspended again; one that cannot move live (the harness's fake
    hypervisor fails its pre-check) is cold-migrated instead (issue 14
    item 7)."""
    active = spare()
    stopped = spare(stopped=True)
    no_live = spare(metadata={REFUSE_LIVE: 'yes'})
    suspended = spare()
    source.compute.suspend_server(suspended)
    source.compute.wait_for_server(suspended, status='SUSPENDED',
                                   wait=SERVER_TIMEOUT)
    host = inventory.register({'name': SPARE, 'source': 'source'})
    spare.set_enabled(True)  # as a host in use is
    lines = []
    flow.request(host.uuid, states.EVACUATED)
    host = flow.run(host.uuid, emit=lambda *line: lines.append(line))

    assert (host.state, host.target, host.failed_step) == (
        states.EVACUATED, None, None)
    service = spare_service(source)
    assert (service['status'], service['disabled_reason']) == (
        'disabled', CONF.hosts.disabled_reason)
    assert nova.servers_on(source, SPARE) == []
    moved_active = source.compute.get_server(active.id)
    moved_stopped = source.compute.get_server(stopped.id)
    assert moved_active.compute_host in OTHERS
    assert moved_stopped.compute_host in OTHERS
    assert (moved_active.status, moved_stopped.status) == ('ACTIVE',
                                                           'SHUTOFF')
    moved_no_live = source.compute.get_server(no_live.id)
    assert (moved_no_live.compute_host in OTHERS,
            moved_no_live.status) == (True, 'ACTIVE')
    moved_suspended = source.compute.get_server(suspended.id)
    assert (moved_suspended.compute_host in OTHERS,
            moved_suspended.status) == (True, 'SUSPENDED')
    assert host.options['resumed_servers'] == []
    messages = [m for _step, m, _level in lines]
    assert any(f'{active.id}): live-migrating' in m for m in messages)
    assert any(f'{stopped.id}): cold-migrating' in m for m in messages)
    fallback = [m for m in messages
                if f'{no_live.id}) could not be live-migrated' in m]
    assert fallback and 'cold-migrating it instead' in fallback[0], messages
    assert [(o.step, o.state) for o in host_api.list_operations(host.id)
            if o.state != 'info'] == [
        ('disable', 'running'), ('disable', 'done'),
        ('evacuate', 'running'), ('evacuate', 'done'), ('done', 'done')]

    # Evacuated is where an evacuation ends: asking again is refused.
    with pytest.raises(Exception, match='cannot go to evacuated'):
        flow.request(host.uuid, states.EVACUATED)

    flow.request(host.uuid, states.IN_SOURCE)
    host = flow.run(host.uuid)
    assert host.state == states.IN_SOURCE
    assert spare_service(source)['status'] == 'enabled'
    spare.set_enabled(False)


def test_a_server_nova_cannot_move_stops_the_evacuation_first(engine,
                                                              source,
                                                              spare):
    """Issue 14: the plan refuses a server in ERROR before the host is
    disabled; left on the host by choice, the host ends disabled."""
    server = spare()
    # In ERROR nothing can move it.
    source.compute.reset_server_state(server, 'error')
    spare.set_enabled(True)  # as a host in use is
    host = inventory.register({'name': SPARE, 'source': 'source'})
    flow.request(host.uuid, states.EVACUATED)
    with pytest.raises(Exception, match='it is ERROR: Nova cannot move'):
        flow.run(host.uuid)
    host = host_api.get_host(host.uuid)
    assert (host.state, host.failed_step, host.target) == (
        states.IN_SOURCE, None, None)
    assert server.id in host.last_error
    assert 'ServerState' in host.last_error
    assert spare_service(source)['status'] == 'enabled'
    assert host.evacuation_plan['servers'][0]['action'] == 'blocked'

    # The operator leaves it there: the host ends disabled, not evacuated.
    flow.request(host.uuid, states.EVACUATED, values={'options': dict(
        host.options or {}, evacuation_choices={server.id: 'leave'})})
    host = flow.run(host.uuid)
    assert (host.state, host.target, host.last_error) == (
        states.DISABLED, None, None)
    assert spare_service(source)['status'] == 'disabled'
    assert source.compute.get_server(server.id).compute_host == SPARE
    assert any('left on the host as chosen' in o.message
               for o in host_api.list_operations(host.id))

    # The operator gives up on this host: back into scheduling.
    flow.request(host.uuid, states.IN_SOURCE)
    assert flow.run(host.uuid).state == states.IN_SOURCE
    assert spare_service(source)['status'] == 'enabled'
    spare.set_enabled(False)


class StandIn:
    """A destination nova-compute named like the reassigned host: what
    the provisioned machine would run."""

    def __init__(self, tmp_path) -> None:
        own = tmp_path / 'standin'
        (own / 'instances').mkdir(parents=True)
        conf = own / 'unit.conf'
        conf.write_text(f'[DEFAULT]\nhost = {SPARE}\nstate_path = {own}\n'
                        f'instances_path = {own / "instances"}\n')
        nova_conf = MINICLOUD / 'destination' / 'nova' / 'nova.conf'
        self.process = fixtures.Process(
            'standin-compute',
            [str(MINICLOUD / 'venv' / 'bin' / 'python'), '-m',
             'minicloud_drivers.nova_compute', '--config-file',
             str(nova_conf), '--config-file', str(conf)],
            own / 'compute.log')

    def stop(self, destination) -> None:
        self.process.stop(timeout=30)
        service = nova.compute_service(destination, SPARE)
        if service is None:
            return
        # A server another test booted meanwhile may sit on it.
        for server in nova.servers_on(destination, SPARE):
            destination.compute.delete_server(server['id'])
            destination.compute.wait_for_delete(
                destination.compute.get_server(server['id']),
                wait=SERVER_TIMEOUT)
        nova.delete_service(destination, service['id'])


def nova_manage(cloud: str, *args: str, ok_codes=(0,)) -> None:
    done = subprocess.run(
        [str(MINICLOUD / 'venv' / 'bin' / 'nova-manage'), '--config-file',
         str(MINICLOUD / cloud / 'nova' / 'nova.conf'), *args],
        capture_output=True, text=True, timeout=300)
    assert done.returncode in ok_codes, done.stdout + done.stderr


def discover_hosts(cloud: str = 'destination') -> None:
    """Map new compute hosts to the cloud's cell, as its operator (or its
    scheduler's periodic task) does."""
    nova_manage(cloud, 'cell_v2', 'discover_hosts')


def minicloud(*args: str) -> None:
    done = subprocess.run(
        [str(fixtures.REPO / 'tools' / 'minicloud' / 'minicloud'), *args],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def stop_spare() -> None:
    """The source nova-compute of the spare host goes down, as it does
    when its machine is taken for reinstalling."""
    minicloud('stop-unit', 'source', 'nova-compute-3')


def restart_spare(source) -> None:
    """The spare host's source nova-compute started again: its service
    registers anew, is mapped to the cell and disabled, as the harness
    leaves it."""
    stop_spare()
    # Nova joins an instance to its host's services, deleted ones too: a
    # live migration off a host whose service was deleted and registered
    # again is refused (ServiceUnavailable) until the deleted row is
    # archived.
    nova_manage('source', 'db', 'archive_deleted_rows', '--until-complete',
                '--all-cells', ok_codes=(0, 1))  # 1: rows were archived
    minicloud('start-unit', 'source', 'nova-compute-3')
    assert fixtures.wait_until(
        lambda: (nova.compute_service(source, SPARE) or {}).get('state')
        == 'up', timeout=120)
    discover_hosts('source')
    nova.set_service_status(source, spare_service(source)['id'], False,
                            'harness spare host')


@pytest.fixture
def cli(tmp_path):
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n'
                    '[hosts]\npoll_interval = 1\n'
                    '[conductor]\nheartbeat_interval = 1\n'
                    'heartbeat_timeout = 5\n')
    env = {**os.environ, 'XDG_STATE_HOME': str(tmp_path / 'xdg')}
    env.pop('OS_CLIENT_CONFIG_FILE', None)
    argv = [str(fixtures.BIN / 'pumphouse')]
    tail = ['--config-file', str(conf)]

    def run(*args: str, timeout: float = 600):
        return subprocess.run([*argv, *args, *tail], capture_output=True,
                              text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=env)

    def start(*args: str, log):
        return fixtures.Process('pumphouse', [*argv, *args, *tail], log,
                                env=env)
    run.start = start
    run.tmp = tmp_path
    return run


def bmc_info() -> dict:
    bmc = next(b for b in json.loads(BMCS.read_text())
               if b['name'] == 'destination-bmc-1')
    return {'address': bmc['address'], 'port': int(bmc['port']),
            'username': bmc['username'], 'password': bmc['password']}


def again(cli, *args: str):
    """Run a host command after a killed one: the killed command owned
    the host and is seen gone once its heartbeat is older than
    heartbeat_timeout (5 s here)."""
    for _attempt in range(10):
        done = cli(*args, timeout=900)
        if 'try again' not in done.stderr:
            return done
        time.sleep(2)
    return done


def test_reassign_resumes_after_a_kill_and_joins(cli, source, destination,
                                                 spare, tmp_path):
    server = spare()
    other = spare()
    info_file = tmp_path / 'bmc.yaml'
    info = bmc_info()
    info_file.write_text(json.dumps(info))
    aggregate = engine_fixtures.unique('ph-reassigned')
    registered = cli('host', 'register', SPARE, '--source', 'source',
                     '--destination', 'destination', '--power-driver',
                     'ipmi', '--power-info-file', str(info_file),
                     '--provision-driver', 'fake', '--mac',
                     '52:54:00:12:34:56', '--aggregate', aggregate)
    assert registered.returncode == 0, registered.stderr
    shown = cli('host', 'show', SPARE, '--format', 'json')
    assert info['password'] not in shown.stdout + registered.stdout
    listed = cli('host', 'list', '--source', 'source')
    assert listed.returncode == 0, listed.stderr
    rows = {line.split('|')[0].strip(): line for line in
            listed.stdout.splitlines() if 'source-compute-' in line}
    assert set(rows) >= OTHERS | {SPARE}, listed.stdout
    assert 'in_source' in rows[SPARE] and 'disabled' in rows[SPARE]
    assert 'not registered' in rows['source-compute-1']
    standin = None
    try:
        # Killed while it evacuates (issue 14 item 7), then run again:
        # it goes on and moves each server once.
        log = tmp_path / 'evacuate-1.log'
        killed = cli.start('host', 'evacuate', SPARE, '--yes', log=log)
        assert fixtures.wait_until(
            lambda: ': live-migrating' in log.read_text() or
            not killed.alive(), timeout=600, interval=0.2), log.read_text()
        assert killed.alive(), log.read_text()
        killed.stop(signal.SIGKILL)
        evacuated = again(cli, 'host', 'evacuate', SPARE, '--yes')
        assert evacuated.returncode == 0, evacuated.stdout + \
            evacuated.stderr
        assert nova.servers_on(source, SPARE) == []
        for moved in (server, other):
            assert source.compute.get_server(moved.id).compute_host in \
                OTHERS
            done = [m for m in nova.migrations_of(source, moved.id)
                    if m.get('status') == 'completed']
            assert len(done) == 1, (moved.id, done)
        stop_spare()
        assert fixtures.wait_until(
            lambda: spare_service(source)['state'] == 'down', timeout=180,
            interval=2)

        log = tmp_path / 'reassign-1.log'
        first = cli.start('host', 'reassign', SPARE, log=log)
        # Killed while it waits for the host in the destination.
        assert fixtures.wait_until(
            lambda: '[join] started' in log.read_text() or
            not first.alive(), timeout=600, interval=1), log.read_text()
        assert first.alive(), log.read_text()
        first.stop(signal.SIGKILL)
        output = log.read_text()
        assert '[disable]' not in output  # evacuated already
        for step in ('remove', 'power', 'provision'):
            assert f'[{step}] done' in output, output
        assert info['password'] not in output
        assert nova.compute_service(source, SPARE) is None
        assert nova.resource_provider(source, SPARE) is None

        standin = StandIn(tmp_path)
        assert fixtures.wait_until(
            lambda: (nova.compute_service(destination, SPARE) or {}).get(
                'state') == 'up', timeout=180, interval=2)
        discover_hosts()
        second = again(cli, 'host', 'reassign', SPARE)
        assert second.returncode == 0, second.stdout + second.stderr
        assert '[remove]' not in second.stdout  # resumed, not restarted
        assert '[join] done: in_destination' in second.stdout
        service = nova.compute_service(destination, SPARE)
        assert (service['status'], service['state']) == ('enabled', 'up')
        provider = nova.resource_provider(destination, SPARE)
        assert nova.inventories(destination, provider['uuid'])
        aggregates = nova._json(destination.compute.get(
            '/os-aggregates', microversion=nova.COMPUTE_MV))['aggregates']
        assert [a['hosts'] for a in aggregates
                if a['name'] == aggregate] == [[SPARE]]
        final = json.loads(cli('host', 'show', SPARE, '--format',
                               'json').stdout)
        assert (final['state'], final['target']) == ('in_destination', None)
        steps = [(o['step'], o['state']) for o in final['operations']
                 if o['state'] in ('running', 'done')]
        assert steps.count(('join', 'running')) == 2  # killed, resumed
        assert steps.count(('evacuate', 'running')) == 2  # killed, resumed
        for step in ('disable', 'remove', 'power', 'provision'):
            assert steps.count((step, 'running')) == 1, steps
    finally:
        if standin is not None:
            standin.stop(destination)
        for agg in nova._json(destination.compute.get(
                '/os-aggregates', microversion=nova.COMPUTE_MV))[
                    'aggregates']:
            if agg['name'] == aggregate:
                for host in agg.get('hosts') or []:
                    destination.compute.post(
                        f'/os-aggregates/{agg["id"]}/action',
                        json={'remove_host': {'host': host}},
                        microversion=nova.COMPUTE_MV)
                destination.compute.delete(f'/os-aggregates/{agg["id"]}',
                                           microversion=nova.COMPUTE_MV)
        if (nova.compute_service(source, SPARE) or {}).get('state') != 'up':
            restart_spare(source)


def test_evacuate_as_the_first_command_registers_the_source(cli, source,
                                                            spare):
    """Issue 14: ``host evacuate --source source HOST`` as the first
    command on a new state directory registers ``source`` from
    clouds.yaml (as ``migrate`` does) instead of failing with "Cloud
    source could not be found"."""
    server = spare()
    # ``cli`` runs on a state directory of this test's own: nothing is
    # registered there yet.
    evacuated = cli('host', 'evacuate', SPARE, '--source', 'source',
                    '--yes', timeout=900)
    try:
        assert evacuated.returncode == 0, evacuated.stdout + \
            evacuated.stderr
        assert 'could not be found' not in evacuated.stderr
        assert f'Host {SPARE} is evacuated.' in evacuated.stdout
        assert nova.servers_on(source, SPARE) == []
        assert source.compute.get_server(server.id).compute_host in OTHERS
        listed = cli('host', 'list')
        assert listed.returncode == 0, listed.stderr
        [row] = [line for line in listed.stdout.splitlines()
                 if f' {SPARE} ' in line]
        assert '| source ' in row and 'evacuated' in row, listed.stdout
    finally:
        # Back in the source's scheduling as far as Pumphouse goes; it was
        # disabled before, so it stays disabled.
        enabled = cli('host', 'enable', SPARE, '--source', 'source')
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    assert spare_service(source)['status'] == 'disabled'


def test_evacuate_to_the_destination_cloud(engine, source, destination,
                                           spare):
    server = spare()
    host = inventory.register({'name': SPARE, 'source': 'source',
                               'destination': 'destination'})
    try:
        # As the command line runs it: its own owner and dispatchers.
        with local.LocalConductor() as here:
            host = here.host(host.uuid, target=states.EVACUATED,
                             values={'options': {'to_destination': True}})
        assert host.state == states.EVACUATED
        assert nova.servers_on(source, SPARE) == []
        # The cutover of an evacuation deletes the source server.
        assert source.compute.find_server(server.id) is None
        [copy] = [s for s in destination.compute.servers(all_projects=True)
                  if s.name == server.name]
        assert copy.status == 'ACTIVE'
        # Done with: a later evacuation would make a migration of its own.
        assert host.options['evacuation_migration'] is None
        [migration] = [m for m in migration_api.list_migrations()
                       if m.name == f'evacuation of host {SPARE} '
                                    f'({host.uuid})']
        assert (migration.state, migration.workload['workload'],
                migration.owner) == (
            'completed', {'kind': 'host', 'names': [SPARE]}, None)
    finally:
        for copy in destination.compute.servers(all_projects=True):
            if copy.name == server.name:
                destination.compute.delete_server(copy)
                destination.compute.wait_for_delete(copy,
                                                    wait=SERVER_TIMEOUT)
        for flavor in destination.compute.flavors():
            if flavor.name == spare.flavor.name:
                destination.compute.delete_flavor(flavor)
        for image in destination.image.images(name=spare.image.name):
            destination.image.delete_image(image)
        flow.request(host.uuid, states.IN_SOURCE)
        flow.run(host.uuid)
