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

"""The ``fuel`` provision driver against a recorded Fuel 9 master.

Each test replays one scenario of ``nailgun/`` on 127.0.0.1: Keystone's
discovery and token, then Nailgun's API. Any request the recording does
not have next fails the test, and so does a recorded one never asked
for.
"""

import json

from oslo_config import fixture as config_fixture
from oslotest import base as test_base

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.conf import hardware as hardware_conf
from pumphouse.drivers.hardware.provision import base
from pumphouse.drivers.hardware.provision import fuel
from pumphouse.tests.unit.hardware.nailgun import replay

PASSWORD = 'r3corded-Fuel-pa55'
#: Node 3's layout, written as a template.
TEMPLATE = {
    'disks': [{'name': 'vda', 'volumes': [
        {'name': 'os', 'size': 20480, 'keep_data': False},
        {'name': 'vm', 'size': 81678, 'keep_data': False}]}],
    'interfaces': [
        {'name': 'eth0',
         'assigned_networks': ['fuelweb_admin', 'management', 'storage']},
        {'name': 'eth1', 'assigned_networks': ['public', 'private']}],
}


class FuelTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        hardware_conf.register_opts(CONF)
        self.cfg = self.useFixture(config_fixture.Config(CONF))
        self.cfg.config(provision_poll_interval=0, group='hardware')
        # The replay answers 500 to what it has not recorded: retried, at
        # once.
        self.cfg.config(api_retry_delay=0, group='clouds')
        self.events = []
        self.driver = fuel.FuelProvisionDriver()

    def info(self, server, **extra):
        return {'url': server.base,
                'auth': {'auth_url': f'{server.base}/keystone/v3',
                         'username': 'admin', 'password': PASSWORD,
                         'project_name': 'admin',
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'cluster': 'destination', **extra}

    def event(self, message, level='INFO'):
        self.events.append((level, message))

    def replay(self, scenario, **extra):
        """Provision node 5 (by its second NIC's MAC, in capitals) while
        ``scenario`` is replayed."""
        with replay.ReplayServer(scenario) as server:
            machine = base.Machine(
                name='compute-5', macs=['52:54:00:A4:05:02'],
                power_driver='fake', power_info={'id': 'compute-5'},
                provision_info=self.info(server, **extra),
                destination=self.fail, event=self.event)
            self.driver.validate(machine.provision_info)
            try:
                self.driver.provision(machine)
            finally:
                server.check()

    def messages(self):
        return '\n'.join(message for _, message in self.events)

    def test_fresh_node_is_assigned_laid_out_and_deployed(self):
        self.replay('fresh_node', roles=['compute'],
                    layout={'template': TEMPLATE})
        messages = self.messages()
        self.assertIn('waiting for a node with MAC 52:54:00:A4:05:02',
                      messages)
        self.assertIn('added to environment destination as compute',
                      messages)
        self.assertIn('laid out like the template', messages)
        self.assertIn('Fuel task deploy 12 is running (40%)', messages)
        self.assertIn('host name set to compute-5', messages)
        self.assertIn('Fuel node 5 (compute-5) is ready.', messages)
        self.assertNotIn(PASSWORD, messages)

    def test_resume_waits_on_the_running_deploy_task(self):
        self.replay('resume_deploying', layout={'template': TEMPLATE})
        self.assertIn('waiting for the running deploy task 12',
                      self.messages())

    def test_ready_node_is_done(self):
        self.replay('already_ready', cluster=1)
        self.assertIn('is ready in environment destination',
                      self.messages())

    def test_task_error_is_a_provision_error(self):
        with self.assertRaises(exception.ProvisionError) as caught:
            self.replay('task_error')
        message = str(caught.exception)
        self.assertIn('compute-5', message)
        self.assertIn('Fuel task deploy 12 failed: Deployment has failed.',
                      message)
        self.assertIn('Task[netconfig/5]', message)

    def test_layout_copied_from_a_compute_node(self):
        self.replay('copy_from', layout={'copy_from': 'node-3'})
        self.assertIn('laid out like node 3 (node-3)', self.messages())

    def test_refused_credentials_are_a_clear_error(self):
        with self.assertRaises(exception.ProvisionError) as caught:
            self.replay('auth_failure')
        message = str(caught.exception)
        self.assertIn('refused the credentials of user admin', message)
        self.assertIn('/keystone/v3', message)
        self.assertNotIn(PASSWORD, message)

    def test_host_without_macs(self):
        with replay.ReplayServer('already_ready') as server:
            machine = base.Machine(
                name='compute-5', macs=[], power_driver='fake',
                power_info={}, provision_info=self.info(server),
                destination=self.fail, event=self.event)
            with self.assertRaisesRegex(exception.ProvisionError,
                                        'found by MAC'):
                self.driver.provision(machine)
            self.assertEqual(0, server.done)

    def test_unrecorded_request_fails(self):
        """The replay itself: a request off the recording is refused."""
        with replay.ReplayServer('already_ready') as server:
            session = fuel._session(self.info(server))
            nailgun = fuel.Nailgun(session, server.base)
            self.assertRaises(fuel.FuelError, nailgun.get, 'releases')
            self.assertRaises(AssertionError, server.check)


class FuelLayoutTestCase(test_base.BaseTestCase):
    """Laying out disks and NICs, on the recorded objects."""

    @staticmethod
    def recorded(name):
        return json.loads(
            (replay.HERE / 'objects' / f'{name}.json').read_text())

    def test_template_gives_the_recorded_layout(self):
        self.assertEqual(
            self.recorded('disks_5_laid_out'),
            fuel._laid_out_disks(self.recorded('disks_5'),
                                 TEMPLATE['disks']))
        self.assertEqual(
            self.recorded('interfaces_5_laid_out'),
            fuel._laid_out_nics(self.recorded('interfaces_5'),
                                TEMPLATE['interfaces']))

    def test_network_moved_off_unlisted_nics(self):
        nics = fuel._laid_out_nics(
            self.recorded('interfaces_5'),
            [{'name': 'eth1', 'assigned_networks': ['public']}])
        self.assertEqual(['fuelweb_admin', 'management', 'storage',
                          'private'],
                         [n['name'] for n in nics[0]['assigned_networks']])
        self.assertEqual([{'id': 2, 'name': 'public'}],
                         nics[1]['assigned_networks'])

    def test_missing_disk_nic_or_network_is_named(self):
        with self.assertRaisesRegex(fuel.LayoutError, 'no disk sdb'):
            fuel._laid_out_disks(self.recorded('disks_5'),
                                 [{'name': 'sdb', 'volumes': []}])
        with self.assertRaisesRegex(fuel.LayoutError, 'no NIC eth7'):
            fuel._laid_out_nics(self.recorded('interfaces_5'),
                                [{'name': 'eth7', 'assigned_networks': []}])
        with self.assertRaisesRegex(fuel.LayoutError, 'no network ceph'):
            fuel._laid_out_nics(self.recorded('interfaces_5'),
                                [{'name': 'eth0',
                                  'assigned_networks': ['ceph']}])


class FuelInfoTestCase(test_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        # Nothing listens on the Fuel of these tests: no pause between
        # retries.
        self.useFixture(config_fixture.Config(CONF)).config(
            api_retry_delay=0, group='clouds')
        self.driver = fuel.FuelProvisionDriver()
        self.info = {'url': 'http://10.20.0.2:8000',
                     'auth': {'auth_url': 'http://10.20.0.2:5000/v3',
                              'username': 'admin', 'password': PASSWORD},
                     'cluster': 1}

    def test_good_info_passes(self):
        self.driver.validate(self.info)
        self.driver.validate(dict(self.info, layout={'template': TEMPLATE},
                                  roles=['compute', 'cinder']))
        self.driver.validate(dict(self.info, layout={'copy_from': 3}))

    def test_bad_info_is_named(self):
        for info, where in (
                ({k: v for k, v in self.info.items() if k != 'url'},
                 "'url' is a required property"),
                (dict(self.info, layout={'copy_from': 3,
                                         'template': TEMPLATE}),
                 'layout:'),
                (dict(self.info, roles=[]), 'roles:'),
                (dict(self.info, auth={'auth_url': 'x', 'username': 'u',
                                       'password': 'p'}),
                 'auth.auth_url:')):
            with self.assertRaises(exception.InvalidHardwareInfo) as caught:
                self.driver.validate(info)
            self.assertIn(where, str(caught.exception))

    def test_describe_hides_the_password(self):
        shown = self.driver.describe(self.info)
        self.assertEqual({'auth_url': 'http://10.20.0.2:5000/v3',
                          'username': 'admin'}, shown['auth'])
        self.assertNotIn(PASSWORD, json.dumps(shown))

    def test_credentials_in_urls_are_masked_when_shown_and_in_errors(self):
        info = dict(self.info, url=f'http://admin:{PASSWORD}@127.0.0.1:9',
                    auth=dict(self.info['auth'],
                              auth_url=f'http://u:{PASSWORD}@127.0.0.1:9'))
        shown = self.driver.describe(info)
        self.assertEqual('http://***@127.0.0.1:9', shown['url'])
        self.assertEqual('http://***@127.0.0.1:9', shown['auth']['auth_url'])
        machine = base.Machine(
            name='compute-5', macs=['52:54:00:a4:05:02'],
            power_driver='fake', power_info={}, provision_info=info,
            destination=self.fail, event=lambda *a, **k: None)
        with self.assertRaises(exception.ProvisionError) as caught:
            self.driver.provision(machine)
        self.assertIn('cannot reach Fuel at http://***@127.0.0.1:9',
                      str(caught.exception))
        self.assertNotIn(PASSWORD, str(caught.exception))
