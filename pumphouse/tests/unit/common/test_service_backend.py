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

"""The service runs on oslo.service's threading backend whatever it
imports first, while ``import pumphouse`` loads none of oslo.service."""

import pathlib
import subprocess
import sys

import pytest

import pumphouse

REPO = pathlib.Path(pumphouse.__file__).parent.parent
#: Prints the backend chosen once ``{module}`` is imported.
PROBE = """
import importlib, sys
importlib.import_module({module!r})
import oslo_messaging
from oslo_service import backend
print(backend.get_backend_type().value)
"""


def run(code: str) -> str:
    done = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.mark.parametrize('module', ['pumphouse.cmd.conductor',
                                    'pumphouse.conductor.rpcapi',
                                    'pumphouse.common.rpc',
                                    'pumphouse.api.app'])
def test_threading_whatever_is_imported_first(module):
    assert run(PROBE.format(module=module)) == 'threading'


def test_the_package_itself_loads_no_oslo_service():
    assert run('import sys, pumphouse; '
               'print("oslo_service" in sys.modules)') == 'False'
