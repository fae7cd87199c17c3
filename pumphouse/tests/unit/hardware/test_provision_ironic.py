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

"""The ``ironic`` provision driver's walk through Ironic's states.

python-ironicclient is the boundary: its client is a mock whose
``node.get`` answers the node as Ironic would after each request.
"""

import json
import types
from unittest import mock

from ironicclient import exc as ironic_exc
from oslo_config import fixture as config_fixture
from oslotest import base as test_base

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.conf import hardware as hardware_conf
from pumphouse.drivers.hardware.power import ironic as ironic_power
from pumphouse.drivers.hardware.provision import base
from pumphouse.drivers.hardware.provision import ironic

UUID = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123'
MACS = ['52:54:00:12:34:01', '52:54:00:12:34:02']
BMC_PASSWORD = 'bmc-s3cret'
INFO = {'image_source': 'http://images.example/compute.qcow2',
        'root_gb': 20, 'resource_class': 'baremetal',
        'interfaces': {'boot_interface': 'fake',
                       'deploy_interface': 'fake'},
        'configdrive': {'meta_data': {'hostname': 'compute-1'}}}


def node(state, target=None, **fields):
    """A node as ironicclient returns it."""
    values = {'uuid': UUID, 'name': 'compute-1', 'provision_state': state,
              'target_provision_state': target, 'last_error': None,
              'maintenance': False, 'maintenance_reason': None,
              'inspection_finished_at': None}
    values.update(fields)
    return types.SimpleNamespace(**values)


class IronicProvisionTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        hardware_conf.register_opts(CONF)
        self.cfg = self.useFixture(config_fixture.Config(CONF))
        self.cfg.config(provision_poll_interval=0, group='hardware')
        self.ironic = mock.Mock()
        self.ironic.node.list_ports.return_value = []
        patcher = mock.patch.object(ironic_power, 'ironic_client',
                                    autospec=True,
                                    return_value=self.ironic)
        self.client_factory = patcher.start()
        self.addCleanup(patcher.stop)
        self.connection = object()
        self.events = []
        self.driver = ironic.IronicProvisionDriver()

    def machine(self, power_driver='ipmi', **info):
        return base.Machine(
            name='compute-1', macs=list(MACS), power_driver=power_driver,
            power_info={'address': '10.0.0.9', 'port': 6230,
                        'username': 'admin', 'password': BMC_PASSWORD},
            provision_info={**INFO, **info},
            destination=lambda: self.connection,
            event=lambda message, level='INFO': self.events.append(message))

    def provision(self, machine=None):
        machine = machine or self.machine()
        self.driver.validate(machine.provision_info)
        self.driver.provision(machine)
        self.client_factory.assert_called_with(self.connection)
        self.assertNotIn(BMC_PASSWORD, '\n'.join(self.events))

    def actions(self):
        return [c.args[1] for c in
                self.ironic.node.set_provision_state.call_args_list]

    def test_new_machine_goes_from_enroll_to_active(self):
        self.ironic.node.get.side_effect = [
            ironic_exc.NotFound(),
            node('enroll'),
            node('verifying', 'manageable'),
            node('manageable'),
            node('cleaning', 'available'),
            node('available'),
            node('deploying', 'active'),
            node('wait call-back', 'active'),
            node('active'),
        ]
        self.ironic.node.create.return_value = node('enroll')
        self.provision()
        self.ironic.node.create.assert_called_once_with(
            name='compute-1', driver='ipmi',
            driver_info={'ipmi_address': '10.0.0.9', 'ipmi_port': 6230,
                         'ipmi_username': 'admin',
                         'ipmi_password': BMC_PASSWORD},
            resource_class='baremetal', boot_interface='fake',
            deploy_interface='fake')
        self.assertEqual(
            [mock.call(address=mac, node_uuid=UUID) for mac in MACS],
            self.ironic.port.create.call_args_list)
        self.assertEqual(['manage', 'provide', 'active'], self.actions())
        self.ironic.node.set_provision_state.assert_called_with(
            UUID, 'active', configdrive=INFO['configdrive'])
        self.ironic.node.update.assert_called_once_with(UUID, [
            {'op': 'add', 'path': '/instance_info/image_source',
             'value': INFO['image_source']},
            {'op': 'add', 'path': '/instance_info/root_gb', 'value': 20}])
        self.assertIn(f'Ironic node compute-1 ({UUID}) is active.',
                      self.events)
        self.assertIn(f'Ironic node compute-1 ({UUID}) is cleaning (target '
                      f'available).', self.events)

    def test_active_node_is_done(self):
        self.ironic.node.get.return_value = node('active')
        self.provision()
        self.ironic.node.create.assert_not_called()
        self.ironic.port.create.assert_not_called()
        self.ironic.node.set_provision_state.assert_not_called()

    def test_resume_from_manageable_adds_only_missing_ports(self):
        self.ironic.node.get.side_effect = [
            node('manageable'), node('available'), node('active')]
        self.ironic.node.list_ports.return_value = [
            types.SimpleNamespace(address=MACS[0].upper())]
        self.provision()
        self.ironic.node.create.assert_not_called()
        self.ironic.port.create.assert_called_once_with(address=MACS[1],
                                                        node_uuid=UUID)
        self.assertEqual(['provide', 'active'], self.actions())

    def test_resume_waits_for_a_running_deployment(self):
        self.ironic.node.get.side_effect = [
            node('wait call-back', 'active'), node('deploying', 'active'),
            node('active')]
        self.provision()
        self.ironic.node.set_provision_state.assert_not_called()
        self.ironic.node.list_ports.assert_not_called()

    def test_inspection_when_asked(self):
        self.ironic.node.get.side_effect = [
            node('manageable'), node('inspecting', 'manageable'),
            node('manageable', inspection_finished_at='2025-01-01T00:00'),
            node('available'), node('active')]
        self.provision(self.machine(inspect=True))
        self.assertEqual(['inspect', 'provide', 'active'], self.actions())

    def test_inspected_node_is_not_inspected_again(self):
        self.ironic.node.get.side_effect = [
            node('manageable', inspection_finished_at='2025-01-01T00:00'),
            node('available'), node('active')]
        self.provision(self.machine(inspect=True))
        self.assertEqual(['provide', 'active'], self.actions())

    def test_failed_verification_is_an_error(self):
        self.ironic.node.get.side_effect = [
            node('enroll'), node('verifying', 'manageable'),
            node('enroll', last_error='ipmitool: Unable to establish IPMI '
                                      'v2 / RMCP+ session')]
        with self.assertRaises(exception.ProvisionError) as caught:
            self.provision()
        message = str(caught.exception)
        self.assertIn("is 'enroll' again after 'manage'", message)
        self.assertIn('Unable to establish IPMI', message)
        self.assertEqual(['manage'], self.actions())

    def test_failure_states_are_errors(self):
        for state in ('deploy failed', 'clean failed', 'inspect failed',
                      'error'):
            self.ironic.node.get.side_effect = [
                node(state, last_error=f'boom in {state}')]
            with self.assertRaises(exception.ProvisionError) as caught:
                self.provision()
            self.assertIn(f"is in '{state}'; last error: boom in {state}",
                          str(caught.exception))
        self.ironic.node.set_provision_state.assert_not_called()

    def test_timeout_names_the_state(self):
        self.cfg.config(provision_timeout=60, group='hardware')
        self.ironic.node.get.return_value = node('deploying', 'active')
        with mock.patch.object(ironic, 'time', autospec=True) as clock:
            clock.monotonic.side_effect = [0, 30, 61]
            with self.assertRaises(exception.ProvisionError) as caught:
                self.provision()
        self.assertIn("is still 'deploying' (target 'active') after 60 s",
                      str(caught.exception))

    def test_maintenance_is_an_error(self):
        self.ironic.node.get.return_value = node(
            'manageable', maintenance=True, maintenance_reason='disk swap')
        with self.assertRaisesRegex(exception.ProvisionError,
                                    r'in maintenance \(disk swap\)'):
            self.provision()

    def test_mac_of_another_node_is_an_error(self):
        self.ironic.node.get.return_value = node('enroll')
        self.ironic.port.create.side_effect = ironic_exc.Conflict()
        self.ironic.port.get_by_address.return_value = (
            types.SimpleNamespace(node_uuid='another-node'))
        with self.assertRaisesRegex(
                exception.ProvisionError,
                f'MAC {MACS[0]} is already a port of another Ironic node'):
            self.provision()

    def test_port_created_meanwhile_is_kept(self):
        self.ironic.node.get.side_effect = [node('available'),
                                            node('active')]
        self.ironic.port.create.side_effect = [ironic_exc.Conflict(), None]
        self.ironic.port.get_by_address.return_value = (
            types.SimpleNamespace(node_uuid=UUID))
        self.provision()
        self.assertEqual(['active'], self.actions())

    def test_node_by_uuid_and_fake_hardware(self):
        self.ironic.node.get.side_effect = [
            ironic_exc.NotFound(), node('active')]
        self.ironic.node.create.return_value = node('enroll')
        self.provision(self.machine(
            power_driver='fake', node=UUID, driver='fake-hardware',
            driver_info={'deploy_forces_oob_reboot': True},
            configdrive='H4sICDw0AAAA'))
        fields = self.ironic.node.create.call_args.kwargs
        self.assertEqual((UUID, 'compute-1', 'fake-hardware'),
                         (fields['uuid'], fields['name'], fields['driver']))
        self.assertEqual({'deploy_forces_oob_reboot': True},
                         fields['driver_info'])

    def test_ipmitool_power_interface_gets_the_bmc(self):
        machine = self.machine(driver='fake-hardware',
                               interfaces={'power_interface': 'ipmitool'},
                               driver_info={'ipmi_cipher_suite': 3})
        self.assertEqual({'ipmi_address': '10.0.0.9', 'ipmi_port': 6230,
                          'ipmi_username': 'admin',
                          'ipmi_password': BMC_PASSWORD,
                          'ipmi_cipher_suite': 3},
                         ironic._driver_info(machine.provision_info, machine))
        machine.power_driver = 'fake'
        self.assertEqual({'ipmi_cipher_suite': 3},
                         ironic._driver_info(machine.provision_info, machine))

    def test_configdrive_string_is_sent_as_it_is(self):
        self.assertEqual(b'H4sICDw0AAAA',
                         ironic._configdrive({'configdrive': 'H4sICDw0AAAA'},
                                             'compute-1'))
        self.assertEqual({'meta_data': {'hostname': 'compute-1'}},
                         ironic._configdrive({}, 'compute-1'))
        self.assertEqual(
            {'meta_data': {'hostname': 'other', 'x': 1}, 'user_data': 'u'},
            ironic._configdrive({'configdrive': {
                'meta_data': {'hostname': 'other', 'x': 1},
                'user_data': 'u'}}, 'compute-1'))

    def test_node_created_meanwhile_is_used(self):
        self.ironic.node.get.side_effect = [
            ironic_exc.NotFound(), node('active')]
        self.ironic.node.create.side_effect = ironic_exc.Conflict()
        self.provision()
        self.ironic.node.set_provision_state.assert_not_called()

    def test_ironic_errors_are_provision_errors(self):
        self.ironic.node.get.side_effect = [node('available')]
        self.ironic.node.update.side_effect = ironic_exc.BadRequest(
            'Invalid image_source')
        with self.assertRaisesRegex(
                exception.ProvisionError,
                r'Ironic answered: Invalid image_source \(HTTP 400\)'):
            self.provision()


class IronicInfoTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.driver = ironic.IronicProvisionDriver()

    def test_image_source_is_required(self):
        with self.assertRaisesRegex(exception.InvalidHardwareInfo,
                                    "'image_source' is a required"):
            self.driver.validate({'driver': 'ipmi'})

    def test_unknown_interface_is_named(self):
        with self.assertRaisesRegex(exception.InvalidHardwareInfo,
                                    'interfaces:'):
            self.driver.validate(dict(INFO, interfaces={'warp_interface':
                                                        'fake'}))

    def test_describe_masks_secrets(self):
        info = dict(INFO, driver_info={'ipmi_address': '10.0.0.9',
                                       'ipmi_password': BMC_PASSWORD})
        shown = self.driver.describe(info)
        self.assertNotIn('configdrive', shown)
        self.assertEqual({'ipmi_address': '10.0.0.9',
                          'ipmi_password': '***'}, shown['driver_info'])
        self.assertNotIn(BMC_PASSWORD, json.dumps(shown))
