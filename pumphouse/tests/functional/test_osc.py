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

"""``openstack migration ...`` against the deployed service, by persona.

pumphouse-api runs behind keystonemiddleware (the source Keystone) and is
registered in that Keystone's catalog as type ``migration`` with
tools/register_service.py; the real ``openstack`` command finds it there.
The admin registers the clouds; alice (member of ``demo``) plans, starts
and watches the migration of ``demo`` and reads its report; a reader of
``demo`` can list but not start; a member of another project sees none of
it. Bad input gives one clear line and a non-zero exit. The admin
registers, lists, shows and deletes a host (microversion 1.1) without its
BMC password ever showing; members are refused hosts.
"""

import importlib.metadata
import json
import os
import subprocess
import uuid

import pytest

from pumphouse.hosts import nova
from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import test_hosts
from pumphouse.tests.functional import test_stack_workload

OPENSTACK = str(fixtures.BIN / 'openstack')
# The source's spare host and its servers (see test_hosts).
spare = test_hosts.spare
source = test_hosts.source


def secret(name: str) -> str:
    """A password the harness generated (its secrets file is JSON)."""
    path = fixtures.REPO / '.minicloud' / 'secrets'
    return json.loads(path.read_text())[name]


@pytest.fixture(scope='module')
def service(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('osc')
    admin = fixtures.sdk_connection('source')
    with fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployment = deployment_mod.Deployment(workdir, db_url,
                                               transport_url)
        deployment.start()
        try:
            done = subprocess.run(
                [str(fixtures.BIN / 'python'),
                 str(fixtures.REPO / 'tools' / 'register_service.py'),
                 '--os-cloud', 'source', '--url', deployment.url,
                 '--name', 'pumphouse-osc-test'],
                env=dict(os.environ, OS_CLIENT_CONFIG_FILE=str(
                    fixtures.clouds_yaml_path())),
                capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
            yield deployment
        finally:
            for found in admin.identity.services(type='migration'):
                admin.identity.delete_service(found)
            deployment.stop()


@pytest.fixture(scope='module')
def personas(service):
    """OS_* environments of admin, alice, a reader of demo and a member
    of ops only."""
    admin = fixtures.sdk_connection('source')
    auth = fixtures.cloud_entry('source')['auth']
    made = []

    def env(username, password, project):
        return {'OS_AUTH_URL': auth['auth_url'], 'OS_AUTH_TYPE': 'password',
                'OS_IDENTITY_API_VERSION': '3', 'OS_USERNAME': username,
                'OS_PASSWORD': password, 'OS_PROJECT_NAME': project,
                'OS_USER_DOMAIN_NAME': 'Default',
                'OS_PROJECT_DOMAIN_NAME': 'Default',
                'OS_INTERFACE': 'public'}

    def user_with(role, project):
        password = uuid.uuid4().hex
        user = admin.identity.create_user(
            name=f'osc-{role}-{uuid.uuid4().hex[:8]}', domain_id='default',
            password=password)
        made.append(user)
        admin.identity.assign_project_role_to_user(
            admin.identity.find_project(project, domain_id='default'),
            user, admin.identity.find_role(role))
        return env(user.name, password, project)

    try:
        yield {
            'admin': env(auth['username'], auth['password'],
                         auth['project_name']),
            'alice': env('alice', secret('source-seed-user-alice-password'),
                         'demo'),
            'reader': user_with('reader', 'demo'),
            'outsider': user_with('member', 'ops'),
        }
    finally:
        # The migration of demo copies the reader to the destination too.
        for conn in (admin, fixtures.sdk_connection('destination')):
            for user in made:
                for found in conn.identity.users(name=user.name):
                    conn.identity.delete_user(found, ignore_missing=True)


def osc(env: dict, *args, check: bool = True):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith('OS_')}
    done = subprocess.run([OPENSTACK, *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=900)
    assert 'Traceback' not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def as_json(env, *args):
    return json.loads(osc(env, *args, '-f', 'json').stdout)


def test_personas_drive_a_project_migration(personas):
    admin, alice = personas['admin'], personas['alice']
    reader, outsider = personas['reader'], personas['outsider']

    refused = osc(alice, 'migration', 'cloud', 'list', check=False)
    assert refused.returncode != 0
    assert '(HTTP 403)' in refused.stderr

    for name in ('source', 'destination'):
        as_json(admin, 'migration', 'cloud', 'create', name, '--cloud', name)
    listed = as_json(admin, 'migration', 'cloud', 'list')
    assert {c['name'] for c in listed} >= {'source', 'destination'}

    planned = as_json(alice, 'migration', 'create', '--source', 'source',
                      '--destination', 'destination', 'project', 'demo',
                      '--wait')
    assert planned['state'] == 'planned', planned
    migration = planned['uuid']
    items = as_json(alice, 'migration', 'plan', 'show', migration)
    assert any(i['resource_type'] == 'identity.project' for i in items)
    dot = osc(alice, 'migration', 'plan', 'show', migration, '-f', 'dot')
    assert dot.stdout.startswith('digraph')

    # A reader of demo sees the migration but may not start it.
    assert migration in {m['UUID'] if 'UUID' in m else m['uuid']
                         for m in as_json(reader, 'migration', 'list')}
    forbidden = osc(reader, 'migration', 'start', migration, check=False)
    assert forbidden.returncode != 0
    assert '(HTTP 403)' in forbidden.stderr

    # Another project's member sees nothing of it.
    assert migration not in json.dumps(as_json(outsider, 'migration',
                                               'list'))
    hidden = osc(outsider, 'migration', 'show', migration, check=False)
    assert hidden.returncode != 0 and '(HTTP 404)' in hidden.stderr

    started = osc(alice, 'migration', 'start', migration, '--wait',
                  '-f', 'json')
    assert json.loads(started.stdout)['state'] == 'completed'
    assert '[#' in started.stderr  # the progress bar
    assert as_json(alice, 'migration', 'report', 'show', migration) == []
    events = as_json(alice, 'migration', 'event', 'list', migration)
    assert any(e['Event Type'] == 'verify' if 'Event Type' in e
               else e['event_type'] == 'verify' for e in events)
    mappings = as_json(admin, 'migration', 'mapping', 'list', '--type',
                       'identity.project', '--source', 'source')
    assert mappings


def test_admin_migrates_a_stack_with_the_client(personas,
                                                tmp_path_factory):
    """Issue 16: ``openstack migration create ... stack NAME --project P
    --wait``, then ``start --wait``: the stack is adopted in the
    destination through the service."""
    admin = personas['admin']
    for name in ('source', 'destination'):
        osc(admin, 'migration', 'cloud', 'create', name, '--cloud', name,
            check=False)
    # Without the worker group (an empty resource group: the stack
    # module moves the whole one): the client's part is the same, the
    # clouds' work a third.
    with test_stack_workload.made_app(
            'o', tmp_path_factory.mktemp('osc-stack'), workers=0) as app:
        planned = as_json(admin, 'migration', 'create', '--source',
                          'source', '--destination', 'destination',
                          'stack', app.stack, '--project', app.project,
                          '--wait')
        assert planned['state'] == 'planned', planned
        migration = planned['uuid']
        items = as_json(admin, 'migration', 'plan', 'show', migration)
        assert [i['action'] for i in items
                if i['resource_type'] == 'orchestration.stack'] == [
            'create'], items
        started = osc(admin, 'migration', 'start', migration, '--wait',
                      '-f', 'json')
        assert json.loads(started.stdout)['state'] == 'completed'
        assert as_json(admin, 'migration', 'report', 'show',
                       migration) == []
        [stack] = test_stack_workload.destination_stacks(app)
        assert stack['stack_status'] == 'ADOPT_COMPLETE', stack


def test_bad_input_is_one_clear_line(personas):
    admin = personas['admin']
    for args, message in (
            (('migration', 'show', 'no-such-migration'), '(HTTP 404)'),
            (('migration', 'create', '--source', 'source', '--destination',
              'destination', '--strategy', 'nonsense', 'project', 'demo'),
             "KEY=VALUE, not 'nonsense'"),
            (('migration', 'create', '--source', 'nowhere',
              '--destination', 'destination', 'project', 'demo'),
             '(HTTP 4'),
            (('migration', 'cloud', 'show', 'nowhere'), '(HTTP 404)'),
            (('migration', 'list', '--os-migration-api-version', '9.9'),
             'not in supported versions')):
        done = osc(admin, *args, check=False)
        assert done.returncode != 0, args
        assert message in done.stderr, (args, done.stderr)


def ensure_clouds(admin: dict) -> None:
    """The source and destination clouds registered (by the test above,
    or here when this test runs alone)."""
    known = {c['name'] for c in as_json(admin, 'migration', 'cloud', 'list')}
    for name in ('source', 'destination'):
        if name not in known:
            as_json(admin, 'migration', 'cloud', 'create', name, '--cloud',
                    name)


def has_command(name: str) -> bool:
    """Whether the installed plugin has an entry point (delete and enable
    come with a newer setup.cfg)."""
    return any(e.name == name for e in importlib.metadata.entry_points(
        group='openstack.migration.v1'))


def test_admin_registers_a_host_whose_password_stays_hidden(
        service, personas, tmp_path):
    admin, alice = personas['admin'], personas['alice']
    ensure_clouds(admin)
    name = f'osc-host-{uuid.uuid4().hex[:8]}'
    password = f'bmc-{uuid.uuid4().hex}'
    info_file = tmp_path / 'bmc.yaml'
    info_file.write_text(f'username: root\npassword: {password}\n')
    info_file.chmod(0o600)
    outputs = []

    def run(env, *args, check=True):
        done = osc(env, *args, check=check)
        outputs.append(done.stdout + done.stderr)
        return done

    registered = json.loads(run(
        admin, 'migration', 'host', 'register', name, '--source', 'source',
        '--destination', 'destination', '--power-driver', 'ipmi',
        '--power-info-file', str(info_file),
        '--power-info', 'address=192.0.2.10', '--power-info', 'port=6230',
        '--power-info', 'username=admin', '--mac', '52:54:00:AA:BB:CC',
        '--aggregate', 'osc-agg', '-f', 'json').stdout)
    host = registered['uuid']
    try:
        assert registered['name'] == name
        assert registered['state'] == 'in_source'
        assert registered['power.driver'] == 'ipmi'
        assert registered['power.info.port'] == 6230
        assert registered['power.info.username'] == 'admin'  # arg wins
        assert 'power.info.password' not in registered
        assert registered['macs'] == ['52:54:00:aa:bb:cc']
        assert registered['options'] == {'aggregate': 'osc-agg'}

        listed = json.loads(run(admin, 'migration', 'host', 'list',
                                '--source', 'source', '-f', 'json').stdout)
        assert {'uuid': host, 'name': name, 'source': 'source',
                'destination': 'destination', 'state': 'in_source',
                'target': None} in listed
        long = json.loads(run(admin, 'migration', 'host', 'list', '--long',
                              '-f', 'json').stdout)
        mine = next(h for h in long if h['uuid'] == host)
        assert mine['power_driver'] == 'ipmi'
        assert mine['provision_driver'] is None
        shown = json.loads(run(admin, 'migration', 'host', 'show', name,
                               '-f', 'json').stdout)
        assert shown['uuid'] == host
        assert shown['power.info.address'] == '192.0.2.10'
        table = run(admin, 'migration', 'host', 'show', host).stdout
        assert 'power.info.username' in table and name in table

        # Hosts are the administrator's: a member of demo is refused.
        for args in (('list',), ('show', host),
                     ('register', f'{name}-2', '--source', 'source'),
                     ('evacuate', host)):
            refused = run(alice, 'migration', 'host', *args, check=False)
            assert refused.returncode != 0, args
            assert '(HTTP 403)' in refused.stderr, (args, refused.stderr)

        # The host commands need 1.1; asking for 1.0 says so.
        old = run(admin, '--os-migration-api-version', '1.0', 'migration',
                  'host', 'list', check=False)
        assert old.returncode != 0
        assert 'need migration API 1.1' in old.stderr, old.stderr
    finally:
        if has_command('migration_host_delete'):
            run(admin, 'migration', 'host', 'delete', host)
        else:
            response = service.client().request(
                'DELETE', f'/v1/hosts/{host}',
                headers={'OpenStack-API-Version': 'migration 1.1'})
            assert response.status_code == 204, response.text
    gone = run(admin, 'migration', 'host', 'show', host, check=False)
    assert gone.returncode != 0 and '(HTTP 404)' in gone.stderr
    for output in outputs:
        assert password not in output
    assert password not in service.logs()
    assert password not in service.dump_database()


def test_a_failing_evacuation_is_a_clear_error(service, personas):
    """--wait follows the operations of a host the source has no
    nova-compute for: it fails at its first step, with the reason."""
    admin = personas['admin']
    ensure_clouds(admin)
    name = f'osc-ghost-{uuid.uuid4().hex[:8]}'
    as_json(admin, 'migration', 'host', 'register', name, '--source',
            'source')
    try:
        done = osc(admin, 'migration', 'host', 'evacuate', name, '--wait',
                   '300', check=False)
        assert done.returncode != 0, done.stdout + done.stderr
        assert f'host {name} failed at step disable: ' in done.stderr, (
            done.stderr)
        assert 'no nova-compute service' in done.stderr
        assert 'disable: started' in done.stderr  # an operation line
        shown = as_json(admin, 'migration', 'host', 'show', name)
        assert (shown['state'], shown['failed_step'], shown['target']) == (
            'failed', 'disable', None)
    finally:
        # The conductor lets go of the host just after recording the
        # failure; deleting before that is refused (409).
        fixtures.wait_until(lambda: as_json(
            admin, 'migration', 'host', 'show', name)['conductor'] is None,
            timeout=60, interval=1)
        if has_command('migration_host_delete'):
            osc(admin, 'migration', 'host', 'delete', name)
        else:
            response = service.client().request(
                'DELETE', f'/v1/hosts/{name}',
                headers={'OpenStack-API-Version': 'migration 1.1'})
            assert response.status_code == 204, response.text


def test_evacuation_plan_through_the_client_and_the_api(service, personas,
                                                        spare):
    """Issue 14: ``openstack migration host evacuate --plan`` shows, for
    a server on the source's spare host, how and where it would move, and
    changes nothing; the API serves the plan from microversion 1.2 only."""
    admin = personas['admin']
    ensure_clouds(admin)
    server = spare()
    spare.set_enabled(True)  # as a host in use is
    source = fixtures.sdk_connection('source')
    as_json(admin, 'migration', 'host', 'register', test_hosts.SPARE,
            '--source', 'source')
    try:
        [row] = as_json(admin, 'migration', 'host', 'evacuate',
                        test_hosts.SPARE, '--plan')
        assert (row['id'], row['status'], row['method'], row['action']) == (
            server.id, 'ACTIVE', 'live', 'move'), row
        assert row['target'] in test_hosts.OTHERS, row
        assert nova.compute_service(source, test_hosts.SPARE)['status'] == \
            'enabled'
        assert source.compute.get_server(server.id).compute_host == \
            test_hosts.SPARE
        api = service.client()
        path = f'/v1/hosts/{test_hosts.SPARE}/evacuation-plan'
        old = api.request('POST', path, headers={
            'OpenStack-API-Version': 'migration 1.1'})
        assert old.status_code == 404 and 'migration 1.2' in old.text, \
            old.text
        plan = api.request('POST', path, headers={
            'OpenStack-API-Version': 'migration 1.2'})
        assert plan.status_code == 200, plan.text
        assert plan.json()['feasible'] is True
        assert [s['id'] for s in plan.json()['servers']] == [server.id]
    finally:
        osc(admin, 'migration', 'host', 'delete', test_hosts.SPARE)
