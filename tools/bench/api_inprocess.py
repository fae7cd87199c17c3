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

"""Benchmark: what one API request costs in process (issue 19).

Needs no cloud, no server and no database server::

    .tox/py3/bin/python tools/bench/api_inprocess.py
    .tox/py3/bin/python tools/bench/api_inprocess.py --compare /tmp/main
    .tox/py3/bin/python tools/bench/api_inprocess.py --http 50 \
        --compare /tmp/main

Builds the WSGI application of ``pumphouse-api`` as the service does
(``setup_app``: keystonemiddleware and every other middleware, ``[api]
response_validation`` as ``--response-validation`` says, default the
service's own, ``ignore``) on a
temporary SQLite database holding ``--migrations`` migrations (default
100) and one planned migration of ``--items`` plan items (default 2,000,
shaped like a project's, each with ``--details-bytes`` of stored
details, default 600, as real items carry their source resource). The
token check is answered in process: keystonemiddleware's call to
Keystone returns a fixed admin token (its cache and headers work as
usual); RPC is the in-process fake transport.

Then ``--requests`` requests (default 40) of each route of ``--routes``
(``migrations``: ``GET /v1/migrations``, ``plan``: ``GET
/v1/migrations/{id}/plan``, default both) go straight to the
application, in this thread (no socket is opened). Printed per route:
the process CPU and wall milliseconds per request (the best of
``--rounds`` rounds, default 3: the least disturbed by other work on the
machine) and the requests per second one core would serve at that CPU
cost. No HTTP server, client or Keystone is counted: what is left is
Pumphouse's own cost, the part a change of its code moves.

``--http CLIENTS`` serves the application instead, as ``pumphouse-api``
does (``APIService``: cheroot with ``[api] threads``, on 127.0.0.1 and a
free port), and loads each route with ``CLIENTS`` concurrent clients
(threads with a connection each, spread over ``--client-processes``
processes, default 2) for ``--duration`` seconds (default 10): printed
are the requests per second, p50 and p99 latencies, the server's CPU
milliseconds per request and the errors. The clients share the machine
with the server: the rate is a floor.

``--compare TREE`` measures another checkout too (for example ``git
archive main | tar -x -C /tmp/main``), each round in a fresh interpreter
per tree, alternating, and prints both with the ratio: the before and
after of a change, in one run, and whether both answered the same
bytes (the stored data is the same: fixed UUIDs and times). The
figures are printed, not checked; ``--profile PREFIX`` profiles this
tree's requests instead (cProfile: the top functions, and the stats in
``PREFIX-ROUTE.prof``).
"""

import argparse
import cProfile
import datetime
import hashlib
import json
import multiprocessing
import os
import pathlib
import pstats
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

REPO = pathlib.Path(__file__).resolve().parents[2]
ROUTES = ('migrations', 'plan')
PROJECT = 'bench-project'


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--migrations', type=int, default=100)
    parser.add_argument('--items', type=int, default=2000)
    parser.add_argument('--details-bytes', type=int, default=600)
    parser.add_argument('--requests', type=int, default=40)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--routes', default=','.join(ROUTES),
                        help='comma-separated, of: ' + ', '.join(ROUTES))
    parser.add_argument('--compare', metavar='TREE',
                        help='another checkout, measured too')
    parser.add_argument('--http', type=int, default=0, metavar='CLIENTS',
                        help='instead of calling the application, serve '
                             'it as pumphouse-api does (cheroot, [api] '
                             'threads) on 127.0.0.1 and load each route '
                             'with CLIENTS concurrent clients for '
                             '--duration seconds')
    parser.add_argument('--duration', type=float, default=10.0)
    parser.add_argument('--client-processes', type=int, default=2)
    parser.add_argument('--profile', metavar='PREFIX',
                        help='instead: profile this tree\'s requests '
                             '(cProfile), print the top functions and '
                             'write PREFIX-ROUTE.prof')
    parser.add_argument(
        '--response-validation', default='ignore',
        choices=('error', 'warn', 'ignore'),
        help="[api] response_validation (default: the service's own, "
             "ignore; the tests run with error)")
    parser.add_argument('--tree', default=str(REPO),
                        help=argparse.SUPPRESS)
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.routes = [r for r in args.routes.split(',') if r]
    unknown = set(args.routes) - set(ROUTES)
    if unknown:
        parser.error(f'unknown route(s): {", ".join(sorted(unknown))}')
    return args


def token_body() -> dict:
    """What Keystone would answer for the admin's project-scoped token."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    domain = {'id': 'default', 'name': 'Default'}
    return {'token': {
        'methods': ['password'],
        'issued_at': now.isoformat() + 'Z',
        'expires_at': (now + datetime.timedelta(hours=1)).isoformat() + 'Z',
        'user': {'id': 'bench-admin', 'name': 'admin', 'domain': domain},
        'project': {'id': PROJECT, 'name': 'bench', 'domain': domain},
        'roles': [{'id': f'r-{name}', 'name': name}
                  for name in ('admin', 'member', 'reader')],
        'catalog': []}}


def plan_items(count: int, details_bytes: int = 600) -> list[dict]:
    """``count`` plan items shaped like a project's (as the web UI's
    benchmark makes them), each with ``details_bytes`` of details, as
    :func:`pumphouse.db.migration_api.add_plan_items` takes them."""
    from pumphouse.tests.functional.ui import seed as ui_seed  # noqa: PLC0415,E501

    items = ui_seed.plan_items(count)
    for item in items:
        item['details'] = details(item, details_bytes)
    return items


def details(item: dict, size: int) -> dict:
    """Stored details like a real item's (its source resource), keeping
    what the seed put there (differences of a conflict)."""
    attrs = {'name': item['source_name'], 'id': item['source_id'],
             'status': 'ACTIVE', 'tags': ['bench'], 'metadata': {},
             'description': ''}
    filler = max(0, size - len(json.dumps(attrs)) - 40)
    attrs['description'] = 'd' * filler
    return dict(item.get('details') or {}, attrs=attrs, data={},
                needs=[['identity.project', PROJECT]])


def seed(args) -> str:
    """Clouds, migrations and the planned migration; its UUID."""
    from sqlalchemy import orm  # noqa: PLC0415

    from pumphouse.common import cloud_config  # noqa: PLC0415
    from pumphouse.db import api as db_api  # noqa: PLC0415
    from pumphouse.db import migration_api  # noqa: PLC0415
    from pumphouse.db import models  # noqa: PLC0415
    from pumphouse.tests.functional.ui import seed as ui_seed  # noqa: PLC0415,E501

    # Fixed UUIDs and times: both trees answer the same bytes.
    rng = random.Random(19)  # noqa: S311

    def new_uuid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    clouds = []
    for name in ('source', 'destination'):
        config, secret = cloud_config.split_registration({
            'name': name, 'auth': {
                'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin',
                'password': 'bench', 'project_name': 'admin',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}})
        clouds.append(db_api.create_cloud({
            'name': name, 'config': config, 'credentials': secret,
            'uuid': new_uuid()}).id)
    now = datetime.datetime(2026, 12, 5, 12, 0, 0)

    def migration(state, **extra):
        return models.Migration(
            uuid=new_uuid(), name='bench', project_id=PROJECT,
            created_at=now, updated_at=now,
            user_id='bench-admin', source_cloud_id=clouds[0],
            destination_cloud_id=clouds[1],
            workload={'workload': {'kind': 'project', 'names': ['bench']},
                      'strategies': {}, 'supplementary': 'depend'},
            options={}, state=state, **extra)

    with orm.Session(db_api.get_engine()) as session, session.begin():
        session.add_all(
            migration('cancelled', finished_at=now,
                      report={'checked': 0, 'differences': [],
                              'not_migrated': []})
            for _n in range(args.migrations))
        planned = migration('planned', checks=ui_seed.CHECKS)
        session.add(planned)
        session.flush()
        planned_id, planned_uuid = planned.id, planned.uuid
    migration_api.add_plan_items(planned_id,
                                 plan_items(args.items, args.details_bytes))
    return planned_uuid


def measure(args) -> dict:
    """Set up in a temporary state directory and time the routes."""
    sys.path.insert(0, args.tree)
    from keystonemiddleware.auth_token import _identity  # noqa: PLC0415
    from webob import request as webob_request  # noqa: PLC0415

    from pumphouse.api import app as api_app  # noqa: PLC0415
    from pumphouse.common import crypto  # noqa: PLC0415
    from pumphouse.common import rpc  # noqa: PLC0415
    from pumphouse.conf import CONF  # noqa: PLC0415
    from pumphouse.db import schema  # noqa: PLC0415
    from pumphouse.tests import base  # noqa: PLC0415

    body = token_body()
    _identity.IdentityServer.verify_token = (
        lambda self, token, allow_expired=False: body)
    base.init_conf()
    state = tempfile.mkdtemp(prefix='api-bench-')
    for name, value, group in (
            ('state_path', state, None),
            ('connection', f'sqlite:///{state}/pumphouse.sqlite', 'database'),
            ('transport_url', 'fake:///', None),
            ('auth_strategy', 'keystone', 'api'),
            ('response_validation', args.response_validation, 'api'),
            ('www_authenticate_uri', 'http://127.0.0.1:9/v3',
             'keystone_authtoken')):
        CONF.set_override(name, value, group=group)
    schema.upgrade()
    crypto.ensure_key_file()
    rpc.init(CONF)
    if args.http:
        CONF.set_override('port', 0, group='api')
    planned = seed(args)
    paths = {'migrations': '/v1/migrations',
             'plan': f'/v1/migrations/{planned}/plan'}
    if args.http:
        return serve_and_load(args, paths)
    app = api_app.setup_app()

    def get(path: str) -> int:
        request = webob_request.Request.blank(
            path, headers={'X-Auth-Token': 'bench-token'})
        response = request.get_response(app)
        if response.status_int != 200:
            raise RuntimeError(f'GET {path}: {response.status}\n'
                               f'{response.text[:500]}')
        return response.body

    results = {}
    for route in args.routes:
        body = get(paths[route])
        for _n in range(2):
            get(paths[route])
        profiler = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _n in range(args.requests):
            get(paths[route])
        if profiler:
            profiler.disable()
            profiler.dump_stats(f'{args.profile}-{route}.prof')
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats('cumulative').print_stats(40)
            stats.sort_stats('tottime').print_stats(25)
        results[route] = {
            'cpu_ms': (time.process_time() - cpu) * 1000 / args.requests,
            'wall_ms': (time.perf_counter() - wall) * 1000 / args.requests,
            'bytes': len(body),
            'sha256': hashlib.sha256(body).hexdigest()}
    return results


def _clients(url: str, threads: int, duration: float, results) -> None:
    """``threads`` clients, each with its own connection, calling ``url``
    for ``duration`` seconds; their statuses and latencies to
    ``results`` (a queue)."""
    import requests  # noqa: PLC0415

    stop = time.monotonic() + duration
    statuses: dict = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        http = requests.Session()
        http.headers['X-Auth-Token'] = 'bench-token'
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = http.get(url, timeout=120).status_code
            except requests.RequestException as e:
                status = type(e).__name__
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(time.monotonic() - started)

    workers = [threading.Thread(target=client) for _n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((statuses, latencies))


def serve_and_load(args, paths: dict) -> dict:
    """Each route served by the API service, loaded over 127.0.0.1."""
    from pumphouse.api import service  # noqa: PLC0415

    api = service.APIService()
    api.start()
    host, port = api.bind_addr[:2]
    context = multiprocessing.get_context('spawn')
    results = {}
    try:
        for route in args.routes:
            url = f'http://{host}:{port}{paths[route]}'
            body = urllib.request.urlopen(urllib.request.Request(  # noqa: S310
                url, headers={'X-Auth-Token': 'bench-token'})).read()
            # The links name the server's port, another in each run.
            body = body.replace(f'{host}:{port}'.encode(), b'localhost')
            queue = context.Queue()
            shares = [args.http // args.client_processes
                      + (n < args.http % args.client_processes)
                      for n in range(args.client_processes)]
            processes = [context.Process(
                target=_clients, args=(url, share, args.duration, queue))
                for share in shares if share]
            cpu = time.process_time()
            for process in processes:
                process.start()
            found = [queue.get() for _process in processes]
            cpu = time.process_time() - cpu
            for process in processes:
                process.join()
            statuses: dict = {}
            latencies = sorted(t for _s, times in found for t in times)
            for part, _times in found:
                for status, count in part.items():
                    statuses[status] = statuses.get(status, 0) + count
            done = len(latencies)
            results[route] = {
                'req_s': done / args.duration,
                'p50_ms': latencies[done // 2] * 1000 if done else 0.0,
                'p99_ms': (latencies[min(done - 1, int(done * .99))] * 1000
                           if done else 0.0),
                'cpu_ms': cpu * 1000 / max(done, 1),
                'errors': sum(c for s, c in statuses.items() if s != 200),
                'bytes': len(body),
                'sha256': hashlib.sha256(body).hexdigest()}
    finally:
        api.stop()
    return results


def run_child(args, tree: str) -> dict:
    argv = [sys.executable, str(pathlib.Path(__file__).resolve()),
            '--child', '--tree', tree, '--routes', ','.join(args.routes),
            '--migrations', str(args.migrations), '--items', str(args.items),
            '--details-bytes', str(args.details_bytes),
            '--requests', str(args.requests), '--http', str(args.http),
            '--duration', str(args.duration),
            '--client-processes', str(args.client_processes),
            '--response-validation', args.response_validation]
    env = dict(os.environ, PYTHONPATH=tree)
    done = subprocess.run(argv, capture_output=True, text=True, env=env,
                          check=False, cwd=tree)
    if done.returncode:
        raise RuntimeError(f'{tree}: {done.stderr[-3000:]}')
    return json.loads(done.stdout.splitlines()[-1])


def best(runs: list[dict]) -> dict:
    """The best figures of each route over ``runs`` (the least times,
    the most requests per second); its body's size and digest (the same
    in every run)."""
    figures = {}
    for route in runs[0]:
        found = dict(runs[0][route])
        for key in found:
            values = [run[route][key] for run in runs]
            if key == 'req_s':
                found[key] = max(values)
            elif key.endswith('_ms'):
                found[key] = min(values)
            elif key == 'errors':
                found[key] = sum(values)
        figures[route] = found
    return figures


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.child or args.profile:
        print(json.dumps(measure(args)))
        return 0
    trees = {'this': str(REPO)}
    if args.compare:
        trees = {'other': str(pathlib.Path(args.compare).resolve()),
                 'this': str(REPO)}
    runs: dict[str, list] = {name: [] for name in trees}
    for _round in range(args.rounds):
        for name, tree in trees.items():
            runs[name].append(run_child(args, tree))
    figures = {name: best(found) for name, found in runs.items()}
    how = (f'{args.http} clients in {args.client_processes} processes '
           f'for {args.duration:.0f} s per route over HTTP (the API '
           'service on 127.0.0.1)' if args.http else
           f'{args.requests} requests per route in process')
    print(f'{args.migrations} migrations stored, a plan of {args.items} '
          f'items ({args.details_bytes} bytes of details each); {how}, '
          f'best of {args.rounds} rounds; keystonemiddleware on (token '
          f'answered in process), response validation '
          f'{args.response_validation}')
    for name, tree in trees.items():
        print(f'  {name}: {tree}')
    if args.http:
        print(f'{"route":32} {"tree":6} {"KiB":>6} {"req/s":>8} '
              f'{"p50 ms":>8} {"p99 ms":>8} {"CPU ms":>8} {"errors":>6}')
    else:
        print(f'{"route":32} {"tree":6} {"KiB":>6} {"CPU ms":>8} '
              f'{"wall ms":>8} {"req/s/core":>10}')
    for route in args.routes:
        label = {'migrations': 'GET /v1/migrations',
                 'plan': 'GET /v1/migrations/{id}/plan'}[route]
        for name in trees:
            found = figures[name][route]
            if args.http:
                print(f'{label:32} {name:6} {found["bytes"] / 1024:6.0f} '
                      f'{found["req_s"]:8.1f} {found["p50_ms"]:8.1f} '
                      f'{found["p99_ms"]:8.1f} {found["cpu_ms"]:8.2f} '
                      f'{found["errors"]:6d}')
            else:
                print(f'{label:32} {name:6} {found["bytes"] / 1024:6.0f} '
                      f'{found["cpu_ms"]:8.2f} {found["wall_ms"]:8.2f} '
                      f'{1000 / found["cpu_ms"]:10.1f}')
        if 'other' in figures:
            other, this = figures['other'][route], figures['this'][route]
            same = ('the same body' if other['sha256'] == this['sha256']
                    else 'BODIES DIFFER')
            gain = (f'{this["req_s"] / other["req_s"]:.2f}x the requests '
                    'per second' if args.http else
                    f'{other["cpu_ms"] / this["cpu_ms"]:.2f}x fewer CPU ms '
                    'per request')
            print(f'{"":32} {"":6} {"":6} this tree: {gain}, {same}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
