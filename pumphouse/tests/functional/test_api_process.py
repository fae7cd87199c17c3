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

"""The API only asks: after serving every route, the API process has
loaded no resource or hardware driver and no engine runner.

The API runs in a process of its own (api_probe.py) beside a real
pumphouse-conductor on RabbitMQ and a shared database; the conductor does
the work the requests ask for.
"""

import json
import subprocess
import sys

from pumphouse.tests.functional import fixtures

FORBIDDEN = ('pumphouse.drivers', 'pumphouse.engine.runner',
             'pumphouse.engine.registry', 'pumphouse.hosts.flow',
             'pumphouse.hosts.inventory', 'pumphouse.conductor.manager')


def test_api_process_loads_no_driver(tmp_path):
    with fixtures.rabbit_vhost() as transport_url:
        conf = tmp_path / 'pumphouse.conf'
        conf.write_text(f"""[DEFAULT]
state_path = {tmp_path}/state
transport_url = {transport_url}

[api]
auth_strategy = noauth

[conductor]
heartbeat_interval = 1

[clouds]
clouds_yaml = {fixtures.clouds_yaml_path()}

[database]
connection = sqlite:///{tmp_path}/pumphouse.sqlite
""")
        subprocess.run([str(fixtures.BIN / 'pumphouse-dbsync'),
                        '--config-file', str(conf), 'upgrade'],
                       check=True, capture_output=True, timeout=120)
        conductor = fixtures.Process(
            'pumphouse-conductor', [str(fixtures.BIN / 'pumphouse-conductor'),
                                    '--config-file', str(conf)],
            tmp_path / 'conductor.log')
        try:
            assert fixtures.wait_until(
                lambda: 'Conductor' in conductor.output()
                and 'started' in conductor.output(), 60), conductor.output()
            probe = subprocess.run(
                [sys.executable, str(fixtures.REPO / 'pumphouse' / 'tests' /
                                     'functional' / 'api_probe.py'),
                 '--config-file', str(conf)],
                capture_output=True, text=True, timeout=600)
        finally:
            conductor.stop()
    assert probe.returncode == 0, probe.stderr[-5000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    errors = [r for r in result['requests'] if r[2] >= 500]
    assert errors == [], (errors, probe.stderr[-5000:])
    # The requests really reached the conductor (a host was registered
    # and a migration created through it).
    statuses = {(m, p): s for m, p, s in result['requests']}
    assert statuses[('POST', '/v1/hosts')] == 201, result['requests']
    assert statuses[('POST', '/v1/migrations')] == 202, result['requests']
    loaded = [m for m in result['modules'] if m.startswith(FORBIDDEN)]
    assert loaded == [], loaded
    # It does serve: the API's own modules are there.
    assert 'pumphouse.api.controllers.v1.hosts' in result['modules']
