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

"""tools/functional_lanes.py: two lanes at once, each line prefixed,
the first failure's status; and the lane each functional module is in."""

import importlib.util
import pathlib
import sys

import pytest

TOOL = pathlib.Path(__file__).parents[3] / 'tools' / 'functional_lanes.py'
FUNCTIONAL = pathlib.Path(__file__).parents[1] / 'functional'


def load():
    spec = importlib.util.spec_from_file_location('functional_lanes', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake(lanes, statuses: dict):
    """Each lane runs a small Python program instead of pytest: it prints
    its lane (from PUMPHOUSE_TEST_LANE) and its arguments, and exits with
    the status given for the lane."""
    def command(lane, report_dir, extra):
        code = ('import os, sys; lane = os.environ["PUMPHOUSE_TEST_LANE"]; '
                'print("lane", lane, sys.argv[1:]); print("second line"); '
                f'sys.exit({statuses!r}[lane])')
        return [sys.executable, '-c', code, *extra]
    lanes._command = command


@pytest.mark.parametrize('statuses, expected', [
    ({'serial': 0, 'beside': 0}, 0),
    ({'serial': 0, 'beside': 1}, 1),
    ({'serial': 2, 'beside': 1}, 2),
    # A lane whose tests the arguments left out selected none: not failed.
    ({'serial': 5, 'beside': 0}, 0),
    ({'serial': 0, 'beside': 5}, 0),
])
def test_status_is_the_first_failure(tmp_path, capsys, statuses, expected):
    lanes = load()
    fake(lanes, statuses)
    assert lanes.run_lanes(tmp_path, ['-k', 'x']) == expected
    out = capsys.readouterr().out.splitlines()
    for lane in ('serial', 'beside'):
        assert f"[{lane}] lane {lane} ['-k', 'x']" in out
        assert f'[{lane}] second line' in out
        assert f'lane {lane}: pytest exit status {statuses[lane]}' in out


def test_one_lane_when_asked(tmp_path, monkeypatch):
    lanes = load()
    seen = []
    monkeypatch.setenv('PUMPHOUSE_TEST_FUNCTIONAL_LANES', '1')
    monkeypatch.setattr(lanes.subprocess, 'call',
                        lambda argv: seen.append(argv) or 3)
    assert lanes.main(['--report-dir', str(tmp_path), '--', '-x']) == 3
    (argv,) = seen
    assert argv[-2:] == [lanes.TESTS, '-x']
    assert f'--junitxml={tmp_path / "functional-junit.xml"}' in argv


def test_every_beside_module_exists():
    """A renamed module must not fall out of its lane unnoticed."""
    from pumphouse.tests.functional import conftest
    modules = {p.stem for p in FUNCTIONAL.rglob('test_*.py')}
    assert conftest.BESIDE <= modules, conftest.BESIDE - modules
    assert conftest.lane_of('test_hosts') == 'serial'
    assert conftest.lane_of('test_api_fuzz') == 'beside'
