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

"""Issue 14: an evacuation plans before it moves anything.

Through the ``pumphouse host`` command line, on the source's spare host
(see :mod:`test_hosts`), enabled for the test as a host in use is:

* the anti-affinity case of the issue: two servers of an anti-affinity
  group, one on the host being evacuated, the other on the only other
  enabled host (``source-compute-2`` is disabled for the test). The plan
  says the server cannot move, naming ``ServerGroupAntiAffinity`` and
  that host; the host is not disabled and nothing moves. With
  ``--to-destination`` for that server the evacuation completes: the
  server goes to the destination cloud, the rest as planned.
* a feasible evacuation shows its plan, then moves every server to the
  host the plan chose for it.
"""

import json

from pumphouse.hosts import nova
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import test_hosts

SPARE = test_hosts.SPARE
#: The only other enabled host in the anti-affinity case.
OTHER = 'source-compute-1'
#: Disabled for the anti-affinity case (enabled again after it).
THIRD = 'source-compute-2'
SERVER_TIMEOUT = test_hosts.SERVER_TIMEOUT

# The fixtures of test_hosts: the spare host and its servers, the
# command line on a state directory of the test's own, the clouds.
spare = test_hosts.spare
cli = test_hosts.cli
source = test_hosts.source
destination = test_hosts.destination


def boot(conn, spare, host: str, group, made: list):
    """A server of ``group`` booted on ``host``."""
    server = conn.compute.create_server(
        name=engine_fixtures.unique('ph-plan-server'),
        flavor_id=spare.flavor.id, image_id=spare.image.id,
        networks='none', availability_zone=f'nova:{host}',
        scheduler_hints={'group': group.id})
    made.append(server)
    server = conn.compute.wait_for_server(server, wait=SERVER_TIMEOUT)
    assert server.compute_host == host, (server.compute_host, host)
    return server


def plan_of(done) -> dict:
    """The plan ``--format json`` printed (the first JSON document of
    stdout)."""
    text = done.stdout
    return json.JSONDecoder().raw_decode(text[text.index('{'):])[0]


def shown(cli) -> dict:
    done = cli('host', 'show', SPARE, '--format', 'json')
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_anti_affinity_of_the_issue(cli, source, destination, spare):
    group = source.compute.create_server_group(
        name=engine_fixtures.unique('ph-anti'), policy='anti-affinity')
    third = nova.compute_service(source, THIRD)
    assert third is not None, f'the source has no {THIRD}'
    made = []
    try:
        member_elsewhere = boot(source, spare, OTHER, group, made)
        spare.set_enabled(True)  # as a host in use is
        member_here = boot(source, spare, SPARE, group, made)
        nova.set_service_status(source, third['id'], False,
                                'pumphouse test: one other host only')

        # The plan, as a dry run: the server cannot move.
        dry = cli('host', 'evacuate', SPARE, '--source', 'source',
                  '--dry-run', '--format', 'json')
        assert dry.returncode == 1, dry.stdout + dry.stderr
        plan = plan_of(dry)
        assert [s['id'] for s in plan['servers']] == [member_here.id]
        [entry] = plan['servers']
        assert (entry['action'], entry['target'], entry['candidates']) == (
            'blocked', None, []), entry
        out = {(e['host'], e['rule']) for e in entry['excluded']}
        assert (OTHER, 'ServerGroupAntiAffinity') in out, entry
        assert (THIRD, 'HostDisabled') in out, entry
        assert member_elsewhere.name in next(
            e['reason'] for e in entry['excluded']
            if e['rule'] == 'ServerGroupAntiAffinity')
        assert 'ServerGroupAntiAffinity' in dry.stderr
        assert OTHER in dry.stderr

        # Asked for real: refused the same way, before anything changes.
        refused = cli('host', 'evacuate', SPARE, '--source', 'source',
                      '--yes')
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert 'ServerGroupAntiAffinity' in refused.stderr
        assert f'{OTHER}: ServerGroupAntiAffinity' in refused.stderr
        assert 'Nothing was changed.' in refused.stderr
        assert 'Step evacuate' not in refused.stderr
        service = test_hosts.spare_service(source)
        assert service['status'] == 'enabled', service
        assert source.compute.get_server(member_here.id).compute_host == \
            SPARE
        assert source.compute.get_server(
            member_elsewhere.id).compute_host == OTHER
        host = shown(cli)
        assert (host['state'], host['target'], host['failed_step']) == (
            'in_source', None, None), host
        assert not [o for o in host['operations']
                    if o['step'] in ('disable', 'evacuate')], host

        # That server to the destination cloud: the evacuation completes.
        done = cli('host', 'evacuate', SPARE, '--source', 'source',
                   '--destination', 'destination', '--to-destination',
                   member_here.id, '--yes', timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f'Host {SPARE} is evacuated.' in done.stdout
        assert nova.servers_on(source, SPARE) == []
        # The cutover of an evacuation deletes the source server.
        assert source.compute.find_server(member_here.id) is None
        copies = [s for s in destination.compute.servers(all_projects=True)
                  if s.name == member_here.name]
        assert [c.status for c in copies] == ['ACTIVE'], copies
        assert source.compute.get_server(
            member_elsewhere.id).compute_host == OTHER
        host = shown(cli)
        assert host['state'] == 'evacuated', host
        assert [(s['id'], s['action']) for s in
                host['evacuation_plan']['servers']] == [
            (member_here.id, 'to_destination')], host['evacuation_plan']
        assert test_hosts.spare_service(source)['status'] == 'disabled'
    finally:
        # Back into the source's scheduling as far as Pumphouse goes; the
        # spare fixture disables it again at its end.
        cli('host', 'enable', SPARE, '--source', 'source')
        if third['status'] == 'enabled':
            nova.set_service_status(source, third['id'], True)
        names = {server.name for server in made}
        for copy in destination.compute.servers(all_projects=True):
            if copy.name in names:
                destination.compute.delete_server(copy)
                destination.compute.wait_for_delete(copy,
                                                    wait=SERVER_TIMEOUT)
        for found in destination.compute.server_groups(all_projects=True):
            if found.name == group.name:
                destination.compute.delete_server_group(found)
        for flavor in destination.compute.flavors():
            if flavor.name == spare.flavor.name:
                destination.compute.delete_flavor(flavor)
        for image in destination.image.images(name=spare.image.name):
            destination.image.delete_image(image)
        for server in made:
            source.compute.delete_server(server, ignore_missing=True)
        for server in made:
            source.compute.wait_for_delete(server, wait=SERVER_TIMEOUT)
        source.compute.delete_server_group(group, ignore_missing=True)


def test_a_feasible_evacuation_moves_every_server_as_planned(cli, source,
                                                             spare):
    active = spare()
    stopped = spare(stopped=True)
    spare.set_enabled(True)  # as a host in use is
    try:
        dry = cli('host', 'evacuate', SPARE, '--source', 'source',
                  '--dry-run', '--format', 'json')
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert 'Dry run: nothing was changed.' in dry.stderr
        planned = plan_of(dry)
        assert planned['feasible'] is True
        entries = {s['id']: s for s in planned['servers']}
        assert set(entries) == {active.id, stopped.id}
        assert (entries[active.id]['method'],
                entries[stopped.id]['method']) == ('live', 'cold')
        for entry in entries.values():
            assert entry['action'] == 'move', entry
            assert entry['target'] in test_hosts.OTHERS, entry
            assert entry['target'] in entry['candidates'], entry
        # A dry run changes nothing.
        assert test_hosts.spare_service(source)['status'] == 'enabled'
        assert {s['id'] for s in nova.servers_on(source, SPARE)} == set(
            entries)

        done = cli('host', 'evacuate', SPARE, '--source', 'source',
                   '--yes', timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        # The plan is shown before anything moves.
        assert done.stdout.index(f'Evacuation plan of host {SPARE}') < \
            done.stdout.index('[disable]'), done.stdout
        assert f'Host {SPARE} is evacuated.' in done.stdout
        host = shown(cli)
        assert (host['state'], host['target']) == ('evacuated', None)
        followed = {s['id']: s['target']
                    for s in host['evacuation_plan']['servers']}
        # Nothing changed between the two: the same plan.
        assert followed == {i: e['target'] for i, e in entries.items()}
        for server, status in ((active, 'ACTIVE'), (stopped, 'SHUTOFF')):
            moved = source.compute.get_server(server.id)
            assert (moved.compute_host, moved.status) == (
                followed[server.id], status), server.id
        assert nova.servers_on(source, SPARE) == []
    finally:
        cli('host', 'enable', SPARE, '--source', 'source')
