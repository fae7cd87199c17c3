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

"""Benchmark: the full chaos run, SIGKILLs of the owning conductor.

Runs by hand against the two harness clouds (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/chaos.py
    .tox/functional/bin/python tools/bench/chaos.py --runs 2 --points 10 \
        --seed 1234

Deploys ``pumphouse-api`` and two ``pumphouse-conductor`` processes on
RabbitMQ and a new MariaDB database (as the functional tests do), and
for each run makes a source project of more than 40 resources (eight
servers, an attached volume, a router, a security group with rules),
migrates it through the API and SIGKILLs the conductor owning the
migration at ``--points`` seeded points of its progress (numbers of plan
items done; printed with the seed). After each run it checks what the
CI test checks and prints one line per run and the tally::

    runs, completed, kills made, take-overs, duplicates, leftovers

The project is removed from both clouds after each run, also after a
failure. The seed of run ``n`` is ``--seed + n``.
"""

import argparse
import pathlib
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pumphouse.tests.functional import chaos  # noqa: E402
from pumphouse.tests.functional import deployment as deployment_mod  # noqa: E402,E501
from pumphouse.tests.functional import fixtures  # noqa: E402
from pumphouse.tests.functional import server_workspace  # noqa: E402
from pumphouse.tests.functional import test_chaos  # noqa: E402
from pumphouse.tests.functional import test_service_migrations as service  # noqa: E402,E501


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--points', type=int, default=10)
    parser.add_argument('--seed', type=int, default=int(time.time()))
    parser.add_argument('--workers', type=int, default=2,
                        help='apply_workers of each migration')
    return parser.parse_args(argv)


def one_run(deployment, admin, seed: int, points: int, workers: int
            ) -> dict:
    workspace = server_workspace.ServerWorkspace('chaos-bench',
                                                 cidr='10.206.0.0/24')
    try:
        test_chaos.build(workspace)
        migration = service.planned(deployment, admin,
                                    test_chaos._Named(workspace),
                                    apply_workers=workers)
        total = migration['items']['total']
        chosen = chaos.kill_points(seed, total, points)
        print(f'run seed {seed}: {total} items, kill points {chosen}',
              flush=True)
        started = time.monotonic()
        service.start(admin, migration)
        kills = chaos.run_with_kills(deployment, admin, migration['uuid'],
                                     chosen)
        shown = chaos.show(admin, migration['uuid'])
        for _attempt in range(3):
            shown = fixtures.wait_until(
                lambda: (lambda s: s if s['state'] in chaos.FINISHED
                         else None)(chaos.show(admin, migration['uuid'])),
                900, interval=0.5) or shown
            if shown['state'] != 'failed' or not service.cloud_was_away(
                    admin, shown):
                break
            service.start(admin, migration)
        events = chaos.show(admin, migration['uuid'],
                            '/events?limit=1000')['events']
        report = admin.request(
            'GET', f'/v1/migrations/{migration["uuid"]}/report')
        clean = report.status_code == 200 and not (
            report.json()['differences'] or report.json()['not_migrated'])
        return {'seed': seed, 'items': total, 'state': shown['state'],
                'clean report': clean,
                'seconds': round(time.monotonic() - started, 1),
                'kills': len(kills),
                'takeovers': sum(1 for e in events
                                 if e['event_type'] == 'takeover'),
                'duplicates': chaos.duplicates(workspace),
                'leftovers': workspace.leftovers()}
    finally:
        workspace.purge()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    print(f'chaos bench: {args.runs} run(s), {args.points} kill points, '
          f'seed {args.seed}', flush=True)
    results = []
    with tempfile.TemporaryDirectory() as workdir, \
            fixtures.database('mysql') as db_url, \
            fixtures.rabbit_vhost() as transport_url:
        deployment = deployment_mod.Deployment(pathlib.Path(workdir),
                                               db_url, transport_url)
        deployment.start()
        try:
            admin = deployment.client()
            for name in ('source', 'destination'):
                admin.request('POST', '/v1/clouds',
                              json={'name': name, 'cloud': name})
            for run in range(args.runs):
                result = one_run(deployment, admin, args.seed + run,
                                 args.points, args.workers)
                results.append(result)
                print('  ' + ', '.join(f'{k} {v}' for k, v in
                                       result.items()), flush=True)
        finally:
            deployment.stop()
    completed = sum(1 for r in results
                    if r['state'] == 'completed' and r['clean report'])
    print(f'runs {len(results)}, completed {completed}, kills '
          f'{sum(r["kills"] for r in results)}, take-overs '
          f'{sum(r["takeovers"] for r in results)}, duplicates '
          f'{sum(1 for r in results if r["duplicates"])}, leftovers '
          f'{sum(1 for r in results if r["leftovers"])}')
    return 0 if completed == len(results) and not any(
        r['duplicates'] or r['leftovers'] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
