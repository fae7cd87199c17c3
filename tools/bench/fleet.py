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

"""Benchmark: a fleet of tiny servers over many projects (issue 19).

Runs by hand against the two harness clouds (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/fleet.py
    .tox/functional/bin/python tools/bench/fleet.py --servers 12 \\
        --projects 3 --small 6

It builds a source of ``--servers`` tiny servers (default 300) over
``--projects`` projects (default 10), each project the workspace of
``servers_parallel.py`` (a member user with a keypair, a tiny flavor and
raw image, a network; quotas raised for its servers), its servers booted
by its member, several projects at once (``--build-workers``). Before
that it prints what Placement has left on each cloud (the fake virt
hosts report 1,000 VCPUs each: nothing needs raising for 300 servers of
1 VCPU and 64 MiB) and stops if it is not enough. Then three runs, the
destination copies removed after each:

``small``
    the first projects holding at least ``--small`` servers (default
    30; 1 project at the default sizes), one migration, with the engine
    in this process on a temporary SQLite state (as
    ``servers_parallel.py``: plan, apply, verify, ``cutover keep``);
``big``
    every project in one migration, in the same process and state (the
    small run is the history its estimate learns from);
``service`` (``--no-service`` skips it)
    ``pumphouse-api`` and two ``pumphouse-conductor`` processes on
    RabbitMQ and a new PostgreSQL database (dropped at the end), as the
    functional tests deploy them but with the service's defaults for
    logging, heart-beats and response validation; one migration per
    project, all created at once through the REST API, all started once
    planned; it waits until every one has finished. A failed service
    run prints the failed items with their errors and keeps the
    processes' logs (the directory is printed).

Per run it prints the servers and plan items, the planning time, the
apply time (between the engine's ``apply`` events; for the service from
the first migration's first to the last one's last), servers per minute
and seconds per server of the apply, then

* Pumphouse's own CPU seconds from creating the migration(s) to the
  end of the verification, and their share of that wall time (target
  under 15 %): in process, ``getrusage`` of this process (only the
  engine works in it then: the clouds are processes of their own); for
  the service, the API's and both conductors' (``psutil``);
* database work per plan item: in process, the statements and the
  transactions SQLAlchemy ran (an event listener); for the service,
  PostgreSQL's own counters of its database (``pg_stat_database``:
  transactions committed + rolled back, rows inserted + updated +
  deleted), read before the migrations are created and after the
  processes stopped; they include the API's answers to this script's
  polls (one list every 3 s);
* peak RSS per process: this process (its peak reset before each run),
  the API and each conductor;
* the plan's estimate made at planning time (low..high, and what it
  came from: when calibrated, the model's own range and the scale the
  completed migrations gave it) beside the actual apply time, and the
  actual's distance
  from the middle of the estimate in % (target within 30 %). For the
  service: each migration's, and the fleet's apply against the longest
  estimate (the estimate knows of no other migration running beside).

Last, the ratio of the big run's seconds per server to the small run's
(target 1.3 or less). The small run's own spread on two cores is wide
(3.2 to 4.1 s per server in runs of one day): ``--small-runs N`` takes
it N times, prints each, and the ratios use their median.

Every wait is bounded (the service run's by ``--timeout``, the engine's
by its own timeouts). Everything is named
``fleet<hex>-...`` and removed from both clouds at the end, also after a
failure or Ctrl-C (each project's workspace, then whatever else carries
the run's prefix). ``--keep-going`` goes on to the next run after a run
failed.
"""

import argparse
import collections
import concurrent.futures
import contextlib
import datetime
import functools
import pathlib
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid

import psutil
import servers_parallel  # the bench's own folder is on sys.path
import sqlalchemy as sa

from pumphouse.conf import CONF  # noqa: E402
from pumphouse.tests.functional import deployment as deployment_mod  # noqa: E402,E501
from pumphouse.tests.functional import engine_fixtures  # noqa: E402
from pumphouse.tests.functional import fixtures  # noqa: E402
from pumphouse.tests.functional import purge  # noqa: E402
from pumphouse.tests.functional import test_service_migrations as service  # noqa: E402,E501

MIB = 1024 * 1024
FINISHED = ('planned', 'completed', 'failed', 'cancelled')
#: Seconds between two polls of the service's migrations.
POLL = 3.0
#: Passes of the clean-up's sweep by name, should one fail.
SWEEPS = 3
#: What one server of the workspace's flavor takes of a host.
SERVER_NEEDS = {'VCPU': 1, 'MEMORY_MB': 64, 'DISK_GB': 1}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog=__doc__.split('\n', 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--servers', type=int, default=300,
                        help='servers in the source (default 300)')
    parser.add_argument('--projects', type=int, default=10,
                        help='projects they are spread over (default 10)')
    parser.add_argument('--small', type=int, default=30,
                        help='servers of the small run: the first projects '
                             'holding at least that many (default 30)')
    parser.add_argument('--workers', type=int, default=None,
                        help='apply workers of every migration (default: '
                             '[conductor] apply_workers)')
    parser.add_argument('--max-servers-per-host', type=int, default=None,
                        help='[conductor] max_servers_per_host of every '
                             'run (default: the option\'s default)')
    parser.add_argument('--build-workers', type=int, default=4,
                        help='projects built and booted at once')
    parser.add_argument('--no-small', action='store_true',
                        help='skip the small run (and the ratio)')
    parser.add_argument('--small-runs', type=int, default=1,
                        help='take the small run this many times, one '
                             'after the other (its spread printed; the '
                             'ratios use the median seconds per server)')
    parser.add_argument('--no-big', action='store_true',
                        help='skip the big in-process run')
    parser.add_argument('--no-service', action='store_true',
                        help='skip the run through the service')
    parser.add_argument('--timeout', type=float, default=None,
                        help='seconds the service run may take (default '
                             '600 + 10 per server; the in-process runs are '
                             'bounded by the engine\'s own waits)')
    parser.add_argument('--keep-going', action='store_true',
                        help='go on to the next run after one failed')
    args = parser.parse_args(argv)
    if args.servers < args.projects or args.projects < 1:
        parser.error('--servers must be at least --projects (>= 1)')
    if args.projects > 250:
        parser.error('--projects: at most 250 (one /24 each)')
    return args


# -- measuring ---------------------------------------------------------------

class StatementCounter:
    """Statements and transactions of every SQLAlchemy engine of this
    process while counting."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        self._on = False
        sa.event.listen(sa.engine.Engine, 'before_cursor_execute',
                        self._statement)
        sa.event.listen(sa.engine.Engine, 'commit', self._commit)
        sa.event.listen(sa.engine.Engine, 'rollback', self._rollback)

    def _add(self, key: str) -> None:
        if self._on:
            with self._lock:
                self.counts[key] += 1

    def _statement(self, *_args) -> None:
        self._add('statements')

    def _commit(self, *_args) -> None:
        self._add('transactions')

    def _rollback(self, *_args) -> None:
        self._add('transactions')

    @contextlib.contextmanager
    def counting(self):
        self.counts.clear()
        self._on = True
        try:
            yield self.counts
        finally:
            self._on = False


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def vm_hwm(pid: int | str = 'self') -> int:
    """Peak resident memory of a process, bytes (``VmHWM``)."""
    for line in pathlib.Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (Linux)."""
    try:
        pathlib.Path('/proc/self/clear_refs').write_text('5')
        return True
    except OSError:
        return False


def process_cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return (times.user + times.system + times.children_user
            + times.children_system)


# -- the source --------------------------------------------------------------

def placement_room(conn) -> dict[str, float]:
    """What Placement has left on a cloud's resource providers, per
    resource class of a server."""
    headers = {'OpenStack-API-Version': 'placement 1.10'}
    room: dict[str, float] = collections.defaultdict(float)
    providers = conn.placement.get('/resource_providers',
                                   headers=headers).json()
    for provider in providers['resource_providers']:
        base = f'/resource_providers/{provider["uuid"]}'
        inventories = conn.placement.get(base + '/inventories',
                                         headers=headers).json()
        usages = conn.placement.get(base + '/usages',
                                    headers=headers).json()['usages']
        for name, inv in inventories['inventories'].items():
            if name in SERVER_NEEDS:
                room[name] += ((inv['total'] - inv['reserved'])
                               * inv['allocation_ratio']
                               - usages.get(name, 0))
    return dict(room)


def check_room(servers: int) -> None:
    """Stop unless both clouds' Placement has room for the servers."""
    for name in ('source', 'destination'):
        room = placement_room(fixtures.sdk_connection(name))
        short = {k: v for k, v in SERVER_NEEDS.items()
                 if room.get(k, 0) < v * servers}
        print(f'{name} Placement room: ' + ', '.join(
            f'{k} {room.get(k, 0):.0f}' for k in SERVER_NEEDS)
            + f' (for {servers} servers: '
            + ', '.join(f'{k} {v * servers}' for k, v in
                        SERVER_NEEDS.items()) + ')', flush=True)
        if short:
            raise SystemExit(f'{name}: not enough room in Placement for '
                             f'{servers} servers: {sorted(short)}')


def spread(servers: int, projects: int) -> list[int]:
    return [servers // projects + (1 if i < servers % projects else 0)
            for i in range(projects)]


def build(prefix: str, counts: list[int], workers: int,
          workspaces: list) -> None:
    """One workspace per count, its servers booted; appended to
    ``workspaces`` as soon as made (so a failure can clean it up)."""
    lock = threading.Lock()

    def one(index: int) -> None:
        workspace = servers_parallel.make_workspace(
            f'{prefix}-p{index:02d}', f'10.210.{index}.0/24',
            counts[index])
        with lock:
            workspaces.append(workspace)
        servers_parallel.boot_all(workspace, counts[index])

    started = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(workers)
    try:
        futures = [pool.submit(one, i) for i in range(len(counts))]
        for future in concurrent.futures.as_completed(futures):
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    workspaces.sort(key=lambda w: w.prefix)
    print(f'source built: {sum(counts)} servers over {len(counts)} '
          f'projects in {time.monotonic() - started:.1f}s', flush=True)


def remove_copies(workspaces: list, workers: int) -> None:
    """Remove the destination copies of the workspaces' projects."""
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda w: w.purge_destination(), workspaces))
    print(f'removed the destination copies of {len(workspaces)} projects '
          f'in {time.monotonic() - started:.1f}s', flush=True)


def clean_up(prefix: str, workspaces: list, workers: int) -> None:
    """Remove every workspace from both clouds, then whatever else is
    named with the run's prefix (a workspace that failed half-made)."""
    def purge_one(workspace) -> None:
        try:
            workspace.purge()
        except Exception as e:  # noqa: BLE001 - clean the others
            print(f'clean-up of {workspace.prefix} failed: {e}',
                  file=sys.stderr)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(purge_one, workspaces))
    left = ['destination', 'source']
    for attempt in range(SWEEPS):
        if attempt:
            time.sleep(10)  # a cloud that answered 500 may recover
        for name in list(left):
            try:
                sweep(fixtures.sdk_connection(name), prefix)
                left.remove(name)
            except Exception as e:  # noqa: BLE001 - clean the other cloud
                print(f'clean-up sweep of {name} failed: {e}',
                      file=sys.stderr)
    if left:
        print(f'LEFT BEHIND in {", ".join(left)}: what is named '
              f'{prefix}-...', file=sys.stderr)


def sweep(conn, prefix: str) -> None:
    mine = prefix + '-'
    for project in list(conn.identity.projects(domain_id='default')):
        if project.name.startswith(mine):
            purge.purge_project(conn, project.id)
    for user in list(conn.identity.users(domain_id='default')):
        if user.name.startswith(mine):
            purge.delete_user(conn, user)
    for flavor in list(conn.compute.flavors(is_public=None)):
        if flavor.name.startswith(mine):
            conn.compute.delete_flavor(flavor)
    for image in list(conn.image.images()):
        if (image.name or '').startswith(mine):
            conn.image.delete_image(image, ignore_missing=True)


# -- the runs ----------------------------------------------------------------

def in_process(label: str, conf, counter: StatementCounter,
               workspaces: list, workers: int,
               per_host: int | None) -> dict:
    """One migration of the workspaces' projects with the engine in
    this process (``servers_parallel.migrate_in``), measured."""
    names = [w.project.name for w in workspaces]
    print(f'{label}: one migration of {len(names)} projects in process '
          f'({workers} workers)', flush=True)
    peak_reset = reset_peak_rss()
    cpu, started = own_cpu(), time.monotonic()
    with counter.counting() as counts:
        result = servers_parallel.migrate_in(conf, names, workers, per_host)
    wall = time.monotonic() - started
    cpu = own_cpu() - cpu
    return {'label': label, 'projects': len(names),
            'servers': result['servers'], 'items': result['items'],
            'plan': result['plan'], 'apply': result['apply'],
            'wall': wall, 'cpu': cpu,
            'db': {'statements': counts['statements'],
                   'transactions': counts['transactions']},
            'rss': {'this process' + ('' if peak_reset else
                                      ' (since start)'): vm_hwm()},
            'estimates': [('the migration', result['estimate'],
                           result['apply'])]}


def pg_counters(db_url: str) -> dict[str, int]:
    """PostgreSQL's counters of the database of ``db_url``."""
    url = sa.make_url(db_url)
    engine = sa.create_engine(url.set(database='postgres'),
                              poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(
                'SELECT xact_commit + xact_rollback AS transactions, '
                'tup_inserted + tup_updated + tup_deleted AS rows_written '
                'FROM pg_stat_database WHERE datname = :name'),
                {'name': url.database}).one()
            return {'transactions': int(row.transactions),
                    'rows written': int(row.rows_written)}
    finally:
        engine.dispose()


def defaults(group: str, names: list[str]) -> str:
    """The options' defaults, as configuration file lines."""
    lines = [f'[{group}]']
    for name in names:
        lines.append(f'{name} = {CONF[group][name]}')
    return '\n'.join(lines) + '\n'


def show_all(admin) -> dict[str, dict]:
    response = admin.request('GET', '/v1/migrations', params={'limit': 1000})
    response.raise_for_status()
    return {m['uuid']: m for m in response.json()['migrations']}


def wait_all(admin, uuids: list[str], wanted: tuple, deadline: float
             ) -> dict[str, dict]:
    while True:
        found = {u: m for u, m in show_all(admin).items() if u in uuids}
        if len(found) == len(uuids) and all(
                m['state'] in wanted for m in found.values()):
            return found
        if time.monotonic() > deadline:
            raise SystemExit('service: timed out; states: ' + ', '.join(
                f'{m["state"]}' for m in found.values()))
        time.sleep(POLL)


def events(admin, migration_uuid: str) -> list[dict]:
    found, after = [], None
    while True:
        params = {'limit': 1000, **({'after': after} if after else {})}
        response = admin.request(
            'GET', f'/v1/migrations/{migration_uuid}/events', params=params)
        response.raise_for_status()
        page = response.json()
        found += page['events']
        if 'next' not in page or not page['events']:
            return found
        after = page['events'][-1]['id']


def apply_span(found: list[dict]) -> tuple[datetime.datetime,
                                           datetime.datetime] | None:
    marks = [datetime.datetime.fromisoformat(e['created_at'])
             for e in found if e['event_type'] == 'apply']
    return (marks[0], marks[-1]) if len(marks) >= 2 else None


def failed_item_errors(admin, migration_uuid: str) -> list[str]:
    """The failed plan items of a migration with their errors."""
    response = admin.request('GET', f'/v1/migrations/{migration_uuid}/plan')
    if response.status_code != 200:
        return [f'plan {response.status_code}']
    return [f'{i["resource_type"]} {i["source_name"]}: {i["error"]}'
            for i in response.json()['items'] if i['state'] == 'failed']


def through_service(workspaces: list, workers: int | None,
                    per_host: int | None, timeout: float) -> dict:
    """One migration per project through pumphouse-api and two
    conductors, all created at once, all started once planned."""
    with tempfile.TemporaryDirectory() as workdir, \
            fixtures.database('postgresql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployment = deployment_mod.Deployment(pathlib.Path(workdir),
                                               db_url, transport_url)
        # The last value of an option wins: the service's defaults
        # instead of the functional tests' debug logging, 1 s
        # heart-beats and checked responses.
        deployment.extra_config = (
            '\n[DEFAULT]\ndebug = false\n'
            '[api]\nresponse_validation = ignore\n'
            + defaults('conductor', ['heartbeat_interval',
                                     'heartbeat_timeout',
                                     'takeover_interval', 'rpc_timeout'])
            + (f'max_servers_per_host = {per_host}\n' if per_host else ''))
        deployment.start()
        try:
            return _service_run(deployment, db_url, workspaces, workers,
                                timeout)
        except BaseException:
            keep_logs(pathlib.Path(workdir))
            raise
        finally:
            deployment.stop()


def keep_logs(workdir: pathlib.Path) -> None:
    """Copy a failed service run's process logs out of its temporary
    directory (which is removed) and say where."""
    kept = pathlib.Path(tempfile.mkdtemp(prefix='fleet-logs-'))
    for log in workdir.glob('*.log'):
        shutil.copy2(log, kept / log.name)
    print(f'service: the deployment\'s logs are kept in {kept}',
          flush=True)


def _service_run(deployment, db_url: str, workspaces: list,
                 workers: int | None, timeout: float) -> dict:
    admin = deployment.client()
    for name in ('source', 'destination'):
        admin.request('POST', '/v1/clouds',
                      json={'name': name, 'cloud': name}).raise_for_status()
    processes = {name: psutil.Process(p.popen.pid)
                 for name, p in deployment.processes.items()}
    options = {'server_cutover': 'keep'}
    if workers is not None:
        options['apply_workers'] = workers
    print(f'service: {len(workspaces)} migrations at once through the API '
          f'(apply workers {workers or CONF.conductor.apply_workers}, '
          f'{CONF.conductor.workers} migrations per conductor at once, '
          f'{len(deployment_mod.CONDUCTORS)} conductors)', flush=True)
    time.sleep(2)  # the start-up's statistics reach PostgreSQL
    db_before = pg_counters(db_url)
    cpu_before = {n: process_cpu(p) for n, p in processes.items()}
    started = time.monotonic()
    deadline = started + timeout
    uuids = []
    for workspace in workspaces:
        response = admin.request('POST', '/v1/migrations', json={
            'name': workspace.prefix, 'source': 'source',
            'destination': 'destination', 'options': options,
            'workload': {'kind': 'project',
                         'names': [workspace.project.name]}})
        if response.status_code != 202:
            raise SystemExit(f'service: POST /v1/migrations: '
                             f'{response.status_code} {response.text}')
        uuids.append(response.json()['uuid'])
    found = wait_all(admin, uuids, FINISHED, deadline)
    planned = time.monotonic()
    failed = [m for m in found.values() if m['state'] != 'planned']
    if failed:
        raise SystemExit(f'service: {len(failed)} migrations not planned: '
                         + '; '.join(str(m['last_error']) for m in failed))
    estimates = {u: service.show(admin, {'uuid': u})['estimate']
                 for u in uuids}
    for migration_uuid in uuids:
        service.start(admin, {'uuid': migration_uuid})
    found = wait_all(admin, uuids, FINISHED[1:], deadline)
    done = time.monotonic()
    cpu = {n: process_cpu(p) - cpu_before[n] for n, p in processes.items()}
    rss = {n: vm_hwm(p.pid) for n, p in processes.items()}
    shown = {u: service.show(admin, {'uuid': u}) for u in uuids}
    spans = {u: apply_span(events(admin, u)) for u in uuids}
    reports = {u: admin.request('GET', f'/v1/migrations/{u}/report')
               for u in uuids}
    # What failed, read before the deployment (and its logs) is gone.
    failed_items = {u: failed_item_errors(admin, u)
                    for u, m in found.items() if m['state'] != 'completed'}
    deployment.stop()
    time.sleep(1)
    db_after = pg_counters(db_url)
    bad = [f'{u}: {m["state"]} {m["last_error"]} '
           f'{"; ".join(failed_items.get(u, []))}'
           for u, m in found.items() if m['state'] != 'completed']
    bad += [f'{u}: report {r.status_code} {r.text[:300]}'
            for u, r in reports.items() if r.status_code != 200
            or r.json()['differences']]
    if bad:
        raise SystemExit('service: ' + '; '.join(bad))
    known = [s for s in spans.values() if s is not None]
    fleet_apply = ((max(e for _, e in known) - min(s for s, _ in known))
                   .total_seconds() if known else done - planned)
    servers = sum(len(w.server_ids) for w in workspaces)
    items = sum(m['items']['total'] for m in shown.values())
    longest = max(estimates.values(),
                  key=lambda e: (e or {}).get('high_s') or 0)
    return {'label': 'service', 'projects': len(workspaces),
            'servers': servers, 'items': items,
            'plan': planned - started, 'apply': fleet_apply,
            'wall': done - started, 'cpu': sum(cpu.values()),
            'cpu_by_process': cpu,
            'db': {k: db_after[k] - db_before[k] for k in db_before},
            'rss': rss,
            'estimates': [
                (f'migration {w.prefix}', estimates[u],
                 (spans[u][1] - spans[u][0]).total_seconds()
                 if spans[u] else None)
                for w, u in zip(workspaces, uuids, strict=True)]
            + [('the fleet against the longest estimate', longest,
                fleet_apply)]}


# -- the figures -------------------------------------------------------------

def estimate_line(label: str, made: dict | None,
                  actual: float | None) -> str:
    if not made:
        return f'{label}: no estimate'
    low, high = made['low_s'], made['high_s']
    basis = made.get('basis')
    history = made.get('history') or {}
    if history.get('items'):
        basis += (f' of {history["items"]} items of '
                  f'{history["migrations"]} migrations')
    calibration = made.get('calibration')
    if calibration:
        basis += (f', model {calibration["model_low_s"]}..'
                  f'{calibration["model_high_s"]} s scaled '
                  f'{calibration["scale"]:.2f}x by '
                  f'{calibration["migrations"]} completed migrations')
    text = (f'{label}: estimate {low}..{high} s ({basis}; limited by '
            f'{made["limited_by"]["high"]})')
    if actual is None:
        return text + ', actual unknown'
    middle = (low + high) / 2
    where = ('in the range' if low <= actual <= high else
             'below the range' if actual < low else 'above the range')
    error = (actual - middle) / middle * 100 if middle else float('inf')
    return (text + f', actual {actual:.1f} s: {error:+.0f} % of the '
            f'middle, {where}')


def report(results: list[dict]) -> None:
    print()
    print(f'{"run":8} {"servers":>7} {"proj":>4} {"items":>6} '
          f'{"plan s":>7} {"apply s":>8} {"srv/min":>8} {"s/server":>8} '
          f'{"CPU s":>7} {"CPU %":>6} {"wall s":>7}')
    for r in results:
        print(f'{r["label"]:8} {r["servers"]:7d} {r["projects"]:4d} '
              f'{r["items"]:6d} {r["plan"]:7.1f} {r["apply"]:8.1f} '
              f'{60 * r["servers"] / r["apply"]:8.1f} '
              f'{r["apply"] / r["servers"]:8.2f} {r["cpu"]:7.1f} '
              f'{100 * r["cpu"] / r["wall"]:6.1f} {r["wall"]:7.1f}')
    print('(CPU s: Pumphouse\'s own, from creating the migrations to '
          'their verification, over that wall time; target < 15 %)')
    for r in results:
        per_item = ', '.join(f'{v / max(r["items"], 1):.1f} {k}'
                             for k, v in r['db'].items())
        source = ('PostgreSQL pg_stat_database of its database'
                  if r['label'] == 'service' else
                  'SQLAlchemy events, SQLite')
        print(f'{r["label"]}: database per plan item: {per_item} '
              f'({source})')
        print(f'{r["label"]}: peak RSS: ' + ', '.join(
            f'{name} {value / MIB:.0f} MiB'
            for name, value in r['rss'].items()))
        if 'cpu_by_process' in r:
            print(f'{r["label"]}: CPU s by process: ' + ', '.join(
                f'{n} {v:.1f}' for n, v in r['cpu_by_process'].items()))
    print('estimate at planning time against the actual apply time '
          '(target within 30 %):')
    for r in results:
        for label, made, actual in r['estimates']:
            print(f'  {r["label"]}, {estimate_line(label, made, actual)}')
    by_label = {r['label']: r for r in results}
    smalls = [r for r in results if r['label'].startswith('small')]
    each = [r['apply'] / r['servers'] for r in smalls]
    if len(smalls) > 1:
        print('seconds per server of the small runs: ' + ', '.join(
            f'{v:.2f}' for v in each)
            + f' (median {statistics.median(each):.2f})')
    for other in ('big', 'service'):
        if smalls and other in by_label:
            big = by_label[other]
            ratio = (big['apply'] / big['servers']) / statistics.median(each)
            print(f'seconds per server, {other} ({big["servers"]}) / small '
                  f'({smalls[0]["servers"]}'
                  + (f', median of {len(smalls)} runs' if len(smalls) > 1
                     else '') + f'): {ratio:.2f} (target <= 1.3)')
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if CONF._args is None:
        CONF([], project='pumphouse', default_config_files=[])
    workers = args.workers or CONF.conductor.apply_workers
    timeout = args.timeout or 600 + 10 * args.servers
    counts = spread(args.servers, args.projects)
    prefix = f'fleet{uuid.uuid4().hex[:6]}'
    print(f'fleet bench {prefix}: {args.servers} servers over '
          f'{args.projects} projects ({min(counts)}..{max(counts)} each), '
          f'apply workers {workers}', flush=True)
    check_room(args.servers)
    workspaces: list = []
    results: list[dict] = []
    failures = []
    counter = StatementCounter()
    try:
        build(prefix, counts, args.build_workers, workspaces)
        total, small = 0, []
        for workspace in workspaces:
            if total >= args.small:
                break
            small.append(workspace)
            total += len(workspace.server_ids)
        runs = []
        if not args.no_small:
            runs.extend(('small' if n == 0 else f'small-{n + 1}', small)
                        for n in range(max(args.small_runs, 1)))
        if not args.no_big:
            runs.append(('big', workspaces))
        with tempfile.TemporaryDirectory() as state, \
                engine_fixtures.engine_state(pathlib.Path(state)) as conf:
            def attempt(label, run, chosen):
                """One run: its figures reported as it ends, its
                destination copies removed whatever happened."""
                try:
                    results.append(run())
                    report(results[-1:])
                except (Exception, SystemExit) as e:
                    failures.append(f'{label}: {e}')
                    print(f'{label} failed: {e}', flush=True)
                    if not args.keep_going:
                        raise
                finally:
                    remove_copies(chosen, args.build_workers)

            for label, chosen in runs:
                attempt(label, functools.partial(
                    in_process, label, conf, counter, chosen, workers,
                    args.max_servers_per_host), chosen)
        if not args.no_service:
            attempt('service', functools.partial(
                through_service, workspaces, args.workers,
                args.max_servers_per_host, timeout), workspaces)
    finally:
        # The figures first: a clean-up cut short must not lose them.
        if len(results) > 1:
            report(results)
        started = time.monotonic()
        clean_up(prefix, workspaces, args.build_workers)
        print(f'removed everything of {prefix} from both clouds in '
              f'{time.monotonic() - started:.1f}s', flush=True)
    for failure in failures:
        print(f'FAILED {failure}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
