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

"""The ``pumphouse`` console script, as an operator runs it (no clouds)."""

import os
import subprocess
import sys

import fixtures
import testtools

PUMPHOUSE = os.path.join(os.path.dirname(sys.executable), 'pumphouse')


class TestConsoleScript(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        clouds_yaml = os.path.join(self.tmp, 'clouds.yaml')
        with open(clouds_yaml, 'w') as f:
            f.write('clouds: {}\n')
        self.conf = os.path.join(self.tmp, 'pumphouse.conf')
        with open(self.conf, 'w') as f:
            f.write(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                    f'[clouds]\nclouds_yaml = {clouds_yaml}\n')

    def run_pumphouse(self, *args: str, conf: str | None = None):
        return subprocess.run(
            [PUMPHOUSE, *args, '--config-file', conf or self.conf],
            capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL,
            env={**os.environ, 'XDG_STATE_HOME': self.tmp})

    def assert_clean_failure(self, result, status: int, message: str):
        self.assertEqual(status, result.returncode, result.stderr)
        self.assertIn(message, result.stderr)
        self.assertNotIn('Traceback', result.stderr)

    def test_list_on_a_new_state_directory(self):
        result = self.run_pumphouse('list')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('No migrations yet.\n', result.stdout)
        key = os.path.join(self.tmp, 'state', 'credentials.key')
        self.assertEqual(f'Created the credential key file {key}\n',
                         result.stderr)
        self.assertTrue(os.path.exists(
            os.path.join(self.tmp, 'state', 'pumphouse.sqlite')))
        self.assertEqual('', self.run_pumphouse('list').stderr)

    def test_unknown_migration(self):
        result = self.run_pumphouse('show', 'nope')
        self.assert_clean_failure(result, 2, 'Migration nope could not be '
                                             'found.')

    def test_traceback_with_debug(self):
        result = self.run_pumphouse('show', 'nope', '--debug')
        self.assertEqual(2, result.returncode)
        self.assertIn('Traceback', result.stderr)
        self.assertIn('MigrationNotFound', result.stderr)

    def test_unknown_cloud(self):
        result = self.run_pumphouse('plan', '--source', 'old',
                                    '--destination', 'new', 'project', 'web')
        self.assert_clean_failure(result, 2, "clouds.yaml has no usable "
                                             "entry 'old'")

    def test_migrate_refuses_without_a_terminal(self):
        result = self.run_pumphouse('migrate', '--source', 'old',
                                    '--destination', 'new', 'project', 'web')
        self.assert_clean_failure(result, 2, 'Refusing to migrate without '
                                             'confirmation')
        self.assertEqual('', result.stdout)

    def test_bad_argument(self):
        result = self.run_pumphouse('plan', '--source', 'old',
                                    '--destination', 'new', 'project', 'web',
                                    '--strategy', 'nothing')
        self.assert_clean_failure(result, 2, 'expected TYPE=STRATEGY')

    def test_missing_config_file(self):
        result = self.run_pumphouse(
            'list', conf=os.path.join(self.tmp, 'nope.conf'))
        self.assert_clean_failure(result, 1, 'Configuration error')
        self.assertIn('nope.conf', result.stderr)
