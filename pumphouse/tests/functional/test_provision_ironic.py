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

"""The ``ironic`` provision driver against the destination's real Ironic.

A machine goes from nothing to an ``active`` node through the driver, as
the destination's admin (project-scoped, as the host flow connects); a
second call changes nothing; a call that dies with the node left
``manageable`` is finished by the next one. The last case powers the node
through ``ipmitool`` against the harness's BMC emulator, with fake boot
and deploy interfaces (which only the ``fake-hardware`` type combines
with ``ipmitool``). Every node a test creates is deleted.
"""

import json
import random
import shutil
import uuid

import pytest
from ironicclient import exc as ironic_exc

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.conf import hardware as hardware_conf
from pumphouse.drivers.hardware.power import ironic as ironic_power
from pumphouse.drivers.hardware.provision import base
from pumphouse.drivers.hardware.provision import ironic
from pumphouse.tests.functional import fixtures

BMCS = fixtures.REPO / '.minicloud' / 'destination' / 'ironic' / 'bmcs.json'
FAKE = {'driver': 'fake-hardware',
        'image_source': 'http://127.0.0.2:26007/compute.img',
        'root_gb': 10, 'resource_class': 'pumphouse-test'}


class Crash(Exception):
    """Stands for a conductor dying half-way."""


@pytest.fixture(autouse=True)
def quick_polls():
    hardware_conf.register_opts(CONF)
    CONF.set_override('provision_poll_interval', 0.5, group='hardware')
    CONF.set_override('provision_timeout', 300, group='hardware')
    yield
    CONF.clear_override('provision_poll_interval', group='hardware')
    CONF.clear_override('provision_timeout', group='hardware')


@pytest.fixture
def destination():
    return fixtures.sdk_connection('destination')


@pytest.fixture
def ironic_api(destination):
    return ironic_power.ironic_client(destination)


@pytest.fixture
def names(ironic_api):
    """Host names to provision; their nodes are deleted afterwards."""
    made = []

    def new_name():
        made.append(f'ph-ft-{uuid.uuid4().hex[:10]}')
        return made[-1]

    yield new_name
    for name in made:
        try:
            node = ironic_api.node.get(name)
        except ironic_exc.NotFound:
            continue
        # Maintenance lets a node in any stable state (active too) be
        # deleted, with its ports, without tearing its deployment down.
        ironic_api.node.set_maintenance(node.uuid, True,
                                        maint_reason='pumphouse test')
        ironic_api.node.delete(node.uuid)


def random_macs(count=2):
    return ['52:54:00:' + ':'.join(f'{random.randrange(256):02x}'
                                   for _ in range(3))
            for _ in range(count)]


def machine(destination, name, macs, events, power_driver='fake',
            power_info=None, crash_on=None, **info):
    """The Machine the host flow would pass; its events go to ``events``,
    and the one containing ``crash_on`` kills the call."""
    def event(message, level='INFO'):
        events.append(message)
        if crash_on and crash_on in message:
            raise Crash(message)

    return base.Machine(name=name, macs=macs, power_driver=power_driver,
                        power_info=power_info or {'id': name},
                        provision_info=info,
                        destination=lambda: destination, event=event)


def ports_of(ironic_api, node):
    return sorted(p.address for p in ironic_api.node.list_ports(node.uuid))


def test_fake_hardware_node_enroll_to_active(destination, ironic_api, names):
    name, macs, events = names(), random_macs(), []
    driver = ironic.IronicProvisionDriver()
    info = dict(FAKE, configdrive={'meta_data': {'hostname': name}})
    driver.validate(info)
    driver.provision(machine(destination, name, macs, events, **info))

    node = ironic_api.node.get(name)
    assert node.provision_state == 'active'
    assert node.driver == 'fake-hardware'
    assert node.instance_info['image_source'] == FAKE['image_source']
    assert ports_of(ironic_api, node) == sorted(macs)
    assert any('manage (from enroll)' in e for e in events)
    assert events[-1] == f'Ironic node {name} ({node.uuid}) is active.'

    again = []
    driver.provision(machine(destination, name, macs, again, **info))
    after = ironic_api.node.get(name)
    assert again == [f'Ironic node {name} ({node.uuid}) exists and is '
                     f'active.',
                     f'Ironic node {name} ({node.uuid}) is active.']
    assert [n.uuid for n in ironic_api.node.list(detail=False)
            if n.name == name] == [node.uuid]
    assert ports_of(ironic_api, node) == sorted(macs)
    assert after.provision_updated_at == node.provision_updated_at


def test_resume_after_a_crash_at_manageable(destination, ironic_api, names):
    name, macs = names(), random_macs()
    driver = ironic.IronicProvisionDriver()
    first = []
    with pytest.raises(Crash):
        driver.provision(machine(destination, name, macs, first,
                                 crash_on='provide (from manageable)',
                                 **FAKE))
    node = ironic_api.node.get(name)
    assert node.provision_state == 'manageable'

    second = []
    driver.provision(machine(destination, name, macs, second, **FAKE))
    resumed = ironic_api.node.get(name)
    assert resumed.uuid == node.uuid
    assert resumed.provision_state == 'active'
    assert second[0] == (f'Ironic node {name} ({node.uuid}) exists and is '
                         f'manageable.')
    assert not any('manage (from enroll)' in e for e in second)
    assert ports_of(ironic_api, resumed) == sorted(macs)


needs_ipmitool = pytest.mark.skipif(
    shutil.which('ipmitool') is None,
    reason='ipmitool is not installed: Ironic cannot reach the BMC emulator '
           '(minicloud up installs it when run as root)')
#: Ironic powers the node through ipmitool; boot and deploy are fake.
IPMITOOL = dict(FAKE, interfaces={'power_interface': 'ipmitool',
                                  'management_interface': 'ipmitool',
                                  'boot_interface': 'fake',
                                  'deploy_interface': 'fake'},
                driver_info={'ipmi_cipher_suite': 3})


@pytest.fixture
def bmc():
    """The machine's IPMI power info: destination-bmc-1 of the harness."""
    found = next(b for b in json.loads(BMCS.read_text())
                 if b['name'] == 'destination-bmc-1')
    return {'address': found['address'], 'port': int(found['port']),
            'username': found['username'], 'password': found['password']}


@needs_ipmitool
def test_ipmitool_power_through_the_bmc_emulator(destination, ironic_api,
                                                 names, bmc):
    name, macs, events = names(), random_macs(), []
    ironic.IronicProvisionDriver().provision(machine(
        destination, name, macs, events, power_driver='ipmi',
        power_info=bmc, **IPMITOOL))

    node = ironic_api.node.get(name)
    assert node.provision_state == 'active'
    assert node.power_interface == 'ipmitool'
    assert node.driver_info['ipmi_address'] == bmc['address']
    assert node.driver_info['ipmi_password'] != bmc['password']  # masked
    assert node.power_state in ('power on', 'power off')
    assert bmc['password'] not in '\n'.join(events)

    # The ironic power driver drives the same node through Ironic.
    power = ironic_power.IronicPowerDriver(destination=lambda: destination)
    power.set_power_state({'node': name}, 'off')
    assert power.get_power_state({'node': name}) == 'off'


@needs_ipmitool
def test_refused_bmc_credentials_fail_verification(destination, ironic_api,
                                                   names, bmc):
    """Ironic's verification fails (after its IPMI retries: [ipmi]
    command_retry_timeout, 10 s in the harness) and the node is back in
    enroll: a ProvisionError with
    Ironic's last error, not the password."""
    name, events = names(), []
    wrong = dict(bmc, password=bmc['password'] + '-wrong')
    with pytest.raises(exception.ProvisionError) as caught:
        ironic.IronicProvisionDriver().provision(machine(
            destination, name, random_macs(), events, power_driver='ipmi',
            power_info=wrong, **IPMITOOL))
    message = str(caught.value)
    assert "is 'enroll' again after 'manage'" in message
    assert 'Failed to get power state' in message
    assert wrong['password'] not in message + '\n'.join(events)
    assert ironic_api.node.get(name).provision_state == 'enroll'
