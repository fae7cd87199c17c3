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

"""The engine on identity between the two real Keystones.

Conflicts change nothing; copy_hash keeps users' passwords; reset
passwords never appear in a log line or an event.
"""

import logging

import pytest
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import identity as ksa_identity
from keystoneauth1 import session as ksa_session
from sqlalchemy.engine import make_url

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def clouds():
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    created = []
    yield source, destination, created
    for conn in (destination, source):
        for kind, name in reversed(created):
            finder = getattr(conn.identity, f'find_{kind}')
            found = finder(name, ignore_missing=True)
            if found is not None:
                getattr(conn.identity, f'delete_{kind}')(found)


def small_workload(source, created, password):
    """A project with a user holding the member role on it."""
    project = source.identity.create_project(
        name=engine_fixtures.unique('pe-project'), domain_id='default',
        description='engine test')
    created.append(('project', project.name))
    user = source.identity.create_user(
        name=engine_fixtures.unique('pe-user'), domain_id='default',
        password=password, default_project_id=project.id)
    created.append(('user', user.name))
    member = source.identity.find_role('member')
    source.identity.assign_project_role_to_user(project, user, member)
    return project, user


def migrate(project_name, **options):
    migration = runner.create(
        'source', 'destination',
        {'workload': {'kind': 'project', 'names': [project_name]}},
        options, project_id='admin')
    runner.plan(migration.uuid)
    return engine_fixtures.run(migration.uuid, workers=2)


def named(destination, project, user) -> tuple[list, list]:
    """The destination's projects (id, description) and users (ids) of
    the workload's names: other tests make their own meanwhile."""
    identity = destination.identity
    return (sorted((p.id, p.description)
                   for p in identity.projects(name=project.name)),
            sorted(u.id for u in identity.users(name=user.name)))


def can_log_in(auth_url, user, password, project) -> bool:
    auth = ksa_identity.Password(
        auth_url=auth_url, username=user, password=password,
        user_domain_id='default', project_name=project,
        project_domain_id='default')
    try:
        ksa_session.Session(auth=auth).get_token()
    except ksa_exc.Unauthorized:
        return False
    return True


def test_conflict_stops_the_plan_and_changes_nothing(engine, clouds):
    source, destination, created = clouds
    project, user = small_workload(source, created, 'Pw-1-unused')
    destination.identity.create_project(
        name=project.name, domain_id='default', description='different')
    before = named(destination, project, user)

    migration = runner.create(
        'source', 'destination',
        {'workload': {'kind': 'project', 'names': [project.name]}}, {},
        project_id='admin')
    migration = runner.plan(migration.uuid)
    items = migration_api.list_plan_items(migration.id)
    conflict = [i for i in items if i.action == 'conflict']
    assert [i.source_name for i in conflict] == [project.name]
    assert conflict[0].details['differences']['description'] == {
        'source': 'engine test', 'destination': 'different'}
    with pytest.raises(exception.PlanConflict):
        runner.start(migration.uuid)
    assert named(destination, project, user) == before


def test_copy_hash_keeps_the_password(engine, clouds):
    source, destination, created = clouds
    engine.config(group='identity',
                  source_keystone_connection=engine_fixtures
                  .keystone_db_url('source'),
                  destination_keystone_connection=engine_fixtures
                  .keystone_db_url('destination'))
    password = 'Source-Pass-' + engine_fixtures.unique('x')
    project, user = small_workload(source, created, password)

    migration = migrate(project.name, password_mode='copy_hash')
    assert migration.state == 'completed', migration.last_error
    assert migration.report['differences'] == []
    auth_url = fixtures.cloud_entry('destination')['auth']['auth_url']
    assert can_log_in(auth_url, user.name, password, project.name)
    assert not can_log_in(auth_url, user.name, password + 'x', project.name)
    assert migration_api.count_issued_passwords(migration.id) == 0


def test_copy_hash_with_a_wrong_database_changes_nothing(engine, clouds):
    """Issue 14 item 7: a source Keystone database URL naming another
    database (here the destination's) fails the plan's keystone_db
    check; nothing starts and no user reaches the destination."""
    source, destination, created = clouds
    wrong = engine_fixtures.keystone_db_url('destination')
    engine.config(group='identity', source_keystone_connection=wrong,
                  destination_keystone_connection=engine_fixtures
                  .keystone_db_url('destination'))
    project, user = small_workload(source, created, 'Pw-never-copied')
    migration = runner.create(
        'source', 'destination',
        {'workload': {'kind': 'project', 'names': [project.name]}},
        {'password_mode': 'copy_hash'}, project_id='admin')
    migration = runner.plan(migration.uuid)
    failed = {c['name']: c['message'] for c in migration.checks
              if c['status'] == 'failed'}
    assert set(failed) == {'keystone_db:source'}, migration.checks
    assert "not the source cloud's Keystone database" in \
        failed['keystone_db:source']
    password = make_url(wrong).password
    assert not password or password not in failed['keystone_db:source']
    with pytest.raises(exception.PreCheckFailed):
        runner.start(migration.uuid)
    assert destination.identity.find_user(user.name, domain_id='default',
                                          ignore_missing=True) is None
    assert destination.identity.find_project(
        project.name, domain_id='default', ignore_missing=True) is None


def test_reset_password_is_issued_once_and_never_logged(engine, clouds,
                                                        caplog):
    source, destination, created = clouds
    old = 'Old-Pass-' + engine_fixtures.unique('x')
    project, user = small_workload(source, created, old)
    caplog.set_level(logging.DEBUG)

    migration = migrate(project.name)
    assert migration.state == 'completed', migration.last_error
    issued = migration_api.pop_issued_passwords(migration.id)
    assert [row.user_name for row in issued] == [user.name]
    password = crypto.decrypt(issued[0].secret)['password']
    assert migration_api.pop_issued_passwords(migration.id) == []

    auth_url = fixtures.cloud_entry('destination')['auth']['auth_url']
    assert can_log_in(auth_url, user.name, password, project.name)
    assert not can_log_in(auth_url, user.name, old, project.name)
    events = ' '.join(e.message for e in
                      migration_api.list_events(migration.id))
    assert password not in caplog.text
    assert password not in events
    assert user.name in events


def test_second_run_reuses_everything(engine, clouds):
    source, destination, created = clouds
    project, user = small_workload(source, created, 'Pw-2-unused')
    first = migrate(project.name)
    assert first.state == 'completed', first.last_error
    before = named(destination, project, user)
    assert len(before[1]) == 1, before
    second = migrate(project.name)
    actions = {i.action for i in migration_api.list_plan_items(second.id)}
    assert actions == {'reuse'}
    assert second.state == 'completed'
    assert named(destination, project, user) == before
