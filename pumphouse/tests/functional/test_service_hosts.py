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

"""A host reassigned through the deployed service, its conductor killed
while the host waits to join the destination: the other conductor takes
the host over and goes on at the recorded step.

Uses the source's spare host (see :mod:`test_hosts`), the BMC emulator
for power, the ``ironic`` provision driver with the destination's real
Ironic (a ``fake-hardware`` node named like the host goes from enroll to
active), and a stand-in destination nova-compute named like the host.
"""

import signal

import pytest
from ironicclient import exc as ironic_exc

from pumphouse.drivers.hardware.power import ironic as ironic_power
from pumphouse.hosts import nova
from pumphouse.tests.functional import deployment as deployment_mod
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import identity_workload
from pumphouse.tests.functional import test_hosts
from pumphouse.tests.functional import test_provision_ironic

SPARE = test_hosts.SPARE
V11 = {'OpenStack-API-Version': 'migration 1.1'}


def host(admin, ident: str) -> dict:
    response = admin.request('GET', f'/v1/hosts/{ident}', headers=V11)
    assert response.status_code == 200, response.text
    return response.json()


def operations(admin, ident: str) -> list[dict]:
    response = admin.request('GET', f'/v1/hosts/{ident}/operations',
                             headers=V11)
    assert response.status_code == 200, response.text
    return response.json()['operations']


@pytest.mark.parametrize('deployment', ['mysql'], indirect=True)
def test_killed_conductor_hands_the_host_over(deployment, admin, tmp_path):
    source = fixtures.sdk_connection('source')
    destination = fixtures.sdk_connection('destination')
    for name in ('source', 'destination'):
        response = admin.request('POST', '/v1/clouds',
                                 json={'name': name, 'cloud': name})
        assert response.status_code in (201, 409), response.text
    delete_node(destination)  # a failed run's
    info = test_hosts.bmc_info()
    response = admin.request('POST', '/v1/hosts', headers=V11, json={
        'name': SPARE, 'source': 'source', 'destination': 'destination',
        'power': {'driver': 'ipmi', 'info': info},
        'provision': {'driver': 'ironic',
                      'info': test_provision_ironic.FAKE},
        'macs': test_provision_ironic.random_macs(1)})
    assert response.status_code == 201, response.text
    uuid = response.json()['uuid']
    assert info['password'] not in response.text
    standin = None
    try:
        # The spare runs no server; its machine goes down for reinstall.
        test_hosts.stop_spare()
        assert fixtures.wait_until(
            lambda: test_hosts.spare_service(source)['state'] == 'down',
            timeout=180, interval=2)
        response = admin.request('PUT', f'/v1/hosts/{uuid}/state',
                                 headers=V11,
                                 json={'target': 'in_destination'})
        assert response.status_code == 202, response.text

        def joining():
            shown = host(admin, uuid)
            running = [o for o in operations(admin, uuid)
                       if o['step'] == 'join' and o['state'] == 'running']
            return shown if running and shown['conductor'] else None

        shown = fixtures.wait_until(joining, timeout=600, interval=1)
        assert shown, (host(admin, uuid), operations(admin, uuid))
        owner = shown['conductor']
        other = next(c for c in deployment_mod.CONDUCTORS if c != owner)
        deployment.processes[owner].stop(signal.SIGKILL)
        try:
            assert fixtures.wait_until(
                lambda: host(admin, uuid)['conductor'] == other,
                timeout=120, interval=1), host(admin, uuid)
            standin = test_hosts.StandIn(tmp_path)
            assert fixtures.wait_until(
                lambda: (nova.compute_service(destination, SPARE) or {}).get(
                    'state') == 'up', timeout=180, interval=2)
            done = fixtures.wait_until(
                lambda: (lambda h: h if h['target'] is None else None)(
                    host(admin, uuid)), timeout=600, interval=2)
            assert done and done['state'] == 'in_destination', (
                done, operations(admin, uuid)[-10:],
                deployment.logs()[-4000:])
        finally:
            deployment.start_conductor(owner)
            assert fixtures.wait_until(
                lambda: deployment.live_conductors() == [
                    *deployment_mod.CONDUCTORS], 60)
        steps = [(o['step'], o['conductor']) for o in
                 operations(admin, uuid) if o['state'] == 'running']
        assert steps == [('disable', owner), ('evacuate', owner),
                         ('remove', owner), ('power', owner),
                         ('provision', owner), ('join', owner),
                         ('join', other)], steps
        assert nova.compute_service(source, SPARE) is None
        node = ironic_power.ironic_client(destination).node.get(SPARE)
        assert node.provision_state == 'active'
        assert any('active' in o['message'] for o in operations(admin, uuid)
                   if o['step'] == 'provision')
    finally:
        delete_node(destination)
        if standin is not None:
            standin.stop(destination)
        if (nova.compute_service(source, SPARE) or {}).get('state') != 'up':
            test_hosts.restart_spare(source)
        identity_workload.wait_for_clouds()


def delete_node(destination) -> None:
    """The test's Ironic node, deleted without tearing it down."""
    api = ironic_power.ironic_client(destination)
    try:
        node = api.node.get(SPARE)
    except ironic_exc.NotFound:
        return
    api.node.set_maintenance(node.uuid, True, maint_reason='pumphouse test')
    api.node.delete(node.uuid)
