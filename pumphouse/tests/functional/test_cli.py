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

"""The ``pumphouse`` command line, run as an operator runs it, between the
two harness clouds.

The workload is made here in the source, with names unique to the run: a
project with a sub-project, two users, a group with a member, a custom
role implying another, and role assignments (one of them a group's,
inherited to sub-projects). Everything of that name is deleted from both
clouds afterwards.
"""

import csv
import dataclasses
import json
import os
import re
import stat
import subprocess
import uuid

import openstack
import pytest

from pumphouse.tests.functional import fixtures

DOMAIN = 'default'


@dataclasses.dataclass
class Names:
    """The names of one run's workload."""

    prefix: str

    def __getattr__(self, part: str) -> str:
        if part.startswith('_'):
            raise AttributeError(part)
        return f'{self.prefix}-{part}'

    @property
    def users(self) -> tuple[str, str]:
        return self.alice, self.bob


def _check(response):
    assert response.status_code < 300, (response.status_code, response.text)
    return response


def _create_workload(conn, names: Names) -> dict:
    identity = conn.identity
    parent = identity.create_project(name=names.parent, domain_id=DOMAIN,
                                     description='pumphouse CLI test')
    child = identity.create_project(name=names.child, domain_id=DOMAIN,
                                    parent_id=parent.id)
    prior = identity.create_role(name=names.prior)
    implied = identity.create_role(name=names.implied)
    _check(identity.put(f'/roles/{prior.id}/implies/{implied.id}'))
    alice = identity.create_user(name=names.alice, domain_id=DOMAIN,
                                 default_project_id=parent.id,
                                 email='alice@example.org',
                                 password=uuid.uuid4().hex)
    bob = identity.create_user(name=names.bob, domain_id=DOMAIN,
                               password=uuid.uuid4().hex)
    team = identity.create_group(name=names.team, domain_id=DOMAIN)
    identity.add_user_to_group(bob, team)
    identity.assign_project_role_to_user(parent, alice, prior)
    identity.assign_project_role_to_user(child, bob, implied)
    _check(identity.put(f'/OS-INHERIT/projects/{parent.id}/groups/'
                        f'{team.id}/roles/{prior.id}/inherited_to_projects'))
    return {'parent': parent.id, 'child': child.id, 'alice': alice.id,
            'bob': bob.id, 'team': team.id, 'prior': prior.id,
            'implied': implied.id}


def _named(listing, name: str) -> list:
    return [r for r in listing if r.name == name]


def _delete_by_name(conn, names: Names) -> None:
    identity = conn.identity
    for name in (names.child, names.parent):
        for project in _named(identity.projects(name=name), name):
            identity.delete_project(project, ignore_missing=True)
    for name in names.users:
        for user in _named(identity.users(name=name), name):
            identity.delete_user(user, ignore_missing=True)
    for group in _named(identity.groups(name=names.team), names.team):
        identity.delete_group(group, ignore_missing=True)
    for name in (names.prior, names.implied):
        for role in _named(identity.roles(name=name), name):
            identity.delete_role(role, ignore_missing=True)


@pytest.fixture(scope='module')
def workload():
    names = Names(f'phcli-{uuid.uuid4().hex[:8]}')
    try:
        yield names, _create_workload(fixtures.sdk_connection('source'),
                                      names)
    finally:
        errors = []
        for cloud in ('destination', 'source'):
            try:
                _delete_by_name(fixtures.sdk_connection(cloud), names)
            except Exception as e:  # clean the other cloud all the same
                errors.append(f'{cloud}: {e}')
        assert not errors, f'cleaning up {names.prefix} failed: {errors}'


@pytest.fixture(scope='module')
def cli(tmp_path_factory):
    """Runs ``pumphouse`` on a state directory of its own."""
    tmp = tmp_path_factory.mktemp('cli')
    conf = tmp / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    env = {**os.environ, 'XDG_STATE_HOME': str(tmp / 'xdg')}
    env.pop('OS_CLIENT_CONFIG_FILE', None)

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(fixtures.BIN / 'pumphouse'), *args, '--config-file',
             str(conf)], capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL, env=env)
    run.tmp = tmp
    return run


def _migration_id(result) -> str:
    found = re.search(r'Migration ([0-9a-f-]{36})',
                      result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    return found.group(1)


def _ok(result) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout,
                                    result.stderr)
    assert 'Traceback' not in result.stderr, result.stderr
    return result.stdout


def _destination_state(conn, names: Names) -> dict:
    """What the destination has of the workload, by name."""
    identity = conn.identity
    projects = {n: _named(identity.projects(name=n), n)
                for n in (names.parent, names.child)}
    users = {n: _named(identity.users(name=n), n) for n in names.users}
    ids = {r.id for found in (*projects.values(), *users.values())
           for r in found}
    groups = _named(identity.groups(name=names.team), names.team)
    ids |= {g.id for g in groups}
    assignments = [
        a for a in _check(identity.get('/role_assignments')).json()[
            'role_assignments']
        if ids & {a.get('user', {}).get('id'), a.get('group', {}).get('id'),
                  a['scope'].get('project', {}).get('id')}]
    return {'projects': projects, 'users': users, 'groups': groups,
            'assignments': assignments}


def _counts(state: dict) -> dict:
    return {'projects': sum(len(p) for p in state['projects'].values()),
            'users': sum(len(u) for u in state['users'].values()),
            'groups': len(state['groups']),
            'assignments': len(state['assignments'])}


def _check_destination(conn, names: Names) -> None:
    state = _destination_state(conn, names)
    assert _counts(state) == {'projects': 2, 'users': 2, 'groups': 1,
                              'assignments': 3}, state
    (parent,), (child,) = state['projects'].values()
    (alice,), (bob,) = state['users'].values()
    (team,) = state['groups']
    assert child.parent_id == parent.id
    assert alice.default_project_id == parent.id
    assert alice.email == 'alice@example.org'
    assert conn.identity.check_user_in_group(bob, team)
    (prior,) = _named(conn.identity.roles(name=names.prior), names.prior)
    (implied,) = _named(conn.identity.roles(name=names.implied),
                        names.implied)
    _check(conn.identity.get(f'/roles/{prior.id}/implies/{implied.id}'))
    grants = {(a['role']['id'],
               a.get('user', a.get('group', {})).get('id'),
               a['scope']['project']['id'],
               'OS-INHERIT:inherited_to' in a['scope'])
              for a in state['assignments']}
    assert grants == {(prior.id, alice.id, parent.id, False),
                      (implied.id, bob.id, child.id, False),
                      (prior.id, team.id, parent.id, True)}


def test_plan_prints_a_digraph(cli, workload):
    names, _ids = workload
    result = cli('plan', '--source', 'source', '--destination',
                 'destination', 'project', names.parent, '--format', 'dot')
    out = _ok(result).strip()
    assert out.startswith('digraph plan {') and out.endswith('}'), out
    assert names.child in out and '->' in out
    # The id goes to stderr, so that stdout is the graph alone.
    _migration_id(result)


def test_migrate_again_and_fetch_passwords(cli, workload):
    names, ids = workload
    destination = fixtures.sdk_connection('destination')
    migrate = ('migrate', '--source', 'source', '--destination',
               'destination', 'project', names.parent, '--yes')

    result = cli(*migrate)
    out = _ok(result)
    first = _migration_id(result)
    assert f'Migration {first}: completed' in out
    assert '0 with differences, 0 not migrated' in out
    _check_destination(destination, names)

    before = _counts(_destination_state(destination, names))
    result = cli(*migrate)
    _ok(result)
    second = _migration_id(result)
    assert second != first
    shown = json.loads(_ok(cli('show', second, '--format', 'json')))
    assert shown['state'] == 'completed'
    assert {i['action'] for i in shown['plan']} == {'reuse'}, shown['plan']
    assert shown['passwords_available'] == 0
    assert _counts(_destination_state(destination, names)) == before

    _ok(cli('verify', first))
    mappings = _ok(cli('mappings', '--type', 'identity.user',
                       '--source-id', ids['alice']))
    # The mapping keeps naming the migration that created the user.
    assert ids['alice'] in mappings and first in mappings
    assert second not in mappings

    output = cli.tmp / 'passwords.csv'
    result = cli('passwords', first, '--output', str(output))
    _ok(result)
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    with open(output, newline='') as f:
        rows = list(csv.DictReader(f))
    assert sorted(r['user_name'] for r in rows) == sorted(names.users)
    for row in rows:
        assert row['password'] not in result.stdout + result.stderr
    _log_in(rows, names)

    again = cli.tmp / 'again.csv'
    result = cli('passwords', first, '--output', str(again))
    assert result.returncode == 1, result
    assert 'No passwords are waiting' in result.stderr
    assert not again.exists()


def _log_in(rows: list[dict], names: Names) -> None:
    """The issued password of alice opens a session in the destination."""
    (alice,) = [r for r in rows if r['user_name'] == names.alice]
    auth_url = fixtures.cloud_entry('destination')['auth']['auth_url']
    conn = openstack.connection.Connection(auth={
        'auth_url': auth_url, 'username': alice['user_name'],
        'password': alice['password'], 'user_domain_id': DOMAIN,
        'project_name': names.parent, 'project_domain_id': DOMAIN})
    assert conn.authorize()


@pytest.fixture
def clash():
    """A project the destination already has, with another description."""
    names = Names(f'phcli-{uuid.uuid4().hex[:8]}')
    try:
        for cloud, text in (('source', 'from the source'),
                            ('destination', 'already there')):
            fixtures.sdk_connection(cloud).identity.create_project(
                name=names.parent, domain_id=DOMAIN, description=text)
        yield names
    finally:
        for cloud in ('destination', 'source'):
            _delete_by_name(fixtures.sdk_connection(cloud), names)


def test_conflicts_stop_the_migration(cli, clash):
    result = cli('migrate', '--source', 'source', '--destination',
                 'destination', 'project', clash.parent, '--yes')
    assert result.returncode == 1, result
    assert (f'conflict: identity.project {clash.parent}' in result.stdout
            ), result.stdout
    assert "'from the source' in source, 'already there' in destination" \
        in result.stdout
    assert 'The plan has 1 conflict(s)' in result.stderr
    assert 'Traceback' not in result.stderr
    shown = json.loads(_ok(cli('show', _migration_id(result), '--format',
                               'json')))
    assert shown['state'] == 'planned'
    (project,) = _named(fixtures.sdk_connection('destination').identity
                        .projects(name=clash.parent), clash.parent)
    assert project.description == 'already there'
