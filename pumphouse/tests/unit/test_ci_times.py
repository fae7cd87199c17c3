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

"""tools/ci_times.py: the longest tests and each module's time."""

import importlib.util
import pathlib

TOOL = pathlib.Path(__file__).parents[3] / 'tools' / 'ci_times.py'

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
<testcase classname="pumphouse.tests.functional.test_hosts"
          name="test_reassign" time="78.5"/>
<testcase classname="pumphouse.tests.functional.test_service.TestClouds"
          name="test_list[mysql]" time="2.25"/>
<testcase classname="pumphouse.tests.functional.test_hosts"
          name="test_enable" time="10.0"/>
</testsuite></testsuites>
"""


def load():
    spec = importlib.util.spec_from_file_location('ci_times', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cases_are_named_by_their_module(tmp_path):
    path = tmp_path / 'junit.xml'
    path.write_text(REPORT)
    assert load().read(path) == [
        ('test_hosts', 'test_reassign', 78.5),
        ('test_service', 'test_list[mysql]', 2.25),
        ('test_hosts', 'test_enable', 10.0)]


def test_prints_the_longest_first_and_each_module(tmp_path, capsys):
    path = tmp_path / 'junit.xml'
    path.write_text(REPORT)
    assert load().main(['--top', '2', str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f'{path}: 3 tests, 91 s'
    assert lines[1].split() == ['78.5', 's', 'test_hosts::test_reassign']
    assert lines[2].split() == ['10.0', 's', 'test_hosts::test_enable']
    assert lines[3] == '  per module:'
    assert lines[4].split() == ['88.5', 's', 'test_hosts', '(2', 'tests)']
    assert lines[5].split() == ['2.2', 's', 'test_service', '(1', 'tests)']
