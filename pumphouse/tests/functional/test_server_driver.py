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

"""compute.server between the two real clouds.

Each test builds a source project of its own (a member user with a
keypair, a flavor, a tiny raw image, a network) whose member boots the
servers, migrates them with the engine in this process and removes what
it made from both clouds at the end (see :mod:`.server_workspace`). The
images and volumes the servers use are migrated by their real drivers.
"""

import hashlib
import importlib.util
import signal
import sqlite3
import subprocess
import sys

import pytest

from pumphouse.cli import local
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import mapping_api
from pumphouse.db import migration_api
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_path
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.drivers.resources.compute import server_source
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.volume import common as vol_common
from pumphouse.drivers.resources.volume import datapath
from pumphouse.engine import context as context_mod
from pumphouse.engine import graph as graph_mod
from pumphouse.engine import registry
from pumphouse.engine import runner
from pumphouse.engine import selection as selection_mod
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import server_workspace

CONTENT = fixtures.REPO / 'tools' / 'minicloud' / 'drivers' / \
    'minicloud_drivers' / 'content.py'


def harness_content():
    spec = importlib.util.spec_from_file_location('minicloud_content',
                                                  CONTENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def workspace():
    created = server_workspace.ServerWorkspace('srv')
    try:
        yield created
    finally:
        created.purge()


def migrate(selection: dict, **options):
    migration = runner.create('source', 'destination', selection, options,
                              project_id='admin')
    runner.plan(migration.uuid)
    return engine_fixtures.run(migration.uuid, workers=4)


def servers_named(*names: str) -> dict:
    return {'workload': {'kind': 'server', 'names': list(names)}}


def items_by_key(migration) -> dict:
    return {(i.resource_type, i.source_id): i
            for i in migration_api.list_plan_items(migration.id)}


def events(migration) -> list[str]:
    return [e.message for e in migration_api.list_events(migration.id)]


def assert_clean(migration) -> None:
    assert migration.state == 'completed', (migration.last_error,
                                            events(migration)[-15:])
    assert migration.report['differences'] == []
    assert migration.report['not_migrated'] == []


def status(conn, server_id: str) -> str | None:
    found = server_state.get_or_none(conn, server_id)
    return found.status if found else None


def the_copy(workspace, name: str):
    copies = [c for c in workspace.copies() if c.name == name]
    assert len(copies) == 1, [c.id for c in copies]
    return workspace.destination.compute.get_server(copies[0].id)


def test_server_workload_moves_one_server_and_reuses_it(engine, workspace):
    ws = workspace
    source, destination = ws.source, ws.destination
    group = ws.member.compute.create_server_group(
        name=ws.name('group'), policy='anti-affinity')
    premade = ws.port('10.201.0.77')
    public = ws.route_to_public()
    server = ws.boot(
        networks=[{'uuid': ws.network.id}, {'port': premade.id}],
        metadata={'role': 'web', 'tier': 'front'},
        user_data=server_workspace.user_data('#!/bin/sh\necho hi\n'),
        description='the web server', tags=['blue', 'web'],
        scheduler_hints={'group': group.id})
    fip = ws.member.network.create_ip(floating_network_id=public.id,
                                      port_id=premade.id)
    other = ws.boot()
    source_server = source.compute.get_server(server.id)

    migration = migrate(servers_named(server.name))
    assert_clean(migration)
    items = items_by_key(migration)
    assert items[('compute.server', server.id)].action == 'create'
    assert ('compute.server', other.id) not in items
    assert ('network.floating_ip', fip.id) in items
    for needed in ('compute.keypair', 'compute.flavor', 'image.image',
                   'network.port', 'compute.server_group'):
        assert any(t == needed for t, _ in items), needed

    copy = the_copy(ws, server.name)
    project = ws.destination_project()
    user = destination.identity.find_user(ws.user.name, domain_id='default',
                                          ignore_missing=False)
    assert copy.status == 'ACTIVE'
    assert copy.project_id == project.id
    assert copy.flavor.original_name == ws.flavor.name
    assert copy.key_name == ws.keypair.name
    assert copy.metadata == {
        'role': 'web', 'tier': 'front',
        'pumphouse:source_server_id': server.id,
        'pumphouse:owner_user_id': user.id,
        'pumphouse:source_status': 'ACTIVE'}
    assert copy.user_data == source_server.user_data
    assert copy.description == 'the web server'
    assert sorted(copy.tags) == ['blue', 'web']
    assert copy.availability_zone == source_server.availability_zone
    [copied_group] = [g for g in destination.compute.server_groups(
        all_projects=True) if g.project_id == project.id]
    assert copied_group.name == group.name
    assert copy.server_groups == [copied_group.id]
    # Same NICs in the same order, same MACs and fixed IPs.
    assert server_source.nic_macs(copy.addresses) == \
        server_source.nic_macs(source_server.addresses)
    assert server_source.fixed_addresses(copy.addresses) == \
        server_source.fixed_addresses(source_server.addresses)
    assert {'mac': premade.mac_address, 'ip': '10.201.0.77'} in \
        server_source.fixed_addresses(copy.addresses)
    ports = {p.mac_address: p for p in
             destination.network.ports(device_id=copy.id)}
    assert set(ports) == {p.mac_address for p in
                          source.network.ports(device_id=server.id)}
    [copied_fip] = destination.network.ips(project_id=project.id)
    assert copied_fip.port_id == ports[premade.mac_address].id
    # The owner's keypair is the owner's; the boot user is gone.
    assert [k.name for k in destination.compute.keypairs(
        user_id=user.id)] == [ws.keypair.name]
    assert ws.leftovers() == {}
    # keep: the source runs again.
    assert status(source, server.id) == 'ACTIVE'
    assert status(source, other.id) == 'ACTIVE'

    second = migrate(servers_named(server.name))
    assert_clean(second)
    assert {i.action for i in migration_api.list_plan_items(second.id)} \
        == {'reuse'}
    assert the_copy(ws, server.name).id == copy.id
    assert status(source, server.id) == 'ACTIVE'


def _context():
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    return context_mod.EngineContext(
        source, destination, db_api.get_cloud('source').id,
        db_api.get_cloud('destination').id)


def _expand(workload: dict) -> list:
    selection = selection_mod.Selection.from_dict({'workload': workload})
    driver = registry.load_drivers()['compute.server']
    return driver.expand(_context(), selection, graph_mod.ResourceGraph())


def test_host_workload_and_project_on_a_host(engine, workspace):
    ws = workspace
    source = ws.source
    servers = [ws.boot(wait=False) for _ in range(3)]
    servers = [ws.wait(s) for s in servers]
    hosts = {s.id: source.compute.get_server(s.id).compute_host
             for s in servers}
    host = hosts[servers[0].id]
    here = {i for i, h in hosts.items() if h == host}
    elsewhere = set(hosts) - here

    # host: every server of the host, whoever owns it (plan view only:
    # other servers live there too).
    taken = _expand({'kind': 'host', 'names': [host]})
    assert here <= {r.id for r in taken}
    assert not elsewhere & {r.id for r in taken}
    assert {r.data['host'] for r in taken} == {host}
    with pytest.raises(exception.Invalid):
        _expand({'kind': 'host', 'names': ['no-such-host']})

    # project + host: only the project's servers on the host move.
    migration = migrate(
        {'workload': {'kind': 'project', 'names': [ws.project.name],
                      'hosts': [host]}}, server_cutover='stop')
    assert_clean(migration)
    planned = {i for t, i in items_by_key(migration)
               if t == 'compute.server'}
    assert planned == here
    assert {c.name for c in ws.copies()} == {
        s.name for s in servers if s.id in here}
    for server_id in here:
        assert status(source, server_id) == 'SHUTOFF'
    for server_id in elsewhere:
        assert status(source, server_id) == 'ACTIVE'
    assert ws.leftovers() == {}


def test_snapshot_data_mode_and_delete_cutover(engine, workspace,
                                               monkeypatch):
    ws = workspace
    server = ws.boot()
    copied = []
    stream = server_snapshot.transfer.stream_image

    def spy(*args, **kwargs):
        copied.append(stream(*args, **kwargs))
        return copied[-1]

    monkeypatch.setattr(server_snapshot.transfer, 'stream_image', spy)
    migration = migrate(servers_named(server.name),
                        server_data_mode='snapshot', server_cutover='delete')
    assert_clean(migration)
    items = items_by_key(migration)
    # The disk goes over as a snapshot: the image is not needed.
    assert not any(t == 'image.image' for t, _ in items)
    expected = harness_content().snapshot_bytes(server.id)
    assert [(c.size, c.checksum) for c in copied] == [
        (len(expected), hashlib.md5(expected,
                                    usedforsecurity=False).hexdigest())]
    copy = the_copy(ws, server.name)
    assert copy.status == 'ACTIVE'
    assert copy.image.id != ws.image.id
    ws.source.compute.wait_for_delete(server, wait=120)
    assert ws.leftovers() == {}


def test_stop_mode_and_a_server_that_was_not_running(engine, workspace):
    ws = workspace
    running, stopped = ws.boot(), ws.boot()
    ws.member.compute.stop_server(stopped)
    ws.member.compute.wait_for_server(stopped, status='SHUTOFF', wait=120)

    migration = migrate(servers_named(running.name, stopped.name),
                        server_stop_mode='stop')
    assert_clean(migration)
    messages = events(migration)
    assert any(running.name in m and 'stopped in the source' in m
               for m in messages), messages
    assert not any(stopped.name in m and 'in the source' in m
                   for m in messages), messages
    copy = the_copy(ws, running.name)
    assert copy.status == 'ACTIVE'
    # What was not running is left stopped in the destination too.
    stopped_copy = the_copy(ws, stopped.name)
    assert stopped_copy.status == 'SHUTOFF'
    assert stopped_copy.metadata['pumphouse:source_status'] == 'SHUTOFF'
    assert status(ws.source, running.id) == 'ACTIVE'
    assert status(ws.source, stopped.id) == 'SHUTOFF'


def test_boot_from_volume_with_a_data_volume(engine, workspace):
    ws = workspace
    storage = ws.member.block_storage
    root = storage.create_volume(size=1, image_id=ws.image.id,
                                 name=ws.name('root'))
    data = storage.create_volume(size=1, name=ws.name('data'))
    for volume in (root, data):
        storage.wait_for_status(volume, status='available',
                                failures=['error'], wait=120)
    server = ws.boot(block_device_mapping=[
        {'boot_index': 0, 'uuid': root.id, 'source_type': 'volume',
         'destination_type': 'volume', 'delete_on_termination': False},
        {'boot_index': -1, 'uuid': data.id, 'source_type': 'volume',
         'destination_type': 'volume', 'delete_on_termination': True}])
    source_server = ws.source.compute.get_server(server.id)

    migration = migrate(servers_named(server.name))
    assert_clean(migration)
    copy = the_copy(ws, server.name)
    assert copy.status == 'ACTIVE'
    assert server_source.image_id(copy) is None
    volumes = {v.name: v for v in ws.destination.block_storage.volumes(
        all_projects=True, project_id=copy.project_id)}
    attached = {a['volumeId']: a for a in
                server_boot.attachments(ws.destination, copy.id)}
    source_attached = {a['volumeId']: a for a in
                       server_boot.attachments(ws.source, server.id)}
    assert set(attached) == {volumes[root.name].id, volumes[data.name].id}
    for volume in (root, data):
        mine, theirs = attached[volumes[volume.name].id], \
            source_attached[volume.id]
        assert (mine['device'], mine['delete_on_termination']) == \
            (theirs['device'], theirs['delete_on_termination'])
    assert copy.root_device_name == source_server.root_device_name
    assert status(ws.source, server.id) == 'ACTIVE'


def test_empty_names_arrive_empty_not_null(engine, workspace):
    """Issue 14: a boot-from-volume server whose root volume is named ""
    (and described "") and whose own description is "" arrives with ""
    in each, not null; a data volume never named stays null; and
    verification tells "" from null."""
    ws = workspace
    storage = ws.member.block_storage
    root = storage.create_volume(size=1, image_id=ws.image.id, name='',
                                 description='')
    data = storage.create_volume(size=1)  # no name, no description
    ws.volume_ids += [root.id, data.id]
    for volume in (root, data):
        storage.wait_for_status(volume, status='available',
                                failures=['error'], wait=120)
    assert [(v.name, v.description) for v in (
        storage.get_volume(root.id), storage.get_volume(data.id))] == [
        ('', ''), (None, None)]
    server = ws.boot(description='', block_device_mapping=[
        {'boot_index': 0, 'uuid': root.id, 'source_type': 'volume',
         'destination_type': 'volume', 'delete_on_termination': False},
        {'boot_index': -1, 'uuid': data.id, 'source_type': 'volume',
         'destination_type': 'volume', 'delete_on_termination': False}])
    assert ws.source.compute.get_server(server.id).description == ''

    migration = migrate(servers_named(server.name))
    assert_clean(migration)
    assert the_copy(ws, server.name).description == ''
    [root_copy] = vol_common.marked_volumes(ws.destination, root.id)
    [data_copy] = vol_common.marked_volumes(ws.destination, data.id)
    assert (root_copy.name, root_copy.description) == ('', '')
    assert (data_copy.name, data_copy.description) == (None, None)

    # Verification is strict: the root copy renamed null is a difference.
    ws.destination.block_storage.update_volume(root_copy, name=None)
    assert ws.destination.block_storage.get_volume(root_copy.id).name \
        is None
    # Verified again as ``pumphouse verify`` does: held by this process.
    with local.LocalConductor() as here:
        verified = here.migration(migration.uuid, verify=True)
    assert [(d['resource_type'], d['source_id'], d['differences'])
            for d in verified.report['differences']] == [
        ('volume.volume', root.id,
         {'name': {'source': '', 'destination': None}})]


@pytest.mark.parametrize('failure', ['no_valid_host', 'after_active'])
def test_failure_after_suspend_restores_the_source(engine, workspace,
                                                   monkeypatch, failure):
    ws = workspace
    server = ws.boot()
    seen = []
    if failure == 'no_valid_host':
        # A destination flavor no host can give: Nova schedules the copy
        # to ERROR with NoValidHost.
        nowhere = ws.new_flavor_in_destination()
        boot_request = server_boot.boot_request

        def impossible(*args, **kwargs):
            seen.append(status(ws.source, server.id))
            return dict(boot_request(*args, **kwargs),
                        flavor_id=nowhere.id)

        monkeypatch.setattr(server_boot, 'boot_request', impossible)
    else:
        def broken(ctx, resource, attrs, copy_id, original, server=None):
            seen.append(status(ws.destination, copy_id))
            raise RuntimeError('injected after the copy was ACTIVE')

        monkeypatch.setattr(server_path, '_finish', broken)

    migration = migrate(servers_named(server.name))
    assert migration.state == 'failed'
    item = items_by_key(migration)[('compute.server', server.id)]
    assert item.state == 'failed'
    if failure == 'no_valid_host':
        assert seen == ['SUSPENDED']
        assert 'went to ERROR' in item.error
        assert 'No valid host' in item.error, item.error
    else:
        assert seen == ['ACTIVE']
        assert 'injected' in item.error
    assert status(ws.source, server.id) == 'ACTIVE'
    assert [c.name for c in ws.copies()] == []
    assert ws.leftovers() == {}
    assert any('running again in the source' in m
               for m in events(migration))


CRASH_POINTS = ('after_suspend', 'while_building', 'before_cutover')


def _crash_at(patch, point: str) -> None:
    """Make the server item stop at ``point`` as a killed process would:
    with nothing undone and no boot user removed."""
    def die(*args, **kwargs):
        raise RuntimeError(f'killed {point}')

    patch.setattr(server_path, '_undo', lambda *a: None)
    patch.setattr(server_path, 'delete', lambda *a: None)
    patch.setattr(server_boot, 'remove_users_named', lambda *a: None)
    if point == 'after_suspend':
        patch.setattr(server_path, '_boot', die)
    elif point == 'while_building':
        wait = server_state.wait_for_status

        def wait_unless_booting(conn, server_id, wanted, timeout=None):
            # Only the wait for a copy to boot gives its timeout.
            if timeout == server_state.boot_timeout():
                die()
            return wait(conn, server_id, wanted, timeout)

        patch.setattr(server_state, 'wait_for_status', wait_unless_booting)
    else:
        patch.setattr(server_path, 'after_create', die)


@pytest.mark.parametrize('point', CRASH_POINTS)
def test_interrupted_attempt_is_finished_not_repeated(engine, workspace,
                                                      monkeypatch, point):
    """An attempt dies at ``point``; the resumed run must end with one
    copy, the source running and nothing left over."""
    ws = workspace
    server = ws.boot()
    with monkeypatch.context() as patch:
        _crash_at(patch, point)
        first = migrate(servers_named(server.name))
    assert first.state == 'failed'
    assert status(ws.source, server.id) == 'SUSPENDED'
    before = [c.id for c in ws.copies()]
    assert len(before) == (0 if point == 'after_suspend' else 1)
    if point != 'after_suspend':
        assert ws.leftovers(), 'the boot user should have been left'

    resumed = engine_fixtures.run(first.uuid, workers=4)
    assert_clean(resumed)
    copy = the_copy(ws, server.name)
    if before:
        assert [copy.id] == before
        assert any('adopted' in m for m in events(resumed)), \
            events(resumed)[-10:]
    assert copy.status == 'ACTIVE'
    assert status(ws.source, server.id) == 'ACTIVE'
    assert ws.leftovers() == {}


KILL_SCRIPT = '''
import sys
from pumphouse.cmd import pumphouse
sys.exit(pumphouse.main())
'''


def _cli(conf, *argv) -> list[str]:
    return [sys.executable, '-c', KILL_SCRIPT, '--config-file', str(conf),
            *argv]


def test_killed_process_resumes_without_a_second_boot(workspace,
                                                      tmp_path):
    """SIGKILL ``pumphouse migrate`` once the copy exists in the
    destination; ``pumphouse resume`` finishes it."""
    ws = workspace
    server = ws.boot()
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    log = tmp_path / 'cli.log'
    with open(log, 'ab') as out:
        process = subprocess.Popen(
            _cli(conf, 'migrate', '--source', 'source', '--destination',
                 'destination', '--yes', 'server', server.name),
            stdout=out, stderr=subprocess.STDOUT)
        found = fixtures.wait_until(
            lambda: process.poll() is not None or ws.copies(), timeout=300,
            interval=0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert found and ws.copies(), log.read_text()[-3000:]
    assert process.returncode == -signal.SIGKILL, log.read_text()[-3000:]
    assert status(ws.source, server.id) == 'SUSPENDED'

    database = tmp_path / 'state' / 'pumphouse.sqlite'
    with sqlite3.connect(database) as db:
        [(uuid,)] = db.execute('SELECT uuid FROM migrations').fetchall()
    result = subprocess.run(_cli(conf, 'resume', uuid, '--yes'),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    copies = ws.copies()
    assert len(copies) == 1
    assert copies[0].status == 'ACTIVE'
    assert status(ws.source, server.id) == 'ACTIVE'
    assert ws.leftovers() == {}


# -- volumes attached to a migrating server ------------------------------

def _server_with_data_volume(ws, tag: str):
    """A running server of the workspace with a volume of known bytes
    attached to it."""
    server = ws.boot()
    volume = ws.data_volume(harness_content().pattern(f'{ws.prefix}-{tag}',
                                                      64 * 1024))
    ws.attach(server, volume)
    return server, volume


def _spy_on_reads(monkeypatch, ws, server_id: str) -> list:
    """The source server's status each time the copy of a volume reads
    its data (an in-use volume is cloned, then the clone uploaded)."""
    seen = []
    for name in ('clone', 'upload'):
        original = getattr(datapath, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            seen.append((_name, status(ws.source, server_id)))
            return _original(*args, **kwargs)

        monkeypatch.setattr(datapath, name, spy)
    return seen


def _index(messages: list[str], *parts: str) -> int:
    found = [n for n, m in enumerate(messages) if all(p in m for p in parts)]
    assert len(found) == 1, (parts, messages)
    return found[0]


def test_attached_volume_is_copied_once_its_server_is_quiesced(
        engine, workspace, monkeypatch):
    ws = workspace
    server, volume = _server_with_data_volume(ws, 'consistent')
    seen = _spy_on_reads(monkeypatch, ws, server.id)

    migration = migrate(servers_named(server.name))
    assert_clean(migration)
    # The data was read only while the source server was suspended.
    assert seen == [('clone', 'SUSPENDED'), ('upload', 'SUSPENDED')]
    messages = events(migration)
    quiesced = _index(messages, server.name, 'suspended in the source')
    cloned = _index(messages, f'volume {volume.id} is in use: cloning')
    booted = _index(messages, server.name, 'is ACTIVE')
    assert quiesced < cloned < booted
    assert not any('crash-consistent' in m for m in messages)
    # Nova suspended it once (the server's item did not do it again) and
    # resumed it at the cutover (keep).
    assert ws.actions(server.id)[-2:] == ['suspend', 'resume']
    assert ws.actions(server.id).count('suspend') == 1
    assert status(ws.source, server.id) == 'ACTIVE'

    items = items_by_key(migration)
    copied = items[('volume.volume', volume.id)].destination_id
    assert server_workspace.volume_file('destination', copied).read_bytes() \
        == server_workspace.volume_file('source', volume.id).read_bytes()
    copy = the_copy(ws, server.name)
    assert [a['volumeId'] for a in server_boot.attachments(
        ws.destination, copy.id)] == [copied]
    assert fixtures.wait_until(lambda: not ws.leftovers(), timeout=60), \
        ws.leftovers()


def test_failed_volume_copy_brings_the_quiesced_server_back(
        engine, workspace, monkeypatch):
    ws = workspace
    server, volume = _server_with_data_volume(ws, 'failing')
    seen = []

    def broken(conn, volume_id, name):
        seen.append(status(ws.source, server.id))
        raise RuntimeError('injected after the server was quiesced')

    monkeypatch.setattr(datapath, 'upload', broken)
    migration = migrate(servers_named(server.name))
    assert migration.state == 'failed'
    assert seen == ['SUSPENDED']
    items = items_by_key(migration)
    assert items[('volume.volume', volume.id)].state == 'failed'
    assert 'injected' in items[('volume.volume', volume.id)].error
    assert items[('compute.server', server.id)].state == 'blocked'
    assert status(ws.source, server.id) == 'ACTIVE'
    assert ws.actions(server.id)[-2:] == ['suspend', 'resume']
    messages = events(migration)
    assert _index(messages, server.name, 'suspended in the source') < \
        _index(messages, server.name, 'running again in the source')
    assert ws.copies() == []
    assert ws.source.block_storage.get_volume(volume.id).status == 'in-use'
    # The clone is being deleted by then.
    assert fixtures.wait_until(lambda: not ws.leftovers(), timeout=60), \
        ws.leftovers()


def _inject_server_failure(patch, failure: str) -> None:
    """Make the server's item fail once its volume is copied: before its
    copy boots, or once the copy runs with the volume attached."""
    if failure == 'before_boot':
        def broken(*args, **kwargs):
            raise RuntimeError('injected before the copy booted')

        patch.setattr(server_boot, 'boot_request', broken)
    else:
        def broken(ctx, resource, attrs, copy_id, original, server=None):
            raise RuntimeError('injected after the copy was ACTIVE')

        patch.setattr(server_path, '_finish', broken)


@pytest.mark.parametrize('failure', ['before_boot', 'after_active'])
def test_failed_server_removes_its_volume_copy_and_resume_copies_it_again(
        engine, workspace, monkeypatch, failure):
    """The server's item fails after its volume was copied: the source
    runs again, the copy of its volume is removed and its item pending;
    the server writes on; the resumed migration copies what it holds
    then."""
    ws = workspace
    server, volume = _server_with_data_volume(ws, f'recopied-{failure}')
    key = ('volume.volume', volume.id)
    with monkeypatch.context() as patch:
        _inject_server_failure(patch, failure)
        first = migrate(servers_named(server.name))
    assert first.state == 'failed'
    assert 'Not every item was migrated' in first.last_error
    assert '1 pending' in first.last_error, first.last_error
    items = items_by_key(first)
    server_item, volume_item = items[('compute.server', server.id)], \
        items[key]
    assert server_item.state == 'failed'
    assert 'injected' in server_item.error
    assert (volume_item.state, volume_item.destination_id) == \
        ('pending', None)
    assert 'resuming the migration copies it again' in volume_item.error
    assert key not in mapping_api.load_mappings(
        db_api.get_cloud('source').id, db_api.get_cloud('destination').id)
    assert status(ws.source, server.id) == 'ACTIVE'
    assert ws.copies() == []
    assert vol_common.marked_volumes(ws.destination, volume.id) == []
    found = migration_api.list_events(first.id)
    messages = [e.message for e in found]
    assert _index(messages, server.name, 'running again in the source') < \
        _index(messages, server.name,
               'removed the destination copies of its volumes')
    assert not [e.message for e in found
                if e.event_type == 'stale_volumes'], messages
    assert fixtures.wait_until(lambda: not ws.leftovers(), timeout=60), \
        ws.leftovers()

    # The source server writes on once it runs again.
    newer = harness_content().pattern(f'{ws.prefix}-{failure}-newer',
                                      64 * 1024)
    source_file = server_workspace.volume_file('source', volume.id)
    assert not source_file.read_bytes().startswith(newer)
    with open(source_file, 'r+b') as f:
        f.write(newer)

    resumed = engine_fixtures.run(first.uuid, workers=4)
    assert_clean(resumed)
    items = items_by_key(resumed)
    assert items[key].state == 'done'
    assert items[key].attempts == 2
    copied = items[key].destination_id
    data = server_workspace.volume_file('destination', copied).read_bytes()
    assert data.startswith(newer)
    assert data == source_file.read_bytes()
    assert [v.id for v in vol_common.marked_volumes(
        ws.destination, volume.id)] == [copied]
    copy = the_copy(ws, server.name)
    assert copy.status == 'ACTIVE'
    assert [a['volumeId'] for a in server_boot.attachments(
        ws.destination, copy.id)] == [copied]
    # The resume quiesced the server again before it read the volume.
    messages = events(resumed)
    quiesced = [n for n, m in enumerate(messages)
                if server.name in m and 'suspended in the source' in m]
    cloned = [n for n, m in enumerate(messages)
              if f'volume {volume.id} is in use: cloning' in m]
    assert len(quiesced) == len(cloned) == 2, messages
    assert quiesced[1] < cloned[1]
    assert status(ws.source, server.id) == 'ACTIVE'
    assert fixtures.wait_until(lambda: not ws.leftovers(), timeout=60), \
        ws.leftovers()


def test_second_migration_reuses_without_cutting_over_again(
        engine, workspace):
    """A server an earlier migration moved (and stopped at its cutover),
    started again by its owner: a new migration of it reuses the copy and
    its volume, quiesces nothing, stops nothing, creates nothing."""
    ws = workspace
    server, volume = _server_with_data_volume(ws, 'reused')
    first = migrate(servers_named(server.name), server_cutover='stop')
    assert_clean(first)
    assert status(ws.source, server.id) == 'SHUTOFF'
    copy = the_copy(ws, server.name)
    copied = vol_common.marked_volumes(ws.destination, volume.id)
    assert len(copied) == 1
    ws.member.compute.start_server(server.id)
    ws.wait(server)
    before = ws.actions(server.id)

    second = migrate(servers_named(server.name), server_cutover='stop')
    assert_clean(second)
    actions = {k: i.action for k, i in items_by_key(second).items()}
    assert set(actions.values()) == {'reuse'}, actions
    assert ws.actions(server.id) == before
    assert status(ws.source, server.id) == 'ACTIVE'
    assert [c.id for c in ws.copies()] == [copy.id]
    assert [v.id for v in vol_common.marked_volumes(
        ws.destination, volume.id)] == [copied[0].id]
    messages = events(second)
    assert not any('in the source' in m for m in messages), messages
    assert not any(word in m for m in messages
                   for word in ('cloning', 'uploading', 'streamed')), messages
    assert ws.leftovers() == {}


def test_boot_user_gets_the_configured_domain_and_role(engine, workspace,
                                                       monkeypatch):
    ws = workspace
    destination = ws.destination
    identity = destination.identity
    role = identity.create_role(name=ws.name('booter'))
    member = identity.find_role('member', ignore_missing=False)
    try:
        # A role of its own that implies member, as an operator might
        # give boot users.
        response = identity.put(f'/roles/{role.id}/implies/{member.id}')
        assert response.status_code in (200, 201), response.text
        engine.config(boot_user_role=role.name, boot_user_domain='Default',
                      group='identity')
        server = ws.boot()
        granted = []
        create = server_boot.BootUser._create

        def spy(self):
            create(self)
            [user] = identity.users(name=self.name)
            granted.append((user.domain_id, sorted(
                a.role['id'] for a in identity.role_assignments(
                    user_id=user.id, scope_project_id=self.project_id))))

        monkeypatch.setattr(server_boot.BootUser, '_create', spy)
        migration = migrate(servers_named(server.name))
        assert_clean(migration)
        assert granted == [('default', [role.id])]
        assert the_copy(ws, server.name).key_name == ws.keypair.name
        assert ws.leftovers() == {}
    finally:
        identity.delete_role(role, ignore_missing=True)
