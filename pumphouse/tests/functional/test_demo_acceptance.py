"""Issue acceptance: ``pumphouse migrate ... project demo`` on the seed.

The harness's ``full`` seed has projects ``demo`` and ``demo-child``
(parent ``demo``) with users, a group, a custom role with an implied role
and assignments. After the migration the destination's assignments on
both projects, by names, equal the source's; a second run reuses every
item and creates nothing.
"""

import subprocess

import pytest

from pumphouse.tests.functional import fixtures

PROJECTS = ('demo', 'demo-child')


@pytest.fixture(scope='module')
def seeded():
    result = subprocess.run(
        [str(fixtures.REPO / 'tools' / 'minicloud' / 'minicloud'), 'seed',
         '--profile', 'full'], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr


def assignments_by_name(conn, project_name: str) -> set[tuple]:
    """Direct assignments on a project as (role, actor, inherited)."""
    project = conn.identity.find_project(project_name, domain_id='default')
    response = conn.identity.get('/role_assignments', params={
        'scope.project.id': project.id, 'include_names': 'true'})
    rows = set()
    for entry in response.json()['role_assignments']:
        actor = entry.get('user') or entry.get('group')
        kind = 'user' if 'user' in entry else 'group'
        rows.add((entry['role']['name'], kind, actor['name'],
                  'OS-INHERIT:inherited_to' in entry['scope']))
    return rows


def counts(conn) -> dict:
    return {'projects': len(list(conn.identity.projects())),
            'users': len(list(conn.identity.users())),
            'groups': len(list(conn.identity.groups())),
            'roles': len(list(conn.identity.roles())),
            'assignments': len(conn.identity.get(
                '/role_assignments').json()['role_assignments'])}


def migrate(tmp_path, *extra):
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    return subprocess.run(
        [str(fixtures.BIN / 'pumphouse'), '--config-file', str(conf),
         'migrate', '--source', 'source', '--destination', 'destination',
         '--yes', *extra, 'project', 'demo'],
        capture_output=True, text=True, timeout=900)


def test_migrate_demo_then_again(seeded, tmp_path):
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')

    first = migrate(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr
    for project in PROJECTS:
        expected = assignments_by_name(source, project)
        assert expected, f'the seed has no assignments on {project}'
        assert assignments_by_name(destination, project) == expected
    child = destination.identity.find_project('demo-child')
    parent = destination.identity.find_project('demo')
    assert child.parent_id == parent.id

    before = counts(destination)
    second = migrate(tmp_path, '--dry-run')
    assert second.returncode == 0, second.stderr
    assert ' create ' not in second.stdout
    third = migrate(tmp_path)
    assert third.returncode == 0, third.stdout[-3000:] + third.stderr
    assert counts(destination) == before
