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

"""Benchmark: where a project without data spends its items' time.

Runs by hand against the two harness clouds (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/items_split.py
    .tox/functional/bin/python tools/bench/items_split.py --users 10 \\
        --rules 10 --workers 4

It builds a source project of identity and network resources only (the
issue's held-out shape by default: 26 users, each with two roles on the
project, a security group of 26 rules, a dual-stack network with a
router interface, a port with two fixed IPs), migrates it with the
engine in this process (``--workers``, default 8) while sampling the
stacks of the threads working on plan items every 10 ms (the sampler of
``servers_limit.py``), and prints the apply time, the items by type,
and how the items' time divides: waiting on the clouds (HTTP requests,
pauses between polls), waiting for a semaphore, and Pumphouse's own
work (its database, and the Python of the engine, its drivers and the
SDK objects). Target of issue 19: Pumphouse's own share under 15 %.

Everything is removed from both clouds at the end, also after a
failure.
"""

import argparse
import collections
import sys
import time

import servers_limit  # the bench's own folder is on sys.path
import servers_parallel

#: The sampler's kinds that are Pumphouse's own work.
OWN = ('database', 'other (Python work in the engine and SDK)')


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--users', type=int, default=26,
                        help='Users of the project, each with the member '
                             'and reader roles on it (default 26).')
    parser.add_argument('--rules', type=int, default=26,
                        help='Rules of the project\'s security group '
                             '(default 26).')
    parser.add_argument('--workers', type=int, default=8)
    return parser.parse_args(argv)


def build(workspace, users: int, rules: int) -> list:
    """The project's identity and network resources (the workspace has
    the project, its member user, a network and an IPv4 subnet); the
    extra users, for the clean-up."""
    identity = workspace.source.identity
    roles = [identity.find_role(name, ignore_missing=False)
             for name in ('member', 'reader')]
    made = []
    for _n in range(users - 1):  # the workspace has its member already
        user = identity.create_user(name=workspace.name('user'),
                                    domain_id='default',
                                    password='bench-' + workspace.prefix)
        made.append(user)
        for role in roles:
            identity.assign_project_role_to_user(workspace.project, user,
                                                 role)
    network = workspace.member.network
    v6 = network.create_subnet(network_id=workspace.network.id,
                               ip_version=6, cidr='fd00:204::/64',
                               name=workspace.name('subnet6'))
    group = network.create_security_group(name=workspace.name('group'))
    for port in range(rules):
        network.create_security_group_rule(
            security_group_id=group.id, direction='ingress',
            ethertype='IPv4', protocol='tcp', port_range_min=8000 + port,
            port_range_max=8000 + port, remote_ip_prefix='10.0.0.0/8')
    router = network.create_router(name=workspace.name('router'))
    network.add_interface_to_router(router, subnet_id=workspace.subnet.id)
    network.create_port(
        network_id=workspace.network.id, name=workspace.name('port'),
        security_group_ids=[group.id],
        fixed_ips=[{'subnet_id': workspace.subnet.id,
                    'ip_address': '10.204.0.50'},
                   {'subnet_id': v6.id}])
    return made


def remove_users(workspace, users: list) -> None:
    names = {u.name for u in users}
    for conn in (workspace.destination, workspace.source):
        for user in conn.identity.users(domain_id='default'):
            if user.name in names:
                conn.identity.delete_user(user, ignore_missing=True)


def print_split(result: dict, sampler: servers_limit.Sampler) -> None:
    types = collections.Counter(result['types'])
    print(f'{result["items"]} items, workers={result["workers"]}: plan '
          f'{result["plan"]:.1f}s, apply {result["apply"]:.1f}s, '
          f'apply+verify {result["run"]:.1f}s')
    for kind, count in sorted(types.items()):
        print(f'  {count:4d}  {kind}')
    servers_limit.print_sample(sampler)
    total = max(sampler.samples, 1)
    own = sum(sampler.kinds[k] for k in OWN)
    clouds = sum(n for k, n in sampler.kinds.items()
                 if k not in OWN and 'semaphore' not in k)
    print(f'summary: waiting on the clouds {100 * clouds / total:.1f} %, '
          f'Pumphouse\'s own work {100 * own / total:.1f} % '
          f'(target < 15 %)')


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workspace = servers_parallel.make_workspace('benchsplit',
                                                '10.204.0.0/24', 0)
    users = []
    try:
        started = time.monotonic()
        users = build(workspace, args.users, args.rules)
        print(f'source project built in {time.monotonic() - started:.1f}s',
              flush=True)
        sampler = servers_limit.Sampler()
        result = servers_parallel.migrate_once(
            workspace, args.workers, None, sampler.observe)
        print_split(result, sampler)
    finally:
        servers_limit.clean_up(
            ('users', lambda: remove_users(workspace, users)),
            ('workspace', workspace.purge))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
