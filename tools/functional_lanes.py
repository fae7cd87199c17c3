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

"""Run the functional tests in two lanes at once.

::

    tools/functional_lanes.py --report-dir .tox -- [pytest arguments]

The functional tests mostly wait for the harness clouds, whose processes
leave the two cores half idle when one test runs at a time. Two pytest
processes run side by side: lane ``serial`` runs the modules that change
what the harness shares, one after another; lane ``beside`` runs the
others (``BESIDE`` in ``pumphouse/tests/functional/conftest.py``, which
picks each lane's tests from ``PUMPHOUSE_TEST_LANE``). Every line either
prints is shown as it comes, prefixed with its lane; each lane writes
its JUnit report to ``<report-dir>/functional-<lane>-junit.xml``
(``tools/ci_times.py`` reads them).

The exit status is the first failing lane's, 0 if both passed; a lane
that selected no test (pytest's 5, when the arguments name tests of the
other lane only) has not failed. ``PUMPHOUSE_TEST_FUNCTIONAL_LANES=1``
runs everything in one pytest process instead, in order.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import threading

#: The lanes, the serial one first.
LANES = ('serial', 'beside')
#: pytest's exit status when it selected no test.
NO_TESTS = 5
TESTS = 'pumphouse/tests/functional'


def _command(lane: str | None, report_dir: pathlib.Path,
             extra: list[str]) -> list[str]:
    name = f'functional-{lane}' if lane else 'functional'
    return [sys.executable, '-m', 'pytest', '-q', '-ra', '--durations=25',
            f'--junitxml={report_dir / f"{name}-junit.xml"}', TESTS,
            *extra]


def _relay(lane: str, stream, lock: threading.Lock) -> None:
    """Print each line of a lane's output with the lane's name."""
    for line in iter(stream.readline, ''):
        with lock:
            sys.stdout.write(f'[{lane}] {line}')
            sys.stdout.flush()
    stream.close()


def run_lanes(report_dir: pathlib.Path, extra: list[str]) -> int:
    """Both lanes at once; the first failure's status, else 0."""
    lock = threading.Lock()
    running = []
    for lane in LANES:
        # Unbuffered: each line is relayed when it is written.
        env = dict(os.environ, PUMPHOUSE_TEST_LANE=lane,
                   PYTHONUNBUFFERED='1')
        process = subprocess.Popen(
            _command(lane, report_dir, extra), env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        relay = threading.Thread(target=_relay,
                                 args=(lane, process.stdout, lock))
        relay.start()
        running.append((lane, process, relay))
    status = 0
    for lane, process, relay in running:
        code = process.wait()
        relay.join()
        print(f'lane {lane}: pytest exit status {code}', flush=True)
        if code not in (0, NO_TESTS) and not status:
            status = code
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--report-dir', type=pathlib.Path, default='.tox',
                        help='where the JUnit reports go (default .tox)')
    parser.add_argument('pytest_args', nargs='*',
                        help='passed to both pytest runs (after --)')
    args = parser.parse_args(argv)
    if os.environ.get('PUMPHOUSE_TEST_FUNCTIONAL_LANES', '2') == '1':
        return subprocess.call(_command(None, args.report_dir,
                                        args.pytest_args))
    return run_lanes(args.report_dir, args.pytest_args)


if __name__ == '__main__':
    sys.exit(main())
