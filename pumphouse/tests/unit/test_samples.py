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

"""The committed configuration and policy samples are up to date."""

import os
import pathlib
import re
import subprocess
import sys

from pumphouse import policies
from pumphouse.conf import opts
from pumphouse.tests import base

BIN = os.path.dirname(sys.executable)
ETC = pathlib.Path(__file__).resolve().parents[3] / 'etc' / 'pumphouse'


class TestSamples(base.TestCase):

    def test_every_option_is_in_the_config_sample(self):
        sample = (ETC / 'pumphouse.conf.sample').read_text()
        sections = dict(re.findall(r'^\[(\w+)\]$(.*?)(?=^\[\w+\]$|\Z)',
                                   sample, re.MULTILINE | re.DOTALL))
        missing = [f'[{group}] {option.dest}'
                   for group, options in opts.list_opts()
                   for option in options
                   if not re.search(rf'^#{option.dest} =',
                                    sections.get(group, ''), re.MULTILINE)]
        self.assertEqual([], missing, 'run tox -e genconfig')

    def test_every_policy_is_in_the_policy_sample(self):
        sample = (ETC / 'policy.yaml.sample').read_text()
        missing = [rule.name for rule in policies.list_rules()
                   if f'#"{rule.name}": "{rule.check_str}"' not in sample]
        self.assertEqual([], missing, 'run tox -e genpolicy')

    def test_database_default_is_in_the_sample(self):
        sample = (ETC / 'pumphouse.conf.sample').read_text()
        self.assertTrue('\n#connection = sqlite:///$state_path/pumphouse.sqlite'
                        '\n' in sample)

    def test_generators_run(self):
        out = os.path.join(self.state_path, 'sample.conf')
        subprocess.run([os.path.join(BIN, 'oslo-config-generator'),
                        '--namespace', 'pumphouse', '--output-file', out],
                       check=True, capture_output=True, timeout=60)
        self.assertTrue('[conductor]' in pathlib.Path(out).read_text())
        out = os.path.join(self.state_path, 'policy.yaml')
        subprocess.run([os.path.join(BIN, 'oslopolicy-sample-generator'),
                        '--namespace', 'pumphouse', '--output-file', out],
                       check=True, capture_output=True, timeout=60)
        self.assertTrue('"pumphouse:cloud:create"'
                        in pathlib.Path(out).read_text())
