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

"""Crash and resume: SIGKILL ``pumphouse migrate`` in the middle of apply.

The process is killed at several points of the apply (after a growing
number of plan items are done, so the kill lands in the middle of
whatever comes next), resumed with ``pumphouse resume`` each time, and
the migration must end with no duplicate in the destination and an
empty verification report. The project holds identity resources and a
network footprint (network, subnet, router with an interface, ports with
fixed IPs, a security group with rules, a keypair, quotas), whose
Neutron names need not be unique: a duplicate would go unnoticed by the
API.
"""

import signal
import sqlite3
import subprocess
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pumphouse.tests.functional import fixtures

USERS = 12
PORTS = 4
KILL_AFTER_DONE = (2, 9, 20, 33, 45)
NOVA_KEYPAIRS = '2.10'


@pytest.fixture
def workload():
    """A project with USERS users, each a member, a group of them and a
    network footprint."""
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    tag = uuid.uuid4().hex[:8]
    project_name, group_name = f'resume-{tag}', f'resume-{tag}-g'
    users = [f'resume-{tag}-u{n:02d}' for n in range(USERS)]
    try:
        project = source.identity.create_project(name=project_name,
                                                 domain_id='default')
        member = source.identity.find_role('member')
        group = source.identity.create_group(name=group_name,
                                             domain_id='default')
        for name in users:
            user = source.identity.create_user(
                name=name, domain_id='default', password=uuid.uuid4().hex)
            source.identity.assign_project_role_to_user(project, user,
                                                        member)
            source.identity.add_user_to_group(user, group)
        source.identity.assign_project_role_to_group(project, group, member)
        _network_footprint(source, project, users[0], tag)
        yield project_name, users, group_name
    finally:
        for conn in (destination, source):
            _delete_network_footprint(conn, project_name)
            for name in users:
                for user in conn.identity.users(name=name):
                    conn.identity.delete_user(user)
            for found in conn.identity.groups(name=group_name):
                conn.identity.delete_group(found)
            for found in conn.identity.projects(name=project_name):
                conn.identity.delete_project(found)


def _network_footprint(source, project, user_name: str, tag: str) -> None:
    net = source.network.create_network(name=f'resume-{tag}-net',
                                        project_id=project.id)
    subnet = source.network.create_subnet(
        name=f'resume-{tag}-v4', network_id=net.id, ip_version=4,
        cidr='10.77.0.0/24', project_id=project.id)
    group = source.network.create_security_group(
        name=f'resume-{tag}-sg', project_id=project.id)
    for port in (22, 80):
        source.network.create_security_group_rule(
            security_group_id=group.id, direction='ingress',
            protocol='tcp', port_range_min=port, port_range_max=port,
            remote_ip_prefix='0.0.0.0/0', project_id=project.id)
    for n in range(PORTS):
        source.network.create_port(
            name=f'resume-{tag}-p{n}', network_id=net.id,
            project_id=project.id, security_groups=[group.id],
            fixed_ips=[{'subnet_id': subnet.id,
                        'ip_address': f'10.77.0.{20 + n}'}])
    router = source.network.create_router(name=f'resume-{tag}-r',
                                          project_id=project.id)
    source.network.add_interface_to_router(router, subnet_id=subnet.id)
    source.network.put(f'/quotas/{project.id}',
                       json={'quota': {'port': 77}})
    user = source.identity.find_user(user_name, domain_id='default')
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    response = source.compute.post(
        '/os-keypairs', microversion=NOVA_KEYPAIRS,
        json={'keypair': {'name': f'resume-{tag}-key', 'user_id': user.id,
                          'public_key': key.decode()}})
    assert response.status_code in (200, 201), response.text


def _delete_network_footprint(conn, project_name: str) -> None:
    for project in conn.identity.projects(name=project_name):
        network = conn.network
        for router in network.routers(project_id=project.id):
            for port in network.ports(device_id=router.id):
                network.remove_interface_from_router(router,
                                                     port_id=port.id)
            network.delete_router(router)
        for port in network.ports(project_id=project.id):
            network.delete_port(port)
        for net in network.networks(project_id=project.id):
            network.delete_network(net)
        for group in network.security_groups(project_id=project.id):
            if group.name != 'default':
                network.delete_security_group(group)
        network.delete(f'/quotas/{project.id}')
    for user in conn.identity.users():
        if user.name.startswith(f'{project_name}-u'):
            conn.compute.delete(
                f'/os-keypairs/{project_name}-key?user_id={user.id}',
                microversion=NOVA_KEYPAIRS)


def _rules(group) -> list:
    return sorted((r['direction'], r['ethertype'], r['protocol'] or '',
                   r['port_range_min'] or 0) for r in
                  group.security_group_rules)


def _done(database) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM plan_items "
                                "WHERE state = 'done'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _migration_id(database) -> str:
    with sqlite3.connect(database, timeout=5) as conn:
        return conn.execute('SELECT uuid FROM migrations '
                            'ORDER BY id DESC LIMIT 1').fetchone()[0]


def _run_and_kill(argv, env, database, log, after_done: int) -> bool:
    """Run until ``after_done`` items are done, then SIGKILL.

    False when the command finished before the kill could land.
    """
    with open(log, 'ab') as out:
        process = subprocess.Popen(argv, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if _done(database) >= after_done:
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                return True
            time.sleep(0.02)
        if process.poll() is None:
            process.kill()
            pytest.fail(f'{argv} did not finish in time')
    return False


def test_kill_and_resume_creates_nothing_twice(workload, tmp_path):
    project, users, group = workload
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    database = tmp_path / 'state' / 'pumphouse.sqlite'
    log = tmp_path / 'cli.log'
    pumphouse = str(fixtures.BIN / 'pumphouse')
    env = None
    migrate = [pumphouse, '--config-file', str(conf), 'migrate',
               '--source', 'source', '--destination', 'destination',
               '--yes', '--workers', '1', 'project', project]

    killed = []
    argv = migrate
    for after_done in KILL_AFTER_DONE:
        if _run_and_kill(argv, env, database, log, after_done):
            killed.append(after_done)
        argv = [pumphouse, '--config-file', str(conf), 'resume',
                _migration_id(database), '--yes', '--workers', '1']
    assert killed, 'the migration finished before any kill landed'

    result = subprocess.run(argv, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, log.read_text() + result.stdout + \
        result.stderr

    destination = fixtures.sdk_connection('destination')
    for name in users:
        assert len(list(destination.identity.users(name=name))) == 1, name
    assert len(list(destination.identity.groups(name=group))) == 1
    [there] = destination.identity.projects(name=project)
    network = destination.network
    assert [n.name for n in network.networks(project_id=there.id)] == [
        f'{project}-net']
    assert len(list(network.subnets(project_id=there.id))) == 1
    assert len(list(network.routers(project_id=there.id))) == 1
    ports = [p for p in network.ports(project_id=there.id)
             if not (p.device_owner or '').startswith('network:')]
    assert sorted(p.fixed_ips[0]['ip_address'] for p in ports) == [
        f'10.77.0.{20 + n}' for n in range(PORTS)]
    assert len(list(network.ports(
        device_owner='network:router_interface',
        project_id=there.id))) == 1
    groups = [g for g in network.security_groups(project_id=there.id)
              if g.name != 'default']
    assert [g.name for g in groups] == [f'{project}-sg']
    source = fixtures.sdk_connection('source')
    [source_group] = source.network.security_groups(name=f'{project}-sg')
    assert _rules(groups[0]) == _rules(source_group)
    [owner] = destination.identity.users(name=users[0])
    keypairs = destination.compute.get(
        f'/os-keypairs?user_id={owner.id}',
        microversion=NOVA_KEYPAIRS).json()['keypairs']
    assert [k['keypair']['name'] for k in keypairs] == [f'{project}-key']
    assert network.get(f'/quotas/{there.id}').json()['quota']['port'] == 77
    migration = _migration_id(database)
    with sqlite3.connect(database) as conn:
        state, report = conn.execute(
            'SELECT state, report FROM migrations WHERE uuid = ?',
            (migration,)).fetchone()
        attempts = conn.execute(
            'SELECT max(attempts) FROM plan_items').fetchone()[0]
    assert state == 'completed'
    assert '"differences": []' in report and '"not_migrated": []' in report
    assert attempts >= 1

    again = subprocess.run(
        [pumphouse, '--config-file', str(conf), 'plan', '--source',
         'source', '--destination', 'destination', '--format', 'json',
         'project', project], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert '"action": "create"' not in again.stdout
