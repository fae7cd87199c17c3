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

"""Provision drivers: loading, the base class, ``fake`` and ``manual``."""

import unittest

from pumphouse.common import exception
from pumphouse.drivers.hardware.provision import base
from pumphouse.drivers.hardware.provision import fake
from pumphouse.drivers.hardware.provision import fuel
from pumphouse.drivers.hardware.provision import ironic
from pumphouse.drivers.hardware.provision import loader
from pumphouse.drivers.hardware.provision import manual


def machine(name, events, **provision_info):
    return base.Machine(
        name=name, macs=['52:54:00:12:34:01', '52:54:00:12:34:02'],
        power_driver='fake', power_info={'id': name},
        provision_info=provision_info, destination=lambda: None,
        event=lambda message, level='INFO': events.append(message))


class TestLoader(unittest.TestCase):

    def test_known_and_unknown(self):
        for name, cls in (('fake', fake.FakeProvisionDriver),
                          ('manual', manual.ManualProvisionDriver),
                          ('ironic', ironic.IronicProvisionDriver),
                          ('fuel', fuel.FuelProvisionDriver)):
            driver = loader.get_driver(name)
            self.assertIsInstance(driver, cls)
            self.assertEqual(name, driver.name)
        with self.assertRaises(exception.Invalid) as caught:
            loader.get_driver('telepathy')
        self.assertIn("unknown provision driver 'telepathy'",
                      str(caught.exception))
        self.assertEqual(400, caught.exception.code)


class TestBase(unittest.TestCase):

    class Driver(base.ProvisionDriver):
        name = 'test'
        secret_keys = ('token',)
        info_schema = {'type': 'object',
                       'properties': {'size': {'type': 'integer'}}}

        def provision(self, machine):
            raise self.error(machine, 'it is Tuesday')

    def test_describe_leaves_secrets_out(self):
        shown = self.Driver().describe({'token': 't', 'size': 3,
                                        'nested': {'password': 'p'}})
        self.assertEqual({'size': 3, 'nested': {'password': '***'}}, shown)

    def test_validate_and_error(self):
        with self.assertRaisesRegex(exception.InvalidHardwareInfo,
                                    'Invalid test driver info: size:'):
            self.Driver().validate({'size': 'big'})
        with self.assertRaises(exception.ProvisionError) as caught:
            self.Driver().provision(machine('compute-9', []))
        self.assertEqual('Could not provision host compute-9 with the test '
                         'provision driver: it is Tuesday.',
                         str(caught.exception))


class TestFake(unittest.TestCase):

    def setUp(self):
        fake.FakeProvisionDriver.forget('fake-1')
        self.addCleanup(fake.FakeProvisionDriver.forget, 'fake-1')

    def test_idempotent(self):
        events = []
        driver = fake.FakeProvisionDriver()
        self.assertFalse(driver.provisioned('fake-1'))
        driver.provision(machine('fake-1', events))
        driver.provision(machine('fake-1', events))
        self.assertTrue(driver.provisioned('fake-1'))
        self.assertEqual(['Provisioned fake-1 (fake).',
                          'fake-1 is already provisioned.'], events)

    def test_fail(self):
        driver = fake.FakeProvisionDriver()
        driver.validate({'fail': 'no PXE'})
        with self.assertRaisesRegex(exception.ProvisionError, 'no PXE'):
            driver.provision(machine('fake-1', [], fail='no PXE'))
        self.assertFalse(driver.provisioned('fake-1'))


class TestManual(unittest.TestCase):

    def test_tells_the_operator_what_to_do(self):
        events = []
        driver = manual.ManualProvisionDriver()
        info = {'instructions': 'Use the compute profile of the installer.'}
        driver.validate(info)
        driver.provision(machine('compute-3', events, **info))
        self.assertEqual(1, len(events))
        self.assertIn('on host compute-3', events[0])
        self.assertIn('52:54:00:12:34:01, 52:54:00:12:34:02', events[0])
        self.assertIn('Instructions: Use the compute profile', events[0])

    def test_unknown_info_is_refused(self):
        with self.assertRaises(exception.InvalidHardwareInfo):
            manual.ManualProvisionDriver().validate({'color': 'red'})
