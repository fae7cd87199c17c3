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

"""The ``ironic`` power driver, with python-ironicclient as the boundary,
and the loader handing it the destination cloud."""

import types
from unittest import mock

from ironicclient import exc as ironic_exc
from oslo_config import fixture as config_fixture
from oslotest import base as test_base

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.conf import hardware as hardware_conf
from pumphouse.drivers.hardware.power import ipmi
from pumphouse.drivers.hardware.power import ironic
from pumphouse.drivers.hardware.power import loader

INFO = {'node': 'compute-1'}


def node(power, target=None, reservation=None, last_error=None):
    return types.SimpleNamespace(power_state=power,
                                 target_power_state=target,
                                 reservation=reservation,
                                 last_error=last_error)


class IronicPowerTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        hardware_conf.register_opts(CONF)
        self.cfg = self.useFixture(config_fixture.Config(CONF))
        self.cfg.config(provision_poll_interval=0, power_timeout=30,
                        group='hardware')
        self.ironic = mock.Mock()
        patcher = mock.patch.object(ironic, 'ironic_client', autospec=True,
                                    return_value=self.ironic)
        self.client_factory = patcher.start()
        self.addCleanup(patcher.stop)
        self.connection = object()
        self.driver = ironic.IronicPowerDriver(
            destination=lambda: self.connection)

    def test_power_state(self):
        self.ironic.node.get.return_value = node('power on')
        self.assertEqual('on', self.driver.get_power_state(INFO))
        self.client_factory.assert_called_once_with(self.connection)
        self.ironic.node.get.return_value = node('power off')
        self.assertEqual('off', self.driver.get_power_state(INFO))

    def test_unknown_power_state_is_an_error(self):
        self.ironic.node.get.return_value = node(None)
        with self.assertRaisesRegex(exception.PowerError,
                                    'Ironic reports None'):
            self.driver.get_power_state(INFO)

    def test_set_power_waits_for_the_conductor(self):
        self.ironic.node.get.side_effect = [
            node('power on', reservation='destination-ironic'),
            node('power on', target='power off',
                 reservation='destination-ironic'),
            node('power off')]
        self.driver.set_power_state(INFO, 'off')
        self.ironic.node.set_power_state.assert_called_once_with(
            'compute-1', 'off', timeout=30)
        self.assertEqual(3, self.ironic.node.get.call_count)

    def test_failed_power_action_names_the_last_error(self):
        self.ironic.node.get.side_effect = [
            node('power off', last_error='IPMI call failed: power on.')]
        with self.assertRaises(exception.PowerError) as caught:
            self.driver.set_power_state(INFO, 'on')
        message = str(caught.exception)
        self.assertIn('Could not power on of Ironic node compute-1', message)
        self.assertIn('IPMI call failed', message)

    def test_boot_device(self):
        self.driver.set_boot_device(INFO, 'pxe', persistent=True)
        self.ironic.node.set_boot_device.assert_called_once_with(
            'compute-1', 'pxe', persistent=True)
        self.assertRaises(exception.Invalid, self.driver.set_boot_device,
                          INFO, 'floppy')
        self.assertRaises(exception.Invalid, self.driver.set_power_state,
                          INFO, 'sideways')

    def test_missing_node_is_a_clear_error(self):
        self.ironic.node.get.side_effect = ironic_exc.NotFound()
        with self.assertRaises(exception.PowerError) as caught:
            self.driver.get_power_state(INFO)
        self.assertEqual(
            'Could not read the power state of Ironic node compute-1: the '
            'destination cloud\'s Ironic has no such node.',
            str(caught.exception))

    def test_without_destination(self):
        driver = ironic.IronicPowerDriver()
        driver.validate(INFO)
        with self.assertRaisesRegex(exception.PowerError,
                                    'loaded without the destination'):
            driver.get_power_state(INFO)

    def test_host_without_destination_cloud(self):
        driver = ironic.IronicPowerDriver(destination=lambda: None)
        with self.assertRaisesRegex(exception.PowerError,
                                    'the host has no destination cloud'):
            driver.set_boot_device(INFO, 'pxe')

    def test_info_needs_a_node(self):
        self.assertRaises(exception.InvalidHardwareInfo,
                          self.driver.validate, {})
        self.assertRaises(exception.InvalidHardwareInfo,
                          self.driver.validate, {'node': 'x', 'port': 1})


class IronicClientTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        hardware_conf.register_opts(CONF)
        self.cfg = self.useFixture(config_fixture.Config(CONF))

    def connection(self, endpoint=None):
        config = mock.Mock()
        config.get_endpoint.return_value = endpoint
        config.get_interface.return_value = 'internal'
        config.get_region_name.return_value = 'RegionTwo'
        return types.SimpleNamespace(config=config, session=mock.sentinel.s)

    @mock.patch.object(ironic.ironic_client_mod, 'get_client', autospec=True)
    def test_client_on_the_connection_session(self, get_client):
        self.cfg.config(ironic_api_version='1.80', group='hardware')
        ironic.ironic_client(self.connection())
        get_client.assert_called_once_with(
            '1', session=mock.sentinel.s, os_ironic_api_version='1.80',
            interface='internal', region_name='RegionTwo')
        ironic.ironic_client(self.connection('http://bm.example:6385'))
        self.assertEqual('http://bm.example:6385',
                         get_client.call_args.kwargs['endpoint'])

    @mock.patch.object(ironic.ironic_client_mod, 'get_client', autospec=True)
    def test_cloud_without_ironic(self, get_client):
        get_client.side_effect = ironic_exc.AmbiguousAuthSystem(
            'no baremetal endpoint in the catalog')
        with self.assertRaisesRegex(ironic_exc.EndpointNotFound,
                                    'has no Bare Metal'):
            ironic.ironic_client(self.connection())


class LoaderTestCase(test_base.BaseTestCase):

    def test_destination_reaches_only_drivers_that_take_it(self):
        def destination():
            return None

        driver = loader.get_driver('ironic', destination=destination)
        self.assertIsInstance(driver, ironic.IronicPowerDriver)
        self.assertIs(destination, driver._destination)
        self.assertIsInstance(loader.get_driver('ipmi',
                                                destination=destination),
                              ipmi.IPMIPowerDriver)
        self.assertIsNone(loader.get_driver('ironic')._destination)
        with self.assertRaises(exception.Invalid):
            loader.get_driver('telepathy', destination=destination)
