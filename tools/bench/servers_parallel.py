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

"""Benchmark: migrating a project of tiny servers with 1 and 8 workers.

Runs by hand against the two harness clouds (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/servers_parallel.py
    .tox/functional/bin/python tools/bench/servers_parallel.py --servers 8 \
        --workers 4 1 --max-servers-per-host 4

It makes a source project of its own (a member user with a keypair, a
tiny flavor and raw image, a network; quotas raised for the servers),
whose member boots ``--servers`` servers (default 24; the scheduler
spreads them over the two source hosts). Then, for each ``--workers``
value (default 8, then 1), it migrates the whole project with the
engine in this process (as the functional tests do, on a temporary
SQLite state: plan, then apply and verify with ``cutover keep``), prints
the wall times, and removes the copy from the destination before the
next run. At the end it prints the ratio of the apply times and removes
the project from both clouds, also after a failure.

Per server the path is: suspend, boot the copy as a temporary boot user
with the keypair, wait for ACTIVE, check, resume the source. At most
``[conductor] max_servers_per_host`` (``--max-servers-per-host``,
default the option's default) servers of one source host move at once.
"""

import argparse
import collections
import contextlib
import datetime
import pathlib
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pumphouse.conf import CONF  # noqa: E402
from pumphouse.db import migration_api  # noqa: E402
from pumphouse.engine import runner  # noqa: E402
from pumphouse.tests.functional import engine_fixtures  # noqa: E402
from pumphouse.tests.functional import server_workspace  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=24)
    parser.add_argument('--workers', type=int, nargs='+', default=[8, 1])
    parser.add_argument('--max-servers-per-host', type=int, default=None,
                        help='[conductor] max_servers_per_host for the '
                             'runs (default: the option\'s default)')
    return parser.parse_args(argv)


def boot_all(workspace, count: int) -> list:
    """``count`` servers of the member user, all ACTIVE."""
    started = time.monotonic()
    servers = [workspace.boot(wait=False) for _ in range(count)]
    servers = [workspace.wait(s) for s in servers]
    hosts = collections.Counter(
        workspace.source.compute.get_server(s.id).compute_host
        for s in servers)
    print(f'booted {count} servers in the source in '
          f'{time.monotonic() - started:.1f}s: '
          + ', '.join(f'{n} on {h}' for h, n in sorted(hosts.items())),
          flush=True)
    return servers


def migrate_once(workspace, workers: int, per_host: int | None,
                 observe=None) -> dict:
    """Plan, apply and verify the project's migration on a temporary
    engine state of its own; see :func:`migrate_in`."""
    with tempfile.TemporaryDirectory() as state, \
            engine_fixtures.engine_state(pathlib.Path(state)) as conf:
        return migrate_in(conf, [workspace.project.name], workers, per_host,
                          observe)


def migrate_in(conf, projects: list[str], workers: int,
               per_host: int | None, observe=None) -> dict:
    """Plan, apply and verify one migration of the source ``projects``
    (names) in the engine state ``conf`` (of
    :func:`engine_fixtures.engine_state`: earlier migrations there are
    the history the plan's estimate learns from); wall times.

    ``observe``, when given, is a context manager entered around the
    run (the apply and the verification) only. The result also holds
    the migration's events as ``(time, type, message, item id)``, the
    time a monotonic second (the events' UTC stamps, shifted by the
    run's start), and ``apply`` is the time between the engine's two
    ``apply`` events (the items applied) when it finds them, else
    the run's; ``estimate`` is the plan's estimate as stored at
    planning time (made for ``workers``).
    """
    observe = observe or contextlib.nullcontext
    if per_host is not None:
        conf.config(max_servers_per_host=per_host, group='conductor')
    limit = CONF.conductor.max_servers_per_host
    selection = {'workload': {'kind': 'project', 'names': list(projects)}}
    started = time.monotonic()
    migration = runner.create('source', 'destination', selection,
                              {'server_cutover': 'keep',
                               'apply_workers': workers},
                              project_id='admin')
    migration = runner.plan(migration.uuid)
    estimate = migration.estimate
    planned = time.monotonic()
    wall = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with observe():
        migration = engine_fixtures.run(migration.uuid, workers=workers)
    done = time.monotonic()
    items = migration_api.list_plan_items(migration.id)
    events = [((e.created_at - wall).total_seconds() + planned,
               e.event_type, e.message, e.plan_item_id)
              for e in migration_api.list_events(migration.id)]
    if migration.state != 'completed' or migration.report['differences']:
        raise SystemExit(f'workers={workers}: migration '
                         f'{migration.state}: {migration.last_error} '
                         f'{migration.report}')
    servers = sum(1 for i in items if i.resource_type == 'compute.server')
    marks = [t for t, kind, _, _ in events if kind == 'apply']
    apply_time = marks[-1] - marks[0] if len(marks) >= 2 else \
        done - planned
    return {'workers': workers, 'per_host': limit, 'items': len(items),
            'types': [i.resource_type for i in items],
            'servers': servers, 'plan': planned - started,
            'apply': apply_time, 'run': done - planned, 'events': events,
            'apply_started': marks[0] if marks else planned,
            'estimate': estimate}


def remove_copy(workspace) -> None:
    """Remove the destination copy so the next run starts afresh."""
    started = time.monotonic()
    workspace.purge_destination()
    print(f'removed the destination copy in '
          f'{time.monotonic() - started:.1f}s', flush=True)


def make_workspace(label: str, cidr: str, count: int):
    """The source project of ``count`` tiny servers, with room for
    them in its quotas."""
    return server_workspace.ServerWorkspace(
        label, cidr=cidr,
        quotas={'instances': count + 5, 'cores': count + 5,
                'ram': (count + 5) * 64})


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    count = args.servers
    workspace = make_workspace('bench', '10.202.0.0/22', count)
    results = []
    try:
        boot_all(workspace, count)
        for workers in args.workers:
            result = migrate_once(workspace, workers,
                                  args.max_servers_per_host)
            results.append(result)
            print(f'workers={workers:<2} max_servers_per_host='
                  f'{result["per_host"]}: {result["items"]} items '
                  f'({result["servers"]} servers), plan '
                  f'{result["plan"]:.1f}s, apply {result["apply"]:.1f}s '
                  f'({result["apply"] / max(result["servers"], 1):.2f}s '
                  f'per server), apply+verify {result["run"]:.1f}s',
                  flush=True)
            remove_copy(workspace)
    finally:
        try:
            workspace.purge()
        except Exception as e:  # noqa: BLE001 - report, keep the figures
            print(f'clean-up failed: {e}', file=sys.stderr)
    if len(results) >= 2:
        fast = min(results, key=lambda r: r['apply'])
        slow = max(results, key=lambda r: r['apply'])
        print(f'apply: workers={slow["workers"]} '
              f'{slow["apply"]:.1f}s / workers={fast["workers"]} '
              f'{fast["apply"]:.1f}s = {slow["apply"] / fast["apply"]:.2f}x')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
