"""Crash and resume: SIGKILL ``pumphouse migrate`` in the middle of apply.

The process is killed at several points of the apply (after a growing
number of plan items are done, so the kill lands in the middle of
whatever comes next), resumed with ``pumphouse resume`` each time, and
the migration must end with no duplicate in the destination and an
empty verification report.
"""

import signal
import sqlite3
import subprocess
import time
import uuid

import pytest

from pumphouse.tests.functional import fixtures

USERS = 12
KILL_AFTER_DONE = (2, 9, 20)


@pytest.fixture
def workload():
    """A project with USERS users, each a member, and a group of them."""
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    tag = uuid.uuid4().hex[:8]
    project = source.identity.create_project(
        name=f'resume-{tag}', domain_id='default')
    member = source.identity.find_role('member')
    group = source.identity.create_group(name=f'resume-{tag}-g',
                                         domain_id='default')
    users = []
    for n in range(USERS):
        user = source.identity.create_user(
            name=f'resume-{tag}-u{n:02d}', domain_id='default',
            password=uuid.uuid4().hex)
        source.identity.assign_project_role_to_user(project, user, member)
        source.identity.add_user_to_group(user, group)
        users.append(user.name)
    source.identity.assign_project_role_to_group(project, group, member)
    yield project.name, users, group.name
    for conn in (destination, source):
        for name in users:
            for user in conn.identity.users(name=name):
                conn.identity.delete_user(user)
        for found in conn.identity.groups(name=group.name):
            conn.identity.delete_group(found)
        for found in conn.identity.projects(name=project.name):
            conn.identity.delete_project(found)


def _done(database) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM plan_items "
                                "WHERE state = 'done'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _migration_id(database) -> str:
    with sqlite3.connect(database, timeout=5) as conn:
        return conn.execute('SELECT uuid FROM migrations '
                            'ORDER BY id DESC LIMIT 1').fetchone()[0]


def _run_and_kill(argv, env, database, log, after_done: int) -> bool:
    """Run until ``after_done`` items are done, then SIGKILL.

    False when the command finished before the kill could land.
    """
    with open(log, 'ab') as out:
        process = subprocess.Popen(argv, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if _done(database) >= after_done:
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                return True
            time.sleep(0.02)
        if process.poll() is None:
            process.kill()
            pytest.fail(f'{argv} did not finish in time')
    return False


def test_kill_and_resume_creates_nothing_twice(workload, tmp_path):
    project, users, group = workload
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {fixtures.clouds_yaml_path()}\n')
    database = tmp_path / 'state' / 'pumphouse.sqlite'
    log = tmp_path / 'cli.log'
    pumphouse = str(fixtures.BIN / 'pumphouse')
    env = None
    migrate = [pumphouse, '--config-file', str(conf), 'migrate',
               '--source', 'source', '--destination', 'destination',
               '--yes', '--workers', '1', 'project', project]

    killed = []
    argv = migrate
    for after_done in KILL_AFTER_DONE:
        if _run_and_kill(argv, env, database, log, after_done):
            killed.append(after_done)
        argv = [pumphouse, '--config-file', str(conf), 'resume',
                _migration_id(database), '--yes', '--workers', '1']
    assert killed, 'the migration finished before any kill landed'

    result = subprocess.run(argv, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, log.read_text() + result.stdout + \
        result.stderr

    destination = fixtures.sdk_connection('destination')
    for name in users:
        assert len(list(destination.identity.users(name=name))) == 1, name
    assert len(list(destination.identity.groups(name=group))) == 1
    assert len(list(destination.identity.projects(name=project))) == 1
    migration = _migration_id(database)
    with sqlite3.connect(database) as conn:
        state, report = conn.execute(
            'SELECT state, report FROM migrations WHERE uuid = ?',
            (migration,)).fetchone()
        attempts = conn.execute(
            'SELECT max(attempts) FROM plan_items').fetchone()[0]
    assert state == 'completed'
    assert '"differences": []' in report and '"not_migrated": []' in report
    assert attempts >= 1

    again = subprocess.run(
        [pumphouse, '--config-file', str(conf), 'plan', '--source',
         'source', '--destination', 'destination', '--format', 'json',
         'project', project], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert '"action": "create"' not in again.stdout
