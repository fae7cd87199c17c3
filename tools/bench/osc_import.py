#!/usr/bin/env python3
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

"""Benchmark: what the OpenStack client plugin costs every ``openstack``
command.

Needs no cloud. Run with the Python of a virtualenv where
python-openstackclient is installed (the ``openstack`` command beside it
is used)::

    .tox/py3/bin/python tools/bench/osc_import.py
    .tox/py3/bin/python tools/bench/osc_import.py --runs 11 --tree ../main

``--tree`` measures another checkout (default: this one), to compare two
versions; its code and the entry points of its setup.cfg are used (a
``pumphouse`` dist-info made for the run shadows the installed one).
Each figure takes ``--runs`` fresh interpreters:

* importing ``pumphouse.osc.plugin`` alone, and which of the service's
  heavy libraries that loaded;
* importing the plugin and every command module after what OSC itself
  loads anyway (osc-lib, keystoneauth): the plugin's own share;
* ``openstack --version`` (every command pays this: OSC imports each
  plugin's module at start) and ``openstack --help`` (which also loads
  every command module), each without the plugin and with it.

Each figure is given as the median and the best of the runs (the best
is the least disturbed by other work on the machine). The figures are
printed, not checked.
"""

import argparse
import configparser
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
HEAVY = ('eventlet', 'oslo_service', 'oslo_messaging', 'oslo_db',
         'sqlalchemy', 'pecan', 'taskflow')
#: What OSC loads whatever plugins are installed.
OSC_BASE = ('osc_lib.utils', 'osc_lib.command.command',
            'keystoneauth1.adapter', 'cliff.columns')
PLUGIN_GROUPS = ('openstack.cli.extension', 'openstack.migration.v1')

#: Imports ``{modules}`` after ``{before}``; prints the seconds and the
#: heavy packages loaded, as JSON.
TIMED_IMPORT = """
import importlib, json, sys, time
for name in {before!r}:
    importlib.import_module(name)
start = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
seconds = time.perf_counter() - start
print(json.dumps([seconds, sorted({{m.split('.')[0] for m in sys.modules}}
                                  & set({heavy!r}))]))
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=7,
                        help='fresh interpreters per figure (default 7)')
    parser.add_argument('--tree', type=pathlib.Path, default=REPO,
                        help='the checkout to measure (default: this one)')
    return parser.parse_args(argv)


def entry_points(tree: pathlib.Path) -> dict[str, list[str]]:
    setup_cfg = configparser.ConfigParser(interpolation=None)
    setup_cfg.read(tree / 'setup.cfg')
    return {group: [line.strip() for line in text.strip().splitlines()
                    if line.strip()]
            for group, text in setup_cfg['entry_points'].items()}


def dist_info(where: pathlib.Path, groups: dict[str, list[str]]) -> None:
    """A ``pumphouse`` dist-info with these entry points in ``where``."""
    info = where / 'pumphouse-0.0.0.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: pumphouse\nVersion: 0.0.0\n')
    lines = []
    for group, entries in groups.items():
        lines += [f'[{group}]', *entries, '']
    (info / 'entry_points.txt').write_text('\n'.join(lines))


def environment(paths: list[pathlib.Path], cache: pathlib.Path) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'PYTHON'))}
    env['PYTHONPATH'] = os.pathsep.join(str(p) for p in paths)
    env['XDG_CACHE_HOME'] = str(cache)
    return env


def run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    # Not in a checkout: "python -c" puts the working directory first on
    # the path, where another tree's pumphouse would be found.
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=300, cwd=env['XDG_CACHE_HOME'])
    if done.returncode:
        sys.exit(f'{" ".join(command)} failed:\n{done.stderr[-2000:]}')
    return done


class Figure:
    """Seconds measured ``runs`` times: their median and their minimum
    (the least disturbed by whatever else runs on the machine)."""

    def __init__(self, times: list[float]) -> None:
        self.median = statistics.median(times)
        self.best = min(times)

    def __str__(self) -> str:
        return f'{self.median:.3f} s (best {self.best:.3f} s)'

    def __sub__(self, other: 'Figure') -> str:
        return (f'{self.median - other.median:+.3f} s (best '
                f'{self.best - other.best:+.3f} s)')


def timed_import(env: dict, modules: list[str], before: tuple,
                 runs: int) -> tuple[Figure, list[str]]:
    """The seconds of importing ``modules`` and the heavy modules they
    loaded."""
    code = TIMED_IMPORT.format(modules=modules, before=before, heavy=HEAVY)
    results = [json.loads(run([sys.executable, '-c', code],
                              env).stdout.splitlines()[-1])
               for _ in range(runs)]
    return Figure([r[0] for r in results]), results[-1][1]


def wall_times(command: list[str], envs: list[dict],
               runs: int) -> list[Figure]:
    """The wall time of running ``command`` in each environment, the
    runs of the environments taking turns (so that a change of the
    machine's load touches them alike)."""
    times: list[list[float]] = [[] for _ in envs]
    for env in envs:
        run(command, env)  # warm the file cache and stevedore's cache
    for _ in range(runs):
        for env, measured in zip(envs, times, strict=True):
            start = time.perf_counter()
            run(command, env)
            measured.append(time.perf_counter() - start)
    return [Figure(measured) for measured in times]


def openstack_command() -> list[str]:
    script = shutil.which('openstack', path=os.path.dirname(sys.executable))
    if script:
        return [sys.executable, script]
    return [sys.executable, '-m', 'openstackclient.shell']


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tree = args.tree.resolve()
    groups = entry_points(tree)
    plugin = next(e.split('=', 1)[1].strip()
                  for e in groups['openstack.cli.extension']
                  if e.startswith('migration'))
    commands = sorted({e.split('=', 1)[1].split(':')[0].strip()
                       for e in groups['openstack.migration.v1']})
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        dist_info(tmp / 'with', groups)
        dist_info(tmp / 'without', {g: e for g, e in groups.items()
                                    if g not in PLUGIN_GROUPS})
        with_plugin = environment([tmp / 'with', tree], tmp / 'cache-with')
        without = environment([tmp / 'without', tree],
                              tmp / 'cache-without')

        print(f'tree {tree}, {sys.executable}, {args.runs} runs each')
        seconds, heavy = timed_import(with_plugin, [plugin], (), args.runs)
        print(f'import {plugin} (fresh interpreter): {seconds}; heavy '
              f'modules: {", ".join(heavy) or "none"}')
        seconds, heavy = timed_import(with_plugin, [plugin, *commands],
                                      OSC_BASE, args.runs)
        print(f'the plugin and its {len(commands)} command modules after '
              f'what OSC loads anyway: {seconds}; heavy modules: '
              f'{", ".join(heavy) or "none"}')
        openstack = openstack_command()
        for option in ('--version', '--help'):
            base, plus = wall_times([*openstack, option],
                                    [without, with_plugin], args.runs)
            print(f'openstack {option}: {base} without the plugin, {plus} '
                  f'with it: {plus - base}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
