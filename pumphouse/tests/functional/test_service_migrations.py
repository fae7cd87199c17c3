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

"""Migrations through the deployed service, between the harness Keystones.

pumphouse-api behind keystonemiddleware and two conductors on RabbitMQ and
MariaDB/PostgreSQL migrate identity workloads the tests create in the
source Keystone; a conductor killed in the middle of a migration is
replaced by the other one, which finishes it without duplicates.
"""

import signal

import pytest

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.identity_workload import wait_for_clouds


def show(admin, migration: dict, suffix: str = '') -> dict:
    response = admin.request('GET',
                             f'/v1/migrations/{migration["uuid"]}{suffix}')
    assert response.status_code == 200, response.text
    return response.json()


def wait_until_finished(admin, migration: dict,
                        timeout: float = 180) -> dict:
    finished = ('planned', 'completed', 'failed', 'cancelled')
    shown = fixtures.wait_until(
        lambda: (lambda m: m if m['state'] in finished else None)(
            show(admin, migration)), timeout, interval=0.5)
    assert shown, show(admin, migration)
    return shown


def assert_state(deployment, admin, shown: dict, wanted: str) -> None:
    assert shown['state'] == wanted, (
        shown, show(admin, shown, '/events?limit=1000')['events'][-20:],
        deployment.logs()[-5000:])


_UNREACHABLE = ('Unable to establish connection', 'ConnectFailure')


def cloud_was_away(admin, shown: dict) -> bool:
    """Did it fail because a harness cloud was being restarted?"""
    errors = [shown['last_error'] or ''] + [
        i['error'] or '' for i in show(admin, shown, '/plan')['items']]
    return any(m in e for e in errors for m in _UNREACHABLE)


def put_state(admin, migration: dict, target: str) -> None:
    response = admin.request('PUT', f'/v1/migrations/{migration["uuid"]}'
                                    '/state', json={'target': target})
    assert response.status_code == 202, response.text
    assert response.json()['state'] == target


def start(admin, migration: dict) -> None:
    put_state(admin, migration, 'running')


def planned(deployment, admin, workload, **options) -> dict:
    """A planned migration of the workload; planned again if a harness
    cloud was away."""
    response = admin.request('POST', '/v1/migrations', json={
        'name': f'func-{workload.suffix}', 'source': 'source',
        'destination': 'destination', 'options': options,
        'workload': {'kind': 'project', 'names': [workload.project]}})
    assert response.status_code == 202, response.text
    migration = response.json()
    assert migration['state'] == 'planning'
    assert response.headers['Location'].endswith(migration['uuid'])
    for attempt in range(3):
        shown = wait_until_finished(admin, migration)
        if shown['state'] == 'failed' and attempt < 2 and \
                cloud_was_away(admin, shown):
            wait_for_clouds()
            put_state(admin, migration, 'planning')
            continue
        assert_state(deployment, admin, shown, 'planned')
        return shown


def complete(deployment, admin, migration: dict,
             timeout: float = 300) -> dict:
    """Wait for a started migration to complete; resume it if it failed
    because a harness cloud was away meanwhile."""
    for attempt in range(3):
        shown = wait_until_finished(admin, migration, timeout)
        if shown['state'] == 'failed' and attempt < 2 and \
                cloud_was_away(admin, shown):
            wait_for_clouds()
            start(admin, migration)
            continue
        assert_state(deployment, admin, shown, 'completed')
        return shown


def assert_clean_report(admin, migration: dict) -> dict:
    response = admin.request('GET',
                             f'/v1/migrations/{migration["uuid"]}/report')
    assert response.status_code == 200, response.text
    report = response.json()
    assert report['checked'] > 0
    assert (report['differences'], report['not_migrated']) == ([], [])
    return report


def test_identity_workload_is_migrated(deployment, admin, clouds, workload):
    migration = planned(deployment, admin, workload)
    assert migration['items']['total'] >= 7, migration['items']
    assert 'conflict' not in migration['items']['by_action']
    plan = admin.request('GET', f'/v1/migrations/{migration["uuid"]}'
                                '/plan?format=dot')
    assert plan.headers['Content-Type'].startswith('text/vnd.graphviz')
    assert workload.role in plan.text

    start(admin, migration)
    completed = complete(deployment, admin, migration)
    assert set(completed['items']['by_state']) <= {'done', 'skipped'}
    assert_clean_report(admin, migration)

    identity = workload.destination.identity
    project = identity.find_project(workload.project, ignore_missing=False)
    child = identity.find_project(workload.child, ignore_missing=False)
    assert child.parent_id == project.id
    user = identity.find_user(workload.users[0], ignore_missing=False)
    group = identity.find_group(workload.group, ignore_missing=False)
    role = identity.find_role(workload.role, ignore_missing=False)
    member = identity.find_role('member', ignore_missing=False)
    assert [u.id for u in identity.group_users(group)] == [user.id]
    assert {a.role['id'] for a in identity.role_assignments(
        scope_project_id=project.id, user_id=user.id)} == {role.id}
    assert {a.role['id'] for a in identity.role_assignments(
        scope_project_id=child.id, group_id=group.id)} == {member.id}

    mapped = admin.request('GET', '/v1/mappings', params={
        'source_cloud': 'source', 'type': 'identity.user',
        'source_id': workload.source.identity.find_user(
            workload.users[0], ignore_missing=False).id}).json()
    assert [m['destination_id'] for m in mapped['mappings']] == [user.id]
    assert mapped['mappings'][0]['migration'] == migration['uuid']

    # The new user's password, handed out once, opens the destination.
    path = f'/v1/migrations/{migration["uuid"]}/passwords'
    [issued] = admin.request('POST', path).json()['passwords']
    assert (issued['name'], issued['user_id']) == (user.name, user.id)
    assert admin.request('POST', path).json()['passwords'] == []
    session = deployment_mod.keystone_session({
        'auth_url': fixtures.cloud_entry('destination')['auth']['auth_url'],
        'username': user.name, 'password': issued['password'],
        'user_domain_name': 'Default', 'project_name': workload.project,
        'project_domain_name': 'Default'})
    assert session.get_token()


@pytest.mark.parametrize('workload', [30], indirect=True)
def test_killed_conductor_is_taken_over(deployment, admin, clouds,
                                        workload):
    migration = planned(deployment, admin, workload, apply_workers=1)
    start(admin, migration)

    def under_way():
        shown = show(admin, migration)
        done = shown['items']['by_state'].get('done', 0)
        return shown if shown['conductor'] and done >= 5 else None

    running = fixtures.wait_until(under_way, 120, interval=0.1)
    assert running and running['state'] == 'running', running
    owner = running['conductor']
    other = next(c for c in deployment_mod.CONDUCTORS if c != owner)
    deployment.processes[owner].stop(signal.SIGKILL)
    try:
        completed = complete(deployment, admin, migration)
        assert_clean_report(admin, migration)
        takeovers = [e for e in show(admin, migration,
                                     '/events?limit=1000')['events']
                     if e['event_type'] == 'takeover'
                     and 'stopped heart-beating' in e['message']]
        assert [(e['conductor'], f'conductor {owner} stopped' in
                 e['message']) for e in takeovers] == [(other, True)]
        assert set(completed['items']['by_state']) <= {'done', 'skipped'}, \
            completed['items']
        assert workload.count_users(workload.destination) == dict.fromkeys(
            workload.users, 1)
    finally:
        deployment.start_conductor(owner)
        assert fixtures.wait_until(lambda: deployment.live_conductors() == [
            *deployment_mod.CONDUCTORS], 60)
