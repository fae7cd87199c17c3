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

"""Installing Pumphouse must not slow every ``openstack`` command.

OSC imports every plugin's module on each run, and every command module
for ``openstack --help``: none of them may load the service's libraries
(eventlet alone costs about half a second). Each check runs in a fresh
interpreter of this virtualenv; the entry points are those of this
tree's setup.cfg (a ``pumphouse`` dist-info made for the test shadows the
installed one, which may be older).
"""

import configparser
import importlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from cliff import command

import pumphouse

REPO = pathlib.Path(pumphouse.__file__).parent.parent
#: What the OpenStack client must never load because of Pumphouse.
HEAVY = ('eventlet', 'oslo_service', 'oslo_messaging', 'oslo_db',
         'sqlalchemy', 'pecan', 'taskflow')
PLUGIN_GROUP = 'openstack.cli.extension'
COMMAND_GROUP = 'openstack.migration.v1'


def entry_points() -> dict[str, list[tuple[str, str]]]:
    """The entry points of setup.cfg: group -> [(name, target)]."""
    setup_cfg = configparser.ConfigParser(interpolation=None)
    setup_cfg.read(REPO / 'setup.cfg')
    groups = {}
    for group, text in setup_cfg['entry_points'].items():
        groups[group] = [tuple(part.strip() for part in line.split('=', 1))
                         for line in text.strip().splitlines()
                         if line.strip()]
    return groups


def plugin_modules() -> list[str]:
    """The plugin module and every command module, by entry point."""
    groups = entry_points()
    [(name, plugin)] = [e for e in groups[PLUGIN_GROUP]
                        if e[0] == 'migration']
    commands = {target.split(':')[0] for _name, target in
                groups[COMMAND_GROUP]}
    return [plugin, *sorted(commands)]


def heavy(modules) -> list[str]:
    return sorted(m for m in modules if m.split('.')[0] in HEAVY)


@pytest.fixture
def environment(tmp_path) -> dict:
    """A subprocess environment with this tree and its entry points
    first on the path, its own stevedore cache and no OS_* variables."""
    dist_info = tmp_path / 'pumphouse-0.0.0.dist-info'
    dist_info.mkdir()
    (dist_info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: pumphouse\nVersion: 0.0.0\n')
    lines = []
    for group, entries in entry_points().items():
        lines.append(f'[{group}]')
        lines += [f'{name} = {target}' for name, target in entries]
    (dist_info / 'entry_points.txt').write_text('\n'.join(lines) + '\n')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'PYTHON'))}
    env['PYTHONPATH'] = os.pathsep.join([str(tmp_path), str(REPO)])
    env['XDG_CACHE_HOME'] = str(tmp_path / 'cache')
    return env


def run_python(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


#: Prints the modules loaded, as JSON, on its last line.
LOADED = 'print(json.dumps(sorted(sys.modules)))'
#: ``openstack --help`` as the console script runs it.
OPENSTACK_HELP = f"""
import json, sys
from openstackclient import shell
try:
    shell.main(['--help'])
except SystemExit:
    pass
{LOADED}
"""


def test_plugin_and_commands_load_no_service_library(environment):
    modules = plugin_modules()
    assert 'pumphouse.osc.plugin' in modules
    assert 'pumphouse.osc.v1.host_facts' in modules
    done = run_python(environment, '-c', '; '.join([
        'import importlib, json, sys',
        f'[importlib.import_module(m) for m in {modules!r}]', LOADED]))
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert set(modules) <= set(loaded)
    assert heavy(loaded) == []


def test_openstack_help_loads_no_service_library(environment):
    pytest.importorskip('openstackclient.shell')
    done = run_python(environment, '-c', OPENSTACK_HELP)
    assert 'migration host register' in done.stdout
    loaded = json.loads(done.stdout.splitlines()[-1])
    # The help lists the plugin's commands: it loaded every module.
    assert set(plugin_modules()) <= set(loaded)
    assert heavy(loaded) == []


def test_the_openstack_command_imports_no_service_library(environment):
    """The ``openstack`` console script itself, under ``-X importtime``
    (which lists every module an import statement loads)."""
    script = shutil.which('openstack',
                          path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip('no openstack command beside this interpreter')
    done = run_python(environment, '-X', 'importtime', script, '--help')
    assert 'migration host register' in done.stdout
    imported = re.findall(r'^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$',
                          done.stderr, re.MULTILINE)
    assert 'pumphouse.osc.client' in imported  # the plugin was loaded
    assert heavy(imported) == []


def test_every_command_entry_point_names_a_command():
    """setup.cfg's command entry points name classes that exist (the host
    commands live in four modules)."""
    for name, target in entry_points()[COMMAND_GROUP]:
        module, _sep, attribute = target.partition(':')
        factory = getattr(importlib.import_module(module), attribute)
        assert issubclass(factory, command.Command), name
