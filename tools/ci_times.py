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

"""Where a test run's time went, from pytest's JUnit XML.

::

    tools/ci_times.py .tox/functional-serial-junit.xml   # top 30 tests
    tools/ci_times.py --top 60 .tox/py3-junit.xml

tox writes ``.tox/py3-junit.xml`` for the unit tests and
``.tox/functional-<lane>-junit.xml`` for each lane of the functional
tests (see tox.ini); ``.ci/run`` keeps them. Prints the tests
that took longest (setup, call and teardown together, as pytest
counts by default), then the time of each module, largest first.
"""

import argparse
import collections
import pathlib
import sys
from xml.etree import ElementTree  # noqa: S405 - our own test report


def read(path: pathlib.Path) -> list[tuple[str, str, float]]:
    """(module, test, seconds) of every test case in a JUnit report."""
    root = ElementTree.parse(path).getroot()  # noqa: S314
    cases = []
    for case in root.iter('testcase'):
        module = case.get('classname', '').split('.')
        # classname is a.b.test_mod or a.b.test_mod.TestClass
        while module and not module[-1].startswith('test_'):
            module.pop()
        cases.append(('.'.join(module[-1:]) or case.get('classname', ''),
                      case.get('name', ''), float(case.get('time', 0))))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('report', type=pathlib.Path, nargs='+')
    parser.add_argument('--top', type=int, default=30,
                        help='how many of the longest tests (default 30)')
    args = parser.parse_args(argv)
    for path in args.report:
        cases = read(path)
        total = sum(t for _m, _n, t in cases)
        print(f'{path}: {len(cases)} tests, {total:.0f} s')
        for module, name, seconds in sorted(
                cases, key=lambda c: -c[2])[:args.top]:
            print(f'  {seconds:7.1f} s  {module}::{name}')
        per_module: dict[str, float] = collections.defaultdict(float)
        counts: collections.Counter = collections.Counter()
        for module, _name, seconds in cases:
            per_module[module] += seconds
            counts[module] += 1
        print('  per module:')
        for module, seconds in sorted(per_module.items(),
                                      key=lambda m: -m[1]):
            print(f'  {seconds:7.1f} s  {module} ({counts[module]} tests)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
