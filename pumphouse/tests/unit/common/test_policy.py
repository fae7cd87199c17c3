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

"""The oslopolicy-* tools read Pumphouse's configuration file."""

import os
import subprocess
import sys

import fixtures
import testtools

from pumphouse.common import policy

BIN = os.path.dirname(sys.executable)


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(BIN, tool), *args],
                          capture_output=True, text=True, timeout=120)


class TestConfigArgs(testtools.TestCase):

    def test_only_the_configuration_options_are_kept(self):
        self.assertEqual(
            ['--config-file', 'a.conf', '--config-file', 'b.conf',
             '--config-dir', 'conf.d'],
            policy._config_args(['--namespace', 'pumphouse',
                                 '--config-file', 'a.conf',
                                 '--output-file', '/tmp/out',
                                 '--config-file=b.conf',
                                 '--exclude-deprecated',
                                 '--config-dir', 'conf.d']))

    def test_nothing_given(self):
        self.assertEqual([], policy._config_args(['--namespace', 'x']))


class TestPolicyTools(testtools.TestCase):
    """The tools load the enforcer through the ``oslo.policy.enforcer``
    entry point, in a process of their own."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(self.tmp, 'custom-policy.yaml')
        self.conf = os.path.join(self.tmp, 'pumphouse.conf')
        with open(self.conf, 'w') as f:
            f.write(f'[DEFAULT]\nstate_path = {self.tmp}/state\n'
                    f'[oslo_policy]\npolicy_file = {self.policy_file}\n')

    def write_policy(self, text: str) -> None:
        with open(self.policy_file, 'w') as f:
            f.write(text)

    def test_generator_shows_the_configured_file(self):
        self.write_policy('"pumphouse:cloud:get": "role:auditor"\n')
        result = run('oslopolicy-policy-generator', '--namespace',
                     'pumphouse', '--config-file', self.conf)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('"pumphouse:cloud:get": "role:auditor"',
                      result.stdout)
        self.assertIn('"pumphouse:cloud:create": "rule:admin"',
                      result.stdout)

    def test_validator_checks_the_configured_file(self):
        self.write_policy('"pumphouse:cloud:get": "role:auditor"\n')
        result = run('oslopolicy-validator', '--namespace', 'pumphouse',
                     '--config-file', self.conf)
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)

        self.write_policy('"pumphouse:cloud:gets": "role:auditor"\n')
        result = run('oslopolicy-validator', '--namespace', 'pumphouse',
                     '--config-file', self.conf)
        self.assertEqual(1, result.returncode, result.stdout + result.stderr)
        self.assertIn('Unknown rule found in policy file: '
                      'pumphouse:cloud:gets', result.stdout)
