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

"""Power drivers: info validation, the PXE boot sequence, loading."""

import unittest

from pumphouse.common import exception
from pumphouse.drivers.hardware.power import fake
from pumphouse.drivers.hardware.power import ipmi
from pumphouse.drivers.hardware.power import loader


class TestValidation(unittest.TestCase):

    def test_missing_address_is_named(self):
        with self.assertRaises(exception.InvalidHardwareInfo) as caught:
            ipmi.IPMIPowerDriver().validate({'username': 'u',
                                             'password': 'p'})
        self.assertIn("'address' is a required property",
                      str(caught.exception))
        self.assertEqual(400, caught.exception.code)

    def test_bad_port_is_named(self):
        with self.assertRaises(exception.InvalidHardwareInfo) as caught:
            ipmi.IPMIPowerDriver().validate({
                'address': 'b', 'username': 'u', 'password': 'p',
                'port': 70000})
        self.assertIn('port:', str(caught.exception))

    def test_good_info_passes(self):
        ipmi.IPMIPowerDriver().validate({'address': '127.0.0.2',
                                         'port': 623, 'username': 'admin',
                                         'password': 'x'})


class TestBootFromNetwork(unittest.TestCase):

    def test_running_machine_is_cycled_into_pxe(self):
        driver = fake.FakePowerDriver()
        info = {'id': 'test-running'}
        driver.set_power_state(info, 'on')
        calls = []
        original = driver.set_power_state

        def record(info, state):
            calls.append(state)
            original(info, state)

        driver.set_power_state = record
        driver.boot_from_network(info)
        self.assertEqual(['off', 'on'], calls)
        self.assertEqual('pxe', driver.boot_device(info))
        self.assertEqual('on', driver.get_power_state(info))


class TestLoader(unittest.TestCase):

    def test_known_and_unknown(self):
        self.assertIsInstance(loader.get_driver('ipmi'),
                              ipmi.IPMIPowerDriver)
        with self.assertRaises(exception.Invalid) as caught:
            loader.get_driver('telepathy')
        self.assertIn("unknown power driver 'telepathy'",
                      str(caught.exception))

    def test_transient_errors(self):
        from pyghmi import exceptions as ipmi_exc  # noqa: PLC0415
        self.assertTrue(ipmi._transient(ipmi_exc.IpmiException('timeout')))
        self.assertFalse(ipmi._transient(ipmi_exc.IpmiException(
            'Incorrect password provided')))



class TestSecretsInErrors(unittest.TestCase):
    """jsonschema quotes offending values: never a password's."""

    def test_invalid_password_is_not_quoted(self):
        secret = 'x' * 300 + '-secret'
        info = {'address': '127.0.0.1', 'username': 'admin',
                'password': secret}
        for bad in (secret, 123456):
            with self.assertRaises(exception.InvalidHardwareInfo) as caught:
                ipmi.IPMIPowerDriver().validate(dict(info, password=bad))
            self.assertNotIn(str(bad), str(caught.exception))
            self.assertIn('password', str(caught.exception))
