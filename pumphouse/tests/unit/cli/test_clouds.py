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

"""Cloud names on the command line: every command that takes one
registers a clouds.yaml entry on first use, on a new state directory."""

import os
from unittest import mock

import yaml

from pumphouse.cli import errors
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import flow
from pumphouse.hosts import inventory
from pumphouse.hosts import plan_source
from pumphouse.hosts import states
from pumphouse.tests.unit.cli import test_commands

#: Never contacted: the commands below stop before any cloud is.
AUTH_URL = 'http://127.0.0.1:9/v3'


class CloudsYamlTestCase(test_commands.CommandTestCase):
    """A state directory with no cloud registered and a clouds.yaml with
    ``old`` and ``new``."""

    def setUp(self):
        super().setUp()
        path = os.path.join(self.state_path, 'clouds.yaml')
        entry = {'auth': {'auth_url': AUTH_URL, 'username': 'admin',
                          'password': 'pw', 'project_name': 'admin',
                          'user_domain_name': 'Default',
                          'project_domain_name': 'Default'}}
        with open(path, 'w') as f:
            yaml.safe_dump({'clouds': {'old': entry, 'new': entry}}, f)
        self.config(clouds_yaml=[path], group='clouds')
        self.assertEqual([], db_api.list_clouds())

    def registered(self) -> list[str]:
        return sorted(c.name for c in db_api.list_clouds())


class TestHostCommands(CloudsYamlTestCase):

    def test_evacuate_as_the_first_command_registers_the_cloud(self):
        seen = []

        def run(uuid, conductor=None, emit=None, should_stop=None,
                run_migration=None):
            host = host_api.get_host(uuid)
            seen.append((host.name, host.target))
            return host_api.update_host(uuid, {'target': None,
                                               'state': states.EVACUATED})

        plan = {'host': 'compute-7', 'target': 'evacuated',
                'feasible': True, 'servers': [], 'hosts': []}
        with mock.patch.object(flow, 'run', run), \
                mock.patch.object(plan_source, 'make', return_value=plan):
            self.assertEqual(errors.OK, self.run_command(
                'host', 'evacuate', 'compute-7', '--source', 'old',
                '--yes'), self.stderr)
        self.assertNotIn('could not be found', self.stderr)
        self.assertEqual(['old'], self.registered())
        self.assertEqual([('compute-7', states.EVACUATED)], seen)
        host = host_api.get_host('compute-7')
        self.assertEqual(db_api.get_cloud('old').id, host.source_cloud_id)

    def test_reassign_of_an_unknown_host_names_the_host(self):
        # Reassigning needs the host's hardware (host register): refused,
        # but for the host, once the source is known.
        with mock.patch.object(flow, 'run') as run:
            self.assert_fails(errors.USAGE, 'Host compute-7 could not be '
                              'found', 'host', 'reassign', 'compute-7',
                              '--source', 'old', '--destination', 'new')
        run.assert_not_called()
        self.assertEqual(['old'], self.registered())

    def test_show_and_forget_name_the_missing_host_not_the_cloud(self):
        for command in ('show', 'forget', 'enable'):
            self.assert_fails(errors.USAGE, 'Host compute-7 could not be '
                              'found', 'host', command, 'compute-7',
                              '--source', 'old')
        self.assertEqual(['old'], self.registered())

    def test_list_of_a_source_registers_it(self):
        with mock.patch.object(inventory, 'discover', return_value=[]) as \
                discover:
            self.assertEqual(errors.OK, self.run_command(
                'host', 'list', '--source', 'old'), self.stderr)
        discover.assert_called_once_with('old')
        self.assertEqual(['old'], self.registered())

    def test_a_name_in_neither_place_is_a_usage_error(self):
        self.assert_fails(errors.USAGE, "clouds.yaml has no usable entry "
                          "'nowhere'", 'host', 'evacuate', 'compute-7',
                          '--source', 'nowhere')
        self.assertEqual([], self.registered())
        self.assertEqual([], host_api.list_hosts())


class TestMappings(CloudsYamlTestCase):

    def test_mappings_of_a_clouds_yaml_entry(self):
        self.assertEqual(errors.OK, self.run_command(
            'mappings', '--source', 'old', '--destination', 'new'),
            self.stderr)
        self.assertIn('No mappings match.', self.stdout)
        self.assertEqual(['new', 'old'], self.registered())

    def test_registered_once(self):
        for _ in range(2):
            self.assertEqual(errors.OK, self.run_command(
                'mappings', '--source', 'old'), self.stderr)
        self.assertEqual(['old'], self.registered())
