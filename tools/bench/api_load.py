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

"""Benchmark: concurrent clients on the API's list and show routes.

Runs by hand against the harness's source Keystone (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/api_load.py
    .tox/functional/bin/python tools/bench/api_load.py --clients 50 \
        --duration 20

Deploys ``pumphouse-api`` behind keystonemiddleware and two conductors
on RabbitMQ and a new MariaDB database (as the functional tests do),
registers the two harness clouds and stores ``--migrations`` migrations
(default 100) in the database. Then ``--clients`` threads (default 200),
each with its own HTTP connection and the admin's token, call for
``--duration`` seconds (default 60), round-robin, the routes of
``--routes`` (comma-separated names; by default ``migrations``,
``migration``, ``clouds``, ``cloud``, ``mappings``, ``root``):
``GET /v1/migrations``, ``GET /v1/migrations/{id}``, ``GET /v1/clouds``,
``GET /v1/clouds/{name}``, ``GET /v1/mappings``, ``GET /`` (public);
``plan`` is ``GET /v1/migrations/{id}/plan`` of one more migration,
stored only then, with a plan of ``--plan-items`` items (default 2,000,
shaped as ``api_inprocess.py`` makes them). Prints per route and in
total: requests, errors (any status other than 200, or no answer),
requests per second, p50 and p99 latency.

The two routes of issue 19::

    .tox/functional/bin/python tools/bench/api_load.py --clients 50 \
        --processes 4 --duration 30 --routes migrations,plan \
        --compare-ironic

``--compare-ironic`` then runs the same clients for the same time
against the destination cloud's Ironic (``GET /v1/nodes``, behind its
own keystonemiddleware, the destination admin's token) and prints its
figures beside Pumphouse's: a real OpenStack API on the same machine
is the yardstick (issue 19 asks Pumphouse >= Ironic in requests per
second). Ironic's figures come after Pumphouse's deployment is stopped.
``--ironic-nodes N`` first enrolls N ``fake-hardware`` nodes named
``apiload<hex>-<n>`` in that Ironic (removed at the end, also after a
failure), so that it lists as many records as Pumphouse lists
migrations.
"""

import argparse
import collections
import concurrent.futures
import contextlib
import pathlib
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa
from sqlalchemy import orm

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import api_inprocess  # noqa: E402

from pumphouse.db import models  # noqa: E402
from pumphouse.tests.functional import deployment as deployment_mod  # noqa: E402,E501
from pumphouse.tests.functional import fixtures  # noqa: E402
from pumphouse.tests.functional import test_rbac_matrix as rbac  # noqa: E402

#: The routes by name: (label, path; ``{id}`` a listed migration's UUID,
#: ``{plan}`` the planned migration's).
ROUTES = {
    'migrations': ('GET /v1/migrations', '/v1/migrations'),
    'migration': ('GET /v1/migrations/{id}', '/v1/migrations/{id}'),
    'clouds': ('GET /v1/clouds', '/v1/clouds'),
    'cloud': ('GET /v1/clouds/{name}', '/v1/clouds/source'),
    'mappings': ('GET /v1/mappings', '/v1/mappings'),
    'root': ('GET /', '/'),
    'plan': ('GET /v1/migrations/{id}/plan', '/v1/migrations/{plan}/plan'),
}
DEFAULT_ROUTES = 'migrations,migration,clouds,cloud,mappings,root'


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=200)
    parser.add_argument('--duration', type=float, default=60.0)
    parser.add_argument('--migrations', type=int, default=100)
    parser.add_argument('--processes', type=int, default=8,
                        help='client processes the clients are spread '
                             'over (threads of one Python process starve '
                             'each other of the GIL: a client that takes '
                             'more than 10 s between connecting and '
                             'sending gets a 408 from the server)')
    parser.add_argument('--compare-ironic', action='store_true',
                        help='then load the destination Ironic\'s GET '
                             '/v1/nodes the same way, printed beside')
    parser.add_argument('--ironic-nodes', type=int, default=0,
                        help='with --compare-ironic: enroll this many '
                             'fake-hardware nodes first (e.g. as many as '
                             '--migrations), removed at the end')
    parser.add_argument('--routes', default=DEFAULT_ROUTES,
                        help='comma-separated, called round-robin, of: '
                             f'{", ".join(ROUTES)} (default '
                             f'{DEFAULT_ROUTES}; the two routes of issue '
                             '19: migrations,plan)')
    parser.add_argument(
        '--response-validation', default='ignore',
        choices=('error', 'warn', 'ignore'),
        help="the API's [api] response_validation (default: the "
             "service's default, ignore; the functional tests run with "
             "error)")
    parser.add_argument('--plan-items', type=int, default=2000,
                        help='items of the plan of the plan route')
    args = parser.parse_args(argv)
    args.routes = [r.strip() for r in args.routes.split(',') if r.strip()]
    unknown = [r for r in args.routes if r not in ROUTES]
    if unknown or not args.routes:
        parser.error(f'--routes: unknown {", ".join(unknown) or "(none)"}; '
                     f'known: {", ".join(ROUTES)}')
    return args


def seed_plan(service, project_id: str, count: int) -> str:
    """A planned migration of ``project_id`` between the harness clouds
    with a plan of ``count`` items (with details as real items carry),
    written into the service's database; its UUID."""
    engine = sa.create_engine(service.db_url, poolclass=sa.NullPool)
    try:
        with orm.Session(engine) as session, session.begin():
            clouds = {c.name: c.id for c in session.query(models.Cloud)}
            migration = models.Migration(
                uuid=str(uuid.uuid4()), name='plan-bench',
                project_id=project_id, source_cloud_id=clouds['source'],
                destination_cloud_id=clouds['destination'],
                workload={'workload': {'kind': 'project',
                                       'names': ['plan-bench']},
                          'strategies': {}, 'supplementary': 'depend'},
                options={}, state='planned')
            session.add(migration)
            session.flush()
            rows = {}
            for item in api_inprocess.plan_items(count):
                fields = {k: v for k, v in item.items()
                          if k not in ('key', 'depends_on')}
                rows[item['key']] = (models.PlanItem(
                    migration_id=migration.id, depends_on=[], attempts=0,
                    bytes_done=0, **fields), item['depends_on'])
            session.add_all(row for row, _deps in rows.values())
            session.flush()
            for row, depends_on in rows.values():
                row.depends_on = sorted(rows[k][0].id for k in depends_on)
            return migration.uuid
    finally:
        engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float('nan')
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load(url: str, token: str, routes: list[tuple[str, str]],
         clients: int, duration: float,
         headers: dict | None = None) -> dict:
    results: dict[str, list] = collections.defaultdict(list)
    errors: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(offset: int) -> None:
        http = requests.Session()
        http.headers['X-Auth-Token'] = token
        http.headers.update(headers or {})
        n = offset
        while time.monotonic() < stop:
            name, path = routes[n % len(routes)]
            n += 1
            started = time.monotonic()
            try:
                status = http.get(url + path, timeout=120).status_code
            except requests.RequestException as e:
                status = type(e).__name__
            took = time.monotonic() - started
            with lock:
                results[name].append(took)
                if status != 200:
                    errors[name, status] += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {'results': dict(results), 'errors': errors}


def load_in_processes(url: str, token: str, routes, clients: int,
                      processes: int, duration: float,
                      headers: dict | None = None) -> dict:
    """``clients`` threads spread over ``processes`` processes; their
    results merged."""
    shares = [clients // processes + (1 if i < clients % processes else 0)
              for i in range(processes)]
    started = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(load, url, token, routes, n, duration,
                               headers)
                   for n in shares if n]
        parts = [f.result() for f in futures]
    merged: dict = {'results': collections.defaultdict(list),
                    'errors': collections.Counter(),
                    'wall': time.monotonic() - started}
    for part in parts:
        for name, times in part['results'].items():
            merged['results'][name] += times
        merged['errors'].update(part['errors'])
    return merged


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, \
            fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployment = deployment_mod.Deployment(pathlib.Path(workdir),
                                               db_url, transport_url)
        # The last value of an option wins: this overrides the
        # functional deployment's "error".
        deployment.extra_config = (
            f'\n[api]\nresponse_validation = {args.response_validation}\n')
        deployment.start()
        try:
            admin = deployment.client()
            for name in ('source', 'destination'):
                admin.request('POST', '/v1/clouds',
                              json={'name': name, 'cloud': name})
            project = fixtures.sdk_connection('source').current_project_id
            uuids = rbac.seed_migrations(deployment, project,
                                         args.migrations)
            planned = (seed_plan(deployment, project, args.plan_items)
                       if 'plan' in args.routes else None)
            routes = [(ROUTES[name][0], ROUTES[name][1].format(
                id=uuids[0], plan=planned)) for name in args.routes]
            stored = f'{args.migrations} migrations stored'
            if planned:
                stored += f' and one of {args.plan_items} plan items'
            print(f'{args.clients} clients in {args.processes} processes '
                  f'for {args.duration:.0f} s, {stored}, keystonemiddleware '
                  'on', flush=True)
            outcome = load_in_processes(deployment.url, admin.token,
                                        routes, args.clients,
                                        args.processes, args.duration)
        finally:
            deployment.stop()
    failed = report(outcome, routes)
    if args.compare_ironic:
        destination = fixtures.sdk_connection('destination')
        ironic = destination.baremetal.get_endpoint().rstrip('/')
        if ironic.endswith('/v1'):
            ironic = ironic[:-3]
        nodes = [('Ironic GET /v1/nodes', '/v1/nodes')]
        with enrolled_nodes(destination, args.ironic_nodes) as listed:
            print(f'\nthe same against the destination Ironic at {ironic} '
                  f'({listed} nodes), keystonemiddleware on', flush=True)
            compared = load_in_processes(
                ironic, destination.auth_token, nodes, args.clients,
                args.processes, args.duration,
                {'X-OpenStack-Ironic-API-Version': '1.1'})
        failed += report(compared, nodes)
    return 1 if failed else 0


@contextlib.contextmanager
def enrolled_nodes(conn, count: int):
    """``count`` fake-hardware nodes more in the destination Ironic while
    inside; yields how many nodes it lists then."""
    prefix = f'apiload{uuid.uuid4().hex[:6]}'
    made = []
    try:
        for number in range(count):
            made.append(conn.baremetal.create_node(
                driver='fake-hardware', name=f'{prefix}-{number}'))
        yield len(list(conn.baremetal.nodes()))
    finally:
        for node in made:
            conn.baremetal.delete_node(node, ignore_missing=True)


def report(outcome: dict, routes: list[tuple[str, str]]) -> int:
    """Print the figures of one load run; its number of errors."""
    wall = outcome['wall']
    print(f'{"route":28} {"requests":>9} {"errors":>7} {"req/s":>8} '
          f'{"p50 ms":>8} {"p99 ms":>8}')
    everything = []
    for name, _path in routes:
        times = outcome['results'][name]
        everything += times
        failed = sum(c for (route, _s), c in outcome['errors'].items()
                     if route == name)
        print(f'{name:28} {len(times):9d} {failed:7d} '
              f'{len(times) / wall:8.1f} {percentile(times, .5) * 1000:8.1f} '
              f'{percentile(times, .99) * 1000:8.1f}')
    failed = sum(outcome['errors'].values())
    print(f'{"total":28} {len(everything):9d} {failed:7d} '
          f'{len(everything) / wall:8.1f} '
          f'{percentile(everything, .5) * 1000:8.1f} '
          f'{percentile(everything, .99) * 1000:8.1f}')
    for (route, status), count in sorted(outcome['errors'].items(),
                                         key=str):
        print(f'  {route}: {status} x{count}')
    return failed


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
