"""``openstack migration ...`` against the deployed service, by persona.

pumphouse-api runs behind keystonemiddleware (the source Keystone) and is
registered in that Keystone's catalog as type ``migration`` with
tools/register_service.py; the real ``openstack`` command finds it there.
The admin registers the clouds; alice (member of ``demo``) plans, starts
and watches the migration of ``demo`` and reads its report; a reader of
``demo`` can list but not start; a member of another project sees none of
it. Bad input gives one clear line and a non-zero exit.
"""

import json
import os
import subprocess
import uuid

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures

OPENSTACK = str(fixtures.BIN / 'openstack')


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
