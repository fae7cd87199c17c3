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

"""The ``ipmi`` power driver against the harness's BMC emulator.

destination-bmc-1 is a pyghmi BMC on 127.0.0.2 whose machine is a state
file; the driver powers it on, off and to PXE, and a wrong password is a
clear error that names the BMC and leaves the machine as it was.
"""

import json

import pytest

from pumphouse.common import exception
from pumphouse.drivers.hardware.power import ipmi
from pumphouse.tests.functional import fixtures

BMCS = fixtures.REPO / '.minicloud' / 'destination' / 'ironic' / 'bmcs.json'


@pytest.fixture
def info():
    bmc = next(b for b in json.loads(BMCS.read_text())
               if b['name'] == 'destination-bmc-1')
    return {'address': bmc['address'], 'port': int(bmc['port']),
            'username': bmc['username'], 'password': bmc['password']}


def test_power_and_boot_device(info):
    driver = ipmi.IPMIPowerDriver()
    driver.validate(info)
    driver.set_power_state(info, 'off')
    assert driver.get_power_state(info) == 'off'
    driver.boot_from_network(info)
    assert driver.get_power_state(info) == 'on'
    boot = driver._call(info, 'read the boot device',
                        lambda s: s.get_bootdev()['bootdev'])
    assert boot == 'network'
    driver.set_boot_device(info, 'disk')
    driver.set_power_state(info, 'off')
    assert driver.get_power_state(info) == 'off'


def test_wrong_password_is_a_clear_error(info):
    driver = ipmi.IPMIPowerDriver()
    before = driver.get_power_state(info)
    wrong = dict(info, password=info['password'] + '-wrong')
    with pytest.raises(exception.PowerError) as caught:
        driver.set_power_state(wrong, 'on' if before == 'off' else 'off')
    message = str(caught.value)
    assert f'{info["address"]}:{info["port"]}' in message
    assert 'refused the credentials' in message
    assert wrong['password'] not in message
    assert driver.get_power_state(info) == before
