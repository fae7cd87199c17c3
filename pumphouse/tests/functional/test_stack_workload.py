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

"""Heat stacks as workloads: a stack of the source, adopted by the
destination's Heat, owning the migrated resources.

The stack is the seeds' application stack (tools/minicloud/seed/
templates/app.yaml: network, subnet, router with gateway and interface,
security group, port, server with its owner's keypair, volume and its
attachment, floating IP, random string, a resource group of two
workers), made for this module in a project and by an owner of its own
(``stk-<tag>``) and removed from both clouds afterwards.

The tests run in order: with adopting off in the destination the plan
fails its pre-check and nothing changes; then the stack migrates with
its outputs equal; a second run reuses it; its owner updates it in the
destination (a third worker; the others stay) and deleting it there
removes everything it holds; then a second stack is migrated with
``pumphouse migrate`` killed during Heat's adopt and resumed: one
stack, nothing twice.
"""

import configparser
import contextlib
import csv
import json
import pathlib
import re
import signal
import sqlite3
import subprocess
import time
import uuid

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import purge

MINICLOUD = str(fixtures.REPO / 'tools' / 'minicloud' / 'minicloud')
HEAT_CONF = fixtures.REPO / '.minicloud' / 'destination' / 'heat' / \
    'heat.conf'
STACK_TIMEOUT = 300
NOVA_KEYPAIRS = '2.10'


class App:
    """One application stack of this module in the source."""

    def __init__(self, label: str, workers: int = 2) -> None:
        tag = f'{label}{uuid.uuid4().hex[:6]}'
        #: Servers in the stack's ResourceGroup (its nested stacks).
        self.workers = workers
        self.project = f'stk-{tag}'
        self.owner = f'stk-{tag}-owner'
        self.key = f'stk-{tag}-key'
        self.stack = f'stk-{tag}-app'
        self.cidr = f'10.{60 + int(tag[-2:], 16) % 150}.{len(label)}.0/24'

    def seed_file(self, folder: pathlib.Path) -> pathlib.Path:
        key = ed25519.Ed25519PrivateKey.generate().public_key()
        public = key.public_bytes(serialization.Encoding.OpenSSH,
                                  serialization.PublicFormat.OpenSSH)
        spec = {
            'cloud': 'source',
            'projects': [{'name': self.project}],
            'users': [{'name': self.owner,
                       'default_project': self.project}],
            # The admin acts in the project to seed it.
            'assignments': [{'user': 'admin', 'project': self.project,
                             'role': 'admin'},
                            {'user': self.owner, 'project': self.project,
                             'role': 'member'}],
            'keypairs': [{'name': self.key, 'user': self.owner,
                          'public_key': public.decode()}],
            'stacks': [{'name': self.stack, 'project': self.project,
                        'user': self.owner,
                        'template': 'templates/app.yaml',
                        'files': ['templates/worker.yaml'],
                        'parameters': {'key_name': self.key,
                                       'image': 'cirros-like',
                                       'flavor': 'm1.tiny',
                                       'public_net': 'public',
                                       'worker_count': self.workers,
                                       'cidr': self.cidr}}],
        }
        path = folder / f'{self.project}.yaml'
        path.write_text(yaml.safe_dump(spec), encoding='utf-8')
        return path

    def create(self, folder: pathlib.Path) -> None:
        fixtures.ensure_seeded()  # public, cirros-like, m1.tiny
        done = subprocess.run([MINICLOUD, 'seed', '--file',
                               str(self.seed_file(folder))],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + \
            done.stderr[-3000:]

    def remove(self) -> None:
        """Delete the stack (Heat deletes its resources) and what the
        migration brought, in both clouds."""
        for name in ('destination', 'source'):
            conn = fixtures.sdk_connection(name)
            project = conn.identity.find_project(
                self.project, domain_id='default', ignore_missing=True)
            if project is not None:
                purge.purge_project(conn, project.id)
            for user in conn.identity.users(name=self.owner):
                purge.delete_user(conn, user)
            for user in conn.identity.users():
                if user.name.startswith('pumphouse-boot-'):
                    purge.delete_user(conn, user)


def _in_project(conn, project_id: str):
    """The admin's connection scoped to a project (given a role there:
    Heat lists a project's stacks to its own tokens only)."""
    admin = conn.identity.find_role('admin')
    conn.identity.assign_project_role_to_user(
        project_id, conn.current_user_id, admin)
    return conn.connect_as(project_id=project_id)


def _stacks(conn) -> list[dict]:
    return conn.orchestration.get('/stacks').json()['stacks']


@pytest.fixture(scope='module')
def prerequisites():
    """The public network, image and flavor of the seed profile full."""
    fixtures.ensure_seeded()


@contextlib.contextmanager
def made_app(label: str, folder: pathlib.Path, workers: int = 2):
    """An application stack in the source, removed from both clouds
    afterwards."""
    made = App(label, workers)
    try:
        made.create(folder)
        yield made
    finally:
        made.remove()


@pytest.fixture(scope='module')
def app(prerequisites, tmp_path_factory):
    with made_app('a', tmp_path_factory.mktemp('stack-seed')) as made:
        yield made


def _cli(tmp: pathlib.Path):
    """``pumphouse`` on a state directory of its own under ``tmp``."""
    conf = tmp / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')

    def run(*args: str, timeout: float = 1200):
        return subprocess.run(
            [str(fixtures.BIN / 'pumphouse'), '--config-file', str(conf),
             *args], capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL)
    run.tmp = tmp
    run.conf = conf
    return run


@pytest.fixture(scope='module')
def cli(tmp_path_factory):
    return _cli(tmp_path_factory.mktemp('stack-cli'))


def _migrate_args(app: App, *extra: str) -> list[str]:
    return ['migrate', '--source', 'source', '--destination',
            'destination', '--yes', *extra, 'stack', app.stack,
            '--project', app.project]


def _migration_id(text: str) -> str:
    found = re.search(r'Migration ([0-9a-f-]{36})', text)
    assert found, text
    return found.group(1)


def _source_stack(app: App) -> dict:
    source = fixtures.sdk_connection('source')
    project = source.identity.find_project(app.project, domain_id='default')
    scoped = _in_project(source, project.id)
    [stack] = [s for s in _stacks(scoped) if s['stack_name'] == app.stack]
    return _show(scoped, stack['id'])


def destination_stacks(app: App) -> list[dict]:
    destination = fixtures.sdk_connection('destination')
    project = destination.identity.find_project(
        app.project, domain_id='default', ignore_missing=True)
    if project is None:
        return []
    scoped = _in_project(destination, project.id)
    return [_show(scoped, s['id']) for s in _stacks(scoped)
            if s['stack_name'] == app.stack]


def _show(conn, stack_id: str) -> dict:
    response = conn.orchestration.get(f'/stacks/{stack_id}')
    assert response.status_code == 200, response.text
    return response.json()['stack']


def _outputs(stack: dict) -> dict:
    return {o['output_key']: o['output_value'] for o in stack['outputs']}


def _leaves(conn, stack: dict) -> dict:
    response = conn.orchestration.get(
        f'/stacks/{stack["stack_name"]}/{stack["id"]}/resources',
        params={'nested_depth': 3})
    return {r['resource_name'] + '@' + r.get('parent_resource', '')
            if r.get('parent_resource') else r['resource_name']:
            (r['resource_type'], r['physical_resource_id'])
            for r in response.json()['resources']}


@pytest.fixture
def adopt_off():
    """The destination's Heat with adopting off, for one test."""
    def set_adopt(value: str) -> None:
        conf = configparser.RawConfigParser(strict=False)
        conf.optionxform = str
        conf.read(HEAT_CONF)
        conf.set('DEFAULT', 'enable_stack_adopt', value)
        with open(HEAT_CONF, 'w') as f:
            conf.write(f)
        for action in ('stop-unit', 'start-unit'):
            done = subprocess.run([MINICLOUD, action, 'destination',
                                   'heat-engine'], capture_output=True,
                                  text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
        _wait_engine_up()

    set_adopt('False')
    try:
        yield
    finally:
        set_adopt('True')


def _wait_engine_up() -> None:
    destination = fixtures.sdk_connection('destination')

    def up() -> bool:
        response = destination.orchestration.get('/services')
        return response.status_code == 200 and any(
            s['status'] == 'up' for s in response.json()['services'])
    fixtures.wait_until(up, timeout=120, interval=2)


def test_adopt_off_fails_the_plan_and_changes_nothing(app, cli, adopt_off):
    result = cli(*_migrate_args(app))
    assert result.returncode != 0, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    text = result.stdout + result.stderr
    assert f'stack:{app.stack}' in text, text
    assert 'enable_stack_adopt' in text, text
    destination = fixtures.sdk_connection('destination')
    assert destination.identity.find_project(
        app.project, domain_id='default', ignore_missing=True) is None


def test_stack_migrates_with_equal_outputs(app, cli):
    source_stack = _source_stack(app)
    result = cli(*_migrate_args(app))
    text = result.stdout + result.stderr
    assert result.returncode == 0, text
    assert 'Traceback' not in result.stderr, result.stderr
    assert '0 with differences, 0 not migrated' in text, text
    app.migration = _migration_id(text)

    [stack] = destination_stacks(app)
    assert stack['stack_status'] == 'ADOPT_COMPLETE', stack
    source_out, destination_out = _outputs(source_stack), _outputs(stack)
    for key in ('server_address', 'floating_address', 'secret'):
        assert destination_out[key] == source_out[key], key
    destination = fixtures.sdk_connection('destination')
    source = fixtures.sdk_connection('source')
    # The workers' ids are the destination's copies, named as before.
    assert set(destination_out['worker_ids']).isdisjoint(
        source_out['worker_ids'])
    assert sorted(destination.compute.get_server(i).name
                  for i in destination_out['worker_ids']) == sorted(
        source.compute.get_server(i).name for i in source_out['worker_ids'])
    # Heat in the source still has its stack (cutover keep).
    assert _source_stack(app)['stack_status'].endswith('_COMPLETE')


def test_second_run_reuses_the_adopted_stack(app, cli):
    result = cli('plan', '--source', 'source', '--destination',
                 'destination', '--format', 'json', 'stack', app.stack,
                 '--project', app.project)
    assert result.returncode == 0, result.stdout + result.stderr
    json.loads(result.stdout)
    assert '"orchestration.stack"' in result.stdout, result.stdout
    assert '"action": "create"' not in result.stdout, result.stdout
    assert '"action": "conflict"' not in result.stdout, result.stdout
    assert len(destination_stacks(app)) == 1


def test_owner_updates_the_adopted_stack(app, cli):
    """The owner signs in with the password the migration issued and
    updates the stack: a third worker; the rest is left as it is."""
    [stack] = destination_stacks(app)
    destination = fixtures.sdk_connection('destination')
    output = cli.tmp / 'passwords.csv'
    done = cli('passwords', app.migration, '--output', str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    with open(output, newline='') as f:
        [row] = [r for r in csv.DictReader(f) if r['user_name'] == app.owner]
    project = destination.identity.find_project(app.project,
                                                domain_id='default')
    owner = destination.connect_as(
        username=app.owner, password=row['password'],
        user_domain_id='default', project_id=project.id)
    before = _leaves(owner, stack)
    workers_before = _outputs(stack)['worker_ids']
    response = owner.orchestration.patch(
        f'/stacks/{stack["stack_name"]}/{stack["id"]}',
        json={'parameters': {'worker_count': 3}})
    assert response.status_code == 202, response.text

    def updated():
        shown = _show(owner, stack['id'])
        return shown if not shown['stack_status'].endswith(
            'IN_PROGRESS') else None
    final = fixtures.wait_until(updated, timeout=STACK_TIMEOUT, interval=2)
    assert final['stack_status'] == 'UPDATE_COMPLETE', final
    after = _leaves(owner, final)
    for name, (kind, physical_id) in before.items():
        assert after.get(name) == (kind, physical_id), name
    workers = _outputs(final)['worker_ids']
    assert len(workers) == 3
    assert set(workers_before) < set(workers)
    for worker in workers:
        assert destination.compute.get_server(worker).status == 'ACTIVE'


def test_deleting_the_adopted_stack_removes_what_it_holds(app):
    """Heat owns the copies: deleting the stack in the destination
    deletes its servers, volume, ports (those Nova made in the source
    too), floating IP, router and network, and leaves nothing."""
    [stack] = destination_stacks(app)
    destination = fixtures.sdk_connection('destination')
    project = destination.identity.find_project(app.project,
                                                domain_id='default')
    scoped = _in_project(destination, project.id)
    response = scoped.orchestration.delete(
        f'/stacks/{stack["stack_name"]}/{stack["id"]}')
    assert response.status_code == 204, response.text

    def settled():
        found = [s for s in _stacks(scoped) if s['id'] == stack['id']]
        return not found or not found[0]['stack_status'].endswith(
            'IN_PROGRESS')
    fixtures.wait_until(settled, timeout=STACK_TIMEOUT, interval=2)
    left = [s for s in _stacks(scoped) if s['id'] == stack['id']]
    assert not left, left
    network = destination.network
    assert not list(destination.compute.servers(all_projects=True,
                                                project_id=project.id))
    assert not list(network.ports(project_id=project.id))
    assert not list(network.networks(project_id=project.id))
    assert not list(network.ips(project_id=project.id))
    assert not list(destination.block_storage.volumes(
        all_projects=True, project_id=project.id))


@pytest.fixture
def second_app(prerequisites, tmp_path_factory):
    with made_app('k', tmp_path_factory.mktemp('stack-seed-kill')) as made:
        yield made


def _adopting(database: pathlib.Path) -> bool:
    try:
        with sqlite3.connect(database, timeout=5) as conn:
            return conn.execute(
                "SELECT count(*) FROM events WHERE message LIKE "
                "'%Heat adopts it as%'").fetchone()[0] > 0
    except sqlite3.OperationalError:
        return False


def test_kill_during_adopt_and_resume(second_app, tmp_path):
    cli = _cli(tmp_path)
    database = cli.tmp / 'state' / 'pumphouse.sqlite'
    log = cli.tmp / 'kill.log'
    argv = [str(fixtures.BIN / 'pumphouse'), '--config-file',
            str(cli.conf), *_migrate_args(second_app)]
    with open(log, 'ab') as out:
        process = subprocess.Popen(argv, stdout=out,
                                   stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 900
        while process.poll() is None and time.monotonic() < deadline:
            if _adopting(database):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        process.wait(60)
    assert process.returncode == -signal.SIGKILL, log.read_text()
    with sqlite3.connect(database) as conn:
        [migration] = conn.execute(
            'SELECT uuid FROM migrations ORDER BY id DESC LIMIT 1'
        ).fetchone()
    result = cli('resume', migration, '--yes')
    assert result.returncode == 0, log.read_text() + result.stdout + \
        result.stderr
    [stack] = destination_stacks(second_app)
    assert stack['stack_status'] == 'ADOPT_COMPLETE', stack
    destination = fixtures.sdk_connection('destination')
    project = destination.identity.find_project(second_app.project,
                                                domain_id='default')
    servers = list(destination.compute.servers(all_projects=True,
                                               project_id=project.id))
    assert len(servers) == 3, [s.name for s in servers]
    assert len(list(destination.block_storage.volumes(
        all_projects=True, project_id=project.id))) == 1
    assert not [u for u in destination.identity.users()
                if u.name.startswith('pumphouse-boot-')]
