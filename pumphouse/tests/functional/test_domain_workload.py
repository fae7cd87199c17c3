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

"""A non-default domain migrates whole (issue 14 item 5).

``pumphouse migrate ... domain NAME`` on a domain of the test's own: its
project tree, its users (one without any assignment), a group with a
member, a domain-specific role that nothing uses and one that is
assigned, domain-scoped and inherited assignments, and a user of the
Default domain assigned on one of its projects. The destination gets the
domain under the source's id, everything in it by name, the same
assignments, and the user of the other domain; a second plan creates
nothing.
"""

import uuid

import pytest

from pumphouse.tests.functional import fixtures


def migrate(tmp_path, domain: str, *extra):
    return fixtures.pumphouse_migrate(tmp_path, *extra, 'domain', domain)


def _delete_domain(conn, name: str) -> None:
    identity = conn.identity
    domain = identity.find_domain(name, ignore_missing=True)
    if domain is None:
        return
    # Keystone deletes a disabled domain with what it holds.
    identity.update_domain(domain, is_enabled=False)
    identity.delete_domain(domain)


@pytest.fixture
def source_domain():
    """The source domain of the test and what it holds, by names."""
    conn = fixtures.sdk_connection('source')
    identity = conn.identity
    tag = uuid.uuid4().hex[:8]
    names = {'domain': f'dom-{tag}', 'outsider': f'dom-outsider-{tag}'}
    domain = identity.create_domain(name=names['domain'], description='')
    try:
        top = identity.create_project(name='apps', domain_id=domain.id,
                                      description='Top of the tree')
        child = identity.create_project(name='apps-web', domain_id=domain.id,
                                        parent_id=top.id, description='')
        spare = identity.create_project(name='spare', domain_id=domain.id)
        worker = identity.create_user(name='worker', domain_id=domain.id,
                                      email='worker@example.org',
                                      password=uuid.uuid4().hex)
        identity.create_user(name='idle', domain_id=domain.id,
                             password=uuid.uuid4().hex)
        team = identity.create_group(name='team', domain_id=domain.id)
        identity.add_user_to_group(worker, team)
        own = identity.create_role(name='dom-operator', domain_id=domain.id)
        identity.create_role(name='dom-unused', domain_id=domain.id,
                             description='Used by nobody')
        outsider = identity.create_user(name=names['outsider'],
                                        domain_id='default',
                                        password=uuid.uuid4().hex)
        member = identity.find_role('member')
        reader = identity.find_role('reader')
        identity.assign_domain_role_to_user(domain, worker, member)
        identity.assign_project_role_to_user(top, worker, own)
        identity.assign_project_role_to_user(child, worker, member)
        identity.assign_project_role_to_user(spare, outsider, member)
        # Inherited to every project of the domain (OS-INHERIT).
        response = identity.put(
            f'/OS-INHERIT/domains/{domain.id}/groups/{team.id}/roles/'
            f'{reader.id}/inherited_to_projects')
        assert response.status_code == 204, response.text
        yield names
    finally:
        for conn_ in (conn, fixtures.sdk_connection('destination')):
            _delete_domain(conn_, names['domain'])
            user = conn_.identity.find_user(
                names['outsider'], domain_id='default', ignore_missing=True)
            if user is not None:
                conn_.identity.delete_user(user)


def assignments(conn, domain_name: str) -> set[tuple]:
    """The direct assignments on the domain and its projects, by names:
    (role, role's domain, actor kind, actor, actor's domain, scope kind,
    scope, inherited)."""
    identity = conn.identity
    domain = identity.find_domain(domain_name)
    domains = {d.id: d.name for d in identity.domains()}
    scopes = [('domain', domain.id)] + [
        ('project', p.id) for p in identity.projects(domain_id=domain.id)]
    rows = set()
    for kind, scope_id in scopes:
        body = identity.get('/role_assignments', params={
            f'scope.{kind}.id': scope_id, 'include_names': 'true'}).json()
        for entry in body['role_assignments']:
            actor_kind = 'user' if 'user' in entry else 'group'
            actor = entry[actor_kind]
            scope = entry['scope'][kind]
            rows.add((entry['role']['name'],
                      domains.get(entry['role'].get('domain', {}).get('id')),
                      actor_kind, actor['name'],
                      domains[actor['domain']['id']], kind, scope['name'],
                      'OS-INHERIT:inherited_to' in entry['scope']))
    return rows


def contents(conn, domain_name: str) -> dict:
    identity = conn.identity
    domain = identity.find_domain(domain_name)
    projects = {p.id: p for p in identity.projects(domain_id=domain.id)}
    users = {u.name: (u.email, u.is_enabled)
             for u in identity.users(domain_id=domain.id)}
    groups = {}
    for group in identity.groups(domain_id=domain.id):
        groups[group.name] = sorted(
            u.name for u in identity.group_users(group))
    roles = {r.name: r.description
             for r in identity.roles(domain_id=domain.id)}
    return {'domain': (domain.description, domain.is_enabled),
            'projects': {p.name: (p.description,
                                  projects[p.parent_id].name
                                  if p.parent_id in projects else None)
                         for p in projects.values()},
            'users': users, 'groups': groups, 'roles': roles,
            'assignments': assignments(conn, domain_name)}


def test_domain_migrates_whole(source_domain, tmp_path):
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    name = source_domain['domain']
    expected = contents(source, name)
    assert len(expected['assignments']) == 5, expected['assignments']

    first = migrate(tmp_path, name)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr

    assert contents(destination, name) == expected
    source_id = source.identity.find_domain(name).id
    assert destination.identity.find_domain(name).id == source_id
    outsider = destination.identity.find_user(source_domain['outsider'],
                                              domain_id='default')
    assert outsider is not None

    again = migrate(tmp_path, name, '--dry-run')
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr
    assert ' create ' not in again.stdout, again.stdout[:3000]
