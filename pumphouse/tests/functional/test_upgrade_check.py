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

"""``pumphouse-status upgrade check`` on the harness's deployment:
pumphouse-api and two conductors on RabbitMQ and MariaDB or PostgreSQL
(the unit tests break each condition one by one on SQLite; here the
checks read the deployed service's own configuration and database)."""

import json
import subprocess

from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures

#: oslo.upgradecheck's codes.
SUCCESS, WARNING, FAILURE = 0, 1, 2
CHECKS = ('Database revision', 'Credential key', 'Policy file',
          'Live conductors', 'Conductor RPC version')


def upgrade_check(deployment) -> tuple[int, dict[str, dict]]:
    done = subprocess.run(
        [str(fixtures.BIN / 'pumphouse-status'), '--config-file',
         str(deployment.conf), 'upgrade', 'check', '--json'],
        capture_output=True, text=True, timeout=120)
    assert 'Traceback' not in done.stderr, done.stderr
    checks = {c['check']: c for c in json.loads(done.stdout)['checks']}
    return done.returncode, checks


def _failed_for_conductors(deployment):
    code, checks = upgrade_check(deployment)
    if checks['Live conductors']['result'] == FAILURE:
        return code, checks
    return None


def test_the_deployment_passes_then_fails_without_conductors(deployment):
    code, checks = upgrade_check(deployment)
    assert code == 0, checks
    assert set(CHECKS) <= set(checks), checks
    assert {checks[name]['result'] for name in CHECKS} == {SUCCESS}, \
        checks
    assert checks['Live conductors']['details'].startswith(
        f'{len(deployment_mod.CONDUCTORS)} live: '), checks
    # Every conductor gone: the upgrade would have none to take the work.
    for host in deployment_mod.CONDUCTORS:
        deployment.processes[host].stop()
    try:
        # Stopped conductors leave (or stop beating) within
        # [conductor] heartbeat_timeout (5 s here).
        result = fixtures.wait_until(
            lambda: _failed_for_conductors(deployment), 60, interval=1)
        assert result, upgrade_check(deployment)
        code, checks = result
        assert code == FAILURE, checks
        assert 'No conductor is alive' in \
            checks['Live conductors']['details'], checks
        assert checks['Database revision']['result'] == SUCCESS, checks
    finally:
        for host in deployment_mod.CONDUCTORS:
            deployment.start_conductor(host)
        fixtures.wait_until(lambda: set(deployment.live_conductors()) ==
                            set(deployment_mod.CONDUCTORS), 60)
