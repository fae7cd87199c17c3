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

"""One owner for every migration: the command line beside running
conductors, on one state directory or one database.

``pumphouse migrate`` works on its migration as an owner of kind
``command``: no conductor may take it over while the command lives (not
even while it plans, before anything is applied), and a conductor does
take it over once the command is killed and its heartbeat has expired,
finishing it without creating anything twice.
"""

import datetime
import os
import re
import signal
import subprocess
import time

import pytest
import requests
import sqlalchemy as sa

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional.identity_workload import IdentityWorkload
from pumphouse.tests.functional.identity_workload import wait_for_clouds
from pumphouse.tests.functional.test_service_migrations import (
    assert_clean_report,
)
from pumphouse.tests.functional.test_service_migrations import complete
from pumphouse.tests.functional.test_service_migrations import show

#: Heartbeat timeout of the deployment (deployment.py writes it).
HEARTBEAT_TIMEOUT = 5


@pytest.fixture(autouse=True)
def _clouds_reachable():
    wait_for_clouds()


def migration_id(output: str) -> str:
    found = re.search(r'Migration ([0-9a-f-]{36})', output)
    assert found, output
    return found.group(1)


def assert_only_the_command_worked(events: list[dict]) -> None:
    """No take-over, and every event written by the command line."""
    assert [e for e in events if e['event_type'] == 'takeover'] == []
    writers = {e['conductor'] for e in events if e['conductor']}
    assert writers and all(w.startswith('cli-') for w in writers), writers


def test_command_line_beside_pumphouse_serve(tmp_path, workload):
    """The README's set-up: ``pumphouse serve`` in one terminal,
    ``pumphouse migrate`` in another, on the same state directory."""
    # The serve's conductor looks for work to take every second.
    with fixtures.embedded_serve(tmp_path,
                                 conductor__takeover_interval='1') as (
            serve, url, env):
        result = subprocess.run(
            [str(fixtures.BIN / 'pumphouse'), 'migrate', '--source',
             'source', '--destination', 'destination', 'project',
             workload.project, '--yes'],
            capture_output=True, text=True, timeout=600,
            stdin=subprocess.DEVNULL, env={**os.environ, **env})
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        uuid = migration_id(output)
        assert f'Migration {uuid}: completed' in output, output

        shown = requests.get(f'{url}/v1/migrations/{uuid}', timeout=30)
        assert shown.status_code == 200, shown.text
        assert (shown.json()['state'], shown.json()['conductor']) == (
            'completed', None)
        events = requests.get(f'{url}/v1/migrations/{uuid}/events',
                              params={'limit': 1000}, timeout=30).json()
        assert_only_the_command_worked(events['events'])
        assert 'takes the migration over' not in serve.output()
        assert workload.count_users(workload.destination) == dict.fromkeys(
            workload.users, 1)


def command(deployment, *args: str) -> list[str]:
    return [str(fixtures.BIN / 'pumphouse'), *args, '--config-file',
            str(deployment.conf)]


def owner_heartbeat(deployment, name: str):
    engine = sa.create_engine(deployment.db_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                'SELECT kind, heartbeat_at FROM owners WHERE name = :n'),
                {'n': name}).one()
    finally:
        engine.dispose()


def find_migration(admin, name: str) -> dict | None:
    listed = admin.request('GET', '/v1/migrations',
                           params={'limit': 1000}).json()['migrations']
    return next((m for m in listed if m['name'] == name), None)


@pytest.mark.parametrize('deployment', ['mysql'], indirect=True)
@pytest.mark.parametrize('workload', [3], indirect=True)
def test_command_line_beside_conductors(deployment, admin, clouds,
                                        workload):
    """Two conductors on RabbitMQ and MariaDB, and the command line on the
    same database: the conductors leave the command's migration alone."""
    result = subprocess.run(
        command(deployment, 'migrate', '--source', 'source',
                '--destination', 'destination', 'project',
                workload.project, '--yes'),
        capture_output=True, text=True, timeout=600,
        stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    uuid = migration_id(output)
    shown = show(admin, {'uuid': uuid})
    assert (shown['state'], shown['conductor']) == ('completed', None)
    events = show(admin, shown, '/events?limit=1000')['events']
    assert_only_the_command_worked(events)
    assert deployment.live_conductors() == [*deployment_mod.CONDUCTORS]


@pytest.mark.parametrize('deployment', ['mysql'], indirect=True)
def test_killed_command_line_is_taken_over_after_its_heartbeat(
        deployment, admin, clouds):
    killed = IdentityWorkload(users=30)
    try:
        killed.create()
        name = f'kill-{killed.suffix}'
        process = fixtures.Process(
            'pumphouse migrate', command(
                deployment, 'migrate', '--source', 'source',
                '--destination', 'destination', '--workers', '1',
                '--name', name, 'project', killed.project, '--yes'),
            deployment.workdir / f'{name}.log')

        def under_way():
            found = find_migration(admin, name)
            if found is None:
                return None
            found = show(admin, found)
            done = found['items']['by_state'].get('done', 0)
            return found if found['state'] == 'running' and done >= 5 \
                else None

        running = fixtures.wait_until(under_way, 300, interval=0.1)
        assert running, process.output()[-3000:]
        cli_owner = running['conductor']
        assert cli_owner.startswith('cli-'), running
        process.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        kind, last_beat = owner_heartbeat(deployment, cli_owner)
        assert kind == 'command'

        # While its heartbeat is fresh, nobody takes it.
        while time.monotonic() - killed_at < HEARTBEAT_TIMEOUT - 2:
            held = show(admin, running)
            assert held['conductor'] == cli_owner, held
            time.sleep(0.2)

        completed = complete(deployment, admin, running)
        assert_clean_report(admin, running)
        events = show(admin, running, '/events?limit=1000')['events']
        takeovers = [e for e in events if e['event_type'] == 'takeover']
        assert [(e['conductor'] in deployment_mod.CONDUCTORS,
                 f'command {cli_owner} stopped heart-beating' in e['message'])
                for e in takeovers] == [(True, True)], takeovers
        # Taken only once the last heartbeat was older than the timeout
        # (the event's time is stored to the second).
        taken_at = datetime.datetime.fromisoformat(
            takeovers[0]['created_at']).replace(tzinfo=None)
        assert taken_at - last_beat > datetime.timedelta(
            seconds=HEARTBEAT_TIMEOUT - 1), (taken_at, last_beat)
        assert set(completed['items']['by_state']) <= {'done', 'skipped'}
        assert killed.count_users(killed.destination) == dict.fromkeys(
            killed.users, 1)
    finally:
        killed.cleanup()
