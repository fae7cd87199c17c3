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

"""Planner scale (issue 19): discovery + plan of a synthetic project.

Needs no cloud. Builds, on the in-memory clouds of the engine's unit
tests (``pumphouse/tests/unit/engine/memory.py``: teams and the members
that reference them), a project workload of N resources (one team per
ten members), then times ``discovery.discover`` and ``planner.plan``
with the engine's real context on an SQLite database, and prints for
each N the seconds, the growth against the previous N and the peak of
Python memory allocated (tracemalloc) while planning. The in-memory
drivers answer a destination lookup by name from an index, as a cloud's
filtered query does, so that what grows is Pumphouse's own work::

    .tox/py3/bin/python tools/bench/planner_scale.py
    .tox/py3/bin/python tools/bench/planner_scale.py --sizes 1000 3000 10000

Linear growth shows as a time ratio close to the size ratio (3.0 from
1k to 3k, 3.3 from 3k to 10k); quadratic growth as its square. The
figures are printed, not checked.
"""

import argparse
import gc
import pathlib
import resource
import sys
import tempfile
import time
import tracemalloc

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pumphouse.common import crypto  # noqa: E402
from pumphouse.conf import CONF  # noqa: E402
from pumphouse.db import api as db_api  # noqa: E402
from pumphouse.db import schema  # noqa: E402
from pumphouse.engine import discovery  # noqa: E402
from pumphouse.engine import planner  # noqa: E402
from pumphouse.engine import selection as sel  # noqa: E402
from pumphouse.tests import base  # noqa: E402
from pumphouse.tests.unit.engine import memory  # noqa: E402

TEAM_EVERY = 10


class IndexedCloud(memory.Cloud):
    """A memory cloud that finds a resource by name in O(1)."""

    def __init__(self, prefix: str) -> None:
        super().__init__(prefix)
        self.by_name: dict[tuple[str, str], str] = {}

    def add(self, resource_type: str, **attrs) -> str:
        new_id = super().add(resource_type, **attrs)
        self.by_name[(resource_type, attrs['name'])] = new_id
        return new_id


def _indexed_find(self, ctx, resource, attrs):
    dest_id = ctx.destination.by_name.get((self.resource_type,
                                           attrs['name']))
    if dest_id is None:
        return None
    return self.describe(dest_id,
                         ctx.destination.data[self.resource_type][dest_id])


def build(size: int) -> tuple[IndexedCloud, list[str]]:
    """A source of ``size`` resources: teams, each with ten members."""
    source = IndexedCloud('s')
    teams = []
    for t in range(max(1, size // (TEAM_EVERY + 1))):
        name = f'team-{t}'
        team = source.add('test.team', name=name, colour='red')
        teams.append(name)
        for m in range(TEAM_EVERY):
            source.add('test.member', name=f'member-{t}-{m}', team=team)
    return source, teams


def measure(size: int, drivers: dict) -> tuple[int, float, float, int]:
    source, teams = build(size)
    ctx = memory.context(source, IndexedCloud('d'))
    selection = sel.Selection(sel.Workload('project', teams),
                              supplementary='all')
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    graph = discovery.discover(ctx, selection, drivers)
    discovered = time.perf_counter()
    items = planner.plan(ctx, graph, drivers)
    planned = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(items), discovered - began, planned - discovered, peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[1000, 3000, 10000])
    args = parser.parse_args(argv)
    base.init_conf()
    with tempfile.TemporaryDirectory() as state:
        CONF.set_override('state_path', state)
        CONF.set_override('connection', f'sqlite:///{state}/bench.sqlite',
                          group='database')
        db_api.reset_facade()
        schema.upgrade()
        crypto.ensure_key_file()
        drivers = memory.drivers()
        for driver in drivers.values():
            driver.find_destination = _indexed_find.__get__(driver)
        print(f'{"resources":>10} {"items":>7} {"discover s":>11} '
              f'{"plan s":>8} {"total s":>8} {"x prev":>7} {"peak MiB":>9}')
        previous = None
        for size in args.sizes:
            count, discover, plan, peak = measure(size, drivers)
            total = discover + plan
            growth = f'{total / previous:.2f}' if previous else '-'
            previous = total
            print(f'{size:>10} {count:>7} {discover:>11.2f} {plan:>8.2f} '
                  f'{total:>8.2f} {growth:>7} {peak / 2 ** 20:>9.1f}',
                  flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'process peak RSS {rss:.0f} MiB (all sizes, imports included)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
