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

"""Benchmark: Pumphouse's apply time against the clouds' own limit.

Runs by hand against the two harness clouds (``tools/minicloud``)::

    .tox/functional/bin/python tools/bench/servers_limit.py
    .tox/functional/bin/python tools/bench/servers_limit.py --servers 8 \\
        --workers 4 --max-servers-per-host 2 --sample

It builds the source project of ``servers_parallel.py`` (``--servers``
tiny servers, default 24, booted by the project's member with its
keypair) and, in one run:

1. migrates it with Pumphouse in this process (``--workers``, default 8;
   ``cutover keep``) and takes the apply time (between the engine's two
   ``apply`` events) and the per-step times of the server path (the
   bench wraps the path's functions with timers, and reads the events);
2. removes the destination copies of the servers and their ports, and
   keeps the rest of the migrated project (network, subnet, users,
   keypair, flavor, image);
3. makes, outside any timing, a destination user with the ``member``
   role on the migrated project and a copy of the keypair (one user for
   every server: Pumphouse makes one per server, inside its time);
4. does, with plain openstacksdk calls on a ``ThreadPoolExecutor`` of
   ``--workers`` threads, what a server's migration needs of the clouds,
   for every source server: create its destination port (same MAC and
   fixed IP in the migrated network), then, holding the semaphore of the
   server's source host (``[conductor] max_servers_per_host``, as
   Pumphouse does), suspend it and wait for SUSPENDED, boot the copy as
   that user (same flavor, image, key name, port and metadata as
   Pumphouse's request) and wait for ACTIVE; then resume the source and
   wait for ACTIVE. The waits poll every ``--poll`` seconds (default
   0.5). That is the *bare limit*; it is done a second time without the
   per-host semaphores (the copies and ports removed in between).

Pumphouse makes the ports as plan items of their own before the servers
that need them, outside the per-host bound, and resumes the source after
the bound is released (the cutover): the bare run does the same, so the
two differ only in what Pumphouse adds.

Prints the apply time, the bare times, the ratio, the per-server medians
of each bare step and of Pumphouse's steps, and (``--sample``) where
Pumphouse's workers spent their time inside the items (a wall-clock
sample of their stacks every 10 ms). Everything is removed from both
clouds at the end, also after a failure; every wait is bounded.
"""

import argparse
import collections
import concurrent.futures
import contextlib
import functools
import re
import secrets
import statistics
import sys
import threading
import time

import servers_parallel  # the bench's own folder is on sys.path

from pumphouse.drivers.resources.compute import server_boot  # noqa: E402
from pumphouse.drivers.resources.compute import server_path  # noqa: E402
from pumphouse.drivers.resources.compute import server_quiesce  # noqa
from pumphouse.drivers.resources.compute import server_state  # noqa: E402
from pumphouse.drivers.resources.network import port as port_mod  # noqa

#: Seconds any wait of the bare run may take.
WAIT_TIMEOUT = 300


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--servers', type=int, default=24)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--max-servers-per-host', type=int, default=None,
                        help='[conductor] max_servers_per_host for both '
                             'runs (default: the option\'s default)')
    parser.add_argument('--poll', type=float, default=0.5,
                        help='seconds between two polls of the bare run')
    parser.add_argument('--sample', action='store_true',
                        help='sample the stacks of Pumphouse\'s workers')
    parser.add_argument('--no-unbounded', action='store_true',
                        help='skip the bare run without per-host bound')
    return parser.parse_args(argv)


# -- Pumphouse's side: step timers and a stack sampler -----------------------

class StepTimer:
    """Times the functions of the server path while a run is observed.

    Each wrapped call records its duration under the names of the calls
    it runs in (``server/boot/wait ACTIVE``), per thread.
    """

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.polls: dict[str, list[int]] = collections.defaultdict(list)
        self._local = threading.local()
        self._lock = threading.Lock()

    def _stack(self) -> list[str]:
        if not hasattr(self._local, 'stack'):
            self._local.stack = []
        return self._local.stack

    @contextlib.contextmanager
    def step(self, name: str):
        stack = self._stack()
        stack.append(name)
        key = '/'.join(stack)
        started = time.monotonic()
        try:
            yield key
        finally:
            elapsed = time.monotonic() - started
            stack.pop()
            with self._lock:
                self.times[key].append(elapsed)

    def wrap(self, owner, attr: str, name, patches: list) -> None:
        original = getattr(owner, attr)
        timer = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            label = name(*args, **kwargs) if callable(name) else name
            with timer.step(label):
                return original(*args, **kwargs)

        patches.append((owner, attr, original))
        setattr(owner, attr, timed)

    def wrap_poll(self, patches: list) -> None:
        """Count the polls of each wait."""
        original = server_state.poll
        timer = self

        def poll(check, timeout, on_timeout):
            count = [0]

            def counted():
                count[0] += 1
                return check()
            try:
                return original(counted, timeout, on_timeout)
            finally:
                key = '/'.join(timer._stack())
                with timer._lock:
                    timer.polls[key].append(count[0])

        patches.append((server_state, 'poll', original))
        server_state.poll = poll

    def wrap_semaphore(self, patches: list) -> None:
        """Time the wait for the source host's turn (the run's semaphore
        and the deployment's turn in the database)."""
        original = server_path.host_semaphore
        timer = self

        @contextlib.contextmanager
        def host_semaphore(ctx, resource):
            with contextlib.ExitStack() as stack:
                with timer.step('host semaphore wait'):
                    turn = stack.enter_context(original(ctx, resource))
                yield turn

        patches.append((server_path, 'host_semaphore', original))
        server_path.host_semaphore = host_semaphore

    @contextlib.contextmanager
    def observe(self):
        patches: list = []
        self.wrap(port_mod.PortDriver, 'create', 'port', patches)
        self.wrap(server_path, 'migrate', 'server', patches)
        self.wrap(server_quiesce, 'quiesce', 'suspend', patches)
        self.wrap(server_path, '_boot', 'boot', patches)
        self.wrap(server_boot.BootUser, '_create', 'boot user', patches)
        self.wrap(server_boot, 'remove_users_named', 'remove boot user',
                  patches)
        self.wrap(server_path, '_finish', 'check', patches)
        self.wrap(server_path, 'after_create', 'cutover', patches)
        self.wrap(server_quiesce, 'bring_back', 'resume', patches)
        self.wrap(server_state, 'wait_for_status',
                  lambda conn, sid, wanted, *a, **k: f'wait {wanted}',
                  patches)
        self.wrap(server_state, 'settled', 'settled', patches)
        self.wrap_poll(patches)
        self.wrap_semaphore(patches)
        try:
            yield
        finally:
            for owner, attr, original in reversed(patches):
                setattr(owner, attr, original)


Frame = collections.namedtuple('Frame', 'filename name lineno')


class Sampler:
    """Samples the stacks of the threads working on plan items."""

    INTERVAL = 0.01

    def __init__(self) -> None:
        self.places: collections.Counter = collections.Counter()
        self.kinds: collections.Counter = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @contextlib.contextmanager
    def observe(self):
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.INTERVAL):
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._take(_frames(frame))

    def _take(self, stack: list[Frame]) -> None:
        if not any(f.filename.endswith('pumphouse/engine/apply.py') and
                   f.name == '_run' for f in stack):
            return  # not inside a plan item
        self.samples += 1
        ours = [f for f in stack if '/pumphouse/' in f.filename
                and '/tests/' not in f.filename]
        inner, leaf = ours[-1], stack[-1]
        place = (f'{_short(inner.filename)}:{inner.name}:{inner.lineno}'
                 f' -> {_short(leaf.filename)}:{leaf.name}')
        self.places[place] += 1
        self.kinds[_kind(stack, inner, leaf)] += 1


def _frames(frame) -> list[Frame]:
    """A thread's stack, outermost first (no source lines read)."""
    found = []
    while frame is not None:
        code = frame.f_code
        found.append(Frame(code.co_filename, code.co_name, frame.f_lineno))
        frame = frame.f_back
    found.reverse()
    return found


def _short(filename: str) -> str:
    found = re.search(r'(pumphouse/.*|site-packages/.*|python3[^/]*/.*)',
                      filename)
    return found.group(1) if found else filename


def _kind(stack: list[Frame], inner: Frame, leaf: Frame) -> str:
    files = [f.filename for f in stack]
    if inner.name == 'poll' and leaf is inner:
        return 'sleeping between polls'
    if leaf.filename.endswith('threading.py') and any(
            f.name in ('host_semaphore', 'semaphore', 'quiesce')
            for f in stack):
        return 'waiting for a semaphore'
    if any(x in f for f in files for x in ('/sqlalchemy/', '/oslo_db/',
                                            'pumphouse/db/')):
        return 'database'
    if any(x in f for f in files for x in ('/requests/', '/urllib3/',
                                            '/http/client.py',
                                            '/keystoneauth1/')):
        return 'HTTP requests to the clouds'
    return 'other (Python work in the engine and SDK)'


# -- the bare run ------------------------------------------------------------

class Bare:
    """The bare limit: plain SDK calls, the same concurrency."""

    def __init__(self, workspace, poll: float) -> None:
        self.ws = workspace
        self.poll = poll
        source, dest = workspace.source, workspace.destination
        self.source, self.dest = source, dest
        self.project = workspace.destination_project()
        if self.project is None:
            raise SystemExit('the migrated project is not in the '
                             'destination')
        self.network = _one(dest.network.networks(
            name=workspace.network.name, project_id=self.project.id))
        self.subnet = _one(dest.network.subnets(
            name=workspace.subnet.name, network_id=self.network.id))
        self.flavor = _one(f for f in dest.compute.flavors(is_public=None)
                           if f.name == workspace.flavor.name)
        self.image = _one(dest.image.images(name=workspace.image.name))
        groups = {g.name: g.id for g in dest.network.security_groups(
            project_id=self.project.id)}
        self.servers = []
        for server in source.compute.servers(all_projects=True,
                                             project_id=workspace.project.id):
            ports = list(source.network.ports(device_id=server.id))
            if len(ports) != 1:
                raise SystemExit(f'server {server.id} has {len(ports)} '
                                 'ports, not 1')
            port = ports[0]
            names = [source.network.get_security_group(g).name
                     for g in port.security_group_ids]
            self.servers.append({
                'id': server.id, 'name': server.name,
                'host': server.compute_host,
                'mac': port.mac_address,
                'ip': port.fixed_ips[0]['ip_address'],
                'port_name': port.name,
                'groups': [groups[n] for n in names if n in groups]})
        self.user = None
        self.conn = None

    def set_up_user(self) -> None:
        """A member of the destination project owning a copy of the
        keypair, and a connection as that user (not timed)."""
        dest = self.dest
        password = secrets.token_urlsafe(24)
        self.user = dest.identity.create_user(
            name=self.ws.name('bareboot'), domain_id='default',
            password=password)
        dest.identity.assign_project_role_to_user(
            self.project, self.user, dest.identity.find_role('member'))
        dest.compute.create_keypair(name=self.ws.keypair.name,
                                    user_id=self.user.id,
                                    public_key=self.ws.public_key)
        self.conn = dest.connect_as(
            username=self.user.name, password=password,
            user_domain_id='default', project_id=self.project.id)

    def remove_user(self) -> None:
        if self.user is None:
            return
        for keypair in self.dest.compute.keypairs(user_id=self.user.id):
            self.dest.compute.delete_keypair(keypair.name,
                                             user_id=self.user.id)
        self.dest.identity.delete_user(self.user, ignore_missing=True)
        self.user = None

    def wait(self, conn, server_id: str, wanted: str) -> None:
        deadline = time.monotonic() + WAIT_TIMEOUT
        while True:
            server = conn.compute.get_server(server_id)
            if server.status == 'ERROR':
                raise RuntimeError(f'{server_id} went to ERROR: '
                                   f'{server.fault}')
            if server.status == wanted and not server.task_state:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f'{server_id} not {wanted} within '
                                   f'{WAIT_TIMEOUT}s ({server.status})')
            time.sleep(self.poll)

    def one(self, server: dict, semaphores: dict | None) -> dict:
        steps = {}
        started = time.monotonic()

        def mark(name: str) -> None:
            nonlocal started
            now = time.monotonic()
            steps[name] = now - started
            started = now

        dest, source = self.dest, self.source
        port = dest.network.create_port(
            network_id=self.network.id, project_id=self.project.id,
            name=server['port_name'], mac_address=server['mac'],
            fixed_ips=[{'subnet_id': self.subnet.id,
                        'ip_address': server['ip']}],
            security_group_ids=server['groups'])
        mark('port')
        bound = (semaphores[server['host']] if semaphores is not None
                 else contextlib.nullcontext())
        with bound:
            mark('host semaphore wait')
            source.compute.suspend_server(server['id'])
            self.wait(source, server['id'], 'SUSPENDED')
            mark('suspend')
            copy = self.conn.compute.create_server(
                name=server['name'], flavor_id=self.flavor.id,
                image_id=self.image.id, key_name=self.ws.keypair.name,
                networks=[{'port': port.id}],
                metadata={server_state.SOURCE_ID_KEY: server['id'],
                          server_state.SOURCE_STATUS_KEY: 'ACTIVE'})
            mark('boot call')
            self.wait(dest, copy.id, 'ACTIVE')
            mark('wait ACTIVE')
        source.compute.resume_server(server['id'])
        self.wait(source, server['id'], 'ACTIVE')
        mark('resume')
        steps['total'] = sum(steps.values())
        return steps

    def run(self, workers: int, per_host: int | None) -> dict:
        semaphores = None
        if per_host is not None:
            semaphores = collections.defaultdict(
                lambda: threading.BoundedSemaphore(per_host))
            for server in self.servers:
                semaphores[server['host']]  # noqa: B018 - made up front
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(self.one, s, semaphores)
                       for s in self.servers]
            steps = [f.result() for f in futures]
        return {'seconds': time.monotonic() - started, 'steps': steps}

    def remove_copies(self) -> float:
        """Delete the destination servers of the project and their ports
        (the rest of the migrated project stays)."""
        started = time.monotonic()
        dest = self.dest
        servers = list(dest.compute.servers(all_projects=True,
                                            project_id=self.project.id))
        for server in servers:
            dest.compute.delete_server(server, ignore_missing=True)
        for server in servers:
            dest.compute.wait_for_delete(server, wait=WAIT_TIMEOUT)
        for port in dest.network.ports(project_id=self.project.id):
            if (port.device_owner or '').startswith('compute:') or \
                    not port.device_owner:
                dest.network.delete_port(port, ignore_missing=True)
        return time.monotonic() - started


def _one(found):
    found = list(found)
    if len(found) != 1:
        raise SystemExit(f'expected one, found {len(found)}: {found}')
    return found[0]


# -- the figures ----------------------------------------------------------

def medians(rows: list[dict]) -> dict[str, float]:
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return {k: statistics.median(r[k] for r in rows if k in r)
            for k in keys}


def print_bare(label: str, result: dict) -> None:
    print(f'bare {label}: {result["seconds"]:.1f}s; per-server medians: '
          + ', '.join(f'{k} {v:.2f}s'
                      for k, v in medians(result['steps']).items()),
          flush=True)


def print_pumphouse(result: dict, timer: StepTimer, servers: int) -> None:
    print(f'pumphouse: {result["items"]} items ({result["servers"]} '
          f'servers), plan {result["plan"]:.1f}s, apply '
          f'{result["apply"]:.1f}s, apply+verify {result["run"]:.1f}s',
          flush=True)
    print('pumphouse per-server steps (calls, median, total seconds; '
          'nested steps under their caller):')
    for key in sorted(timer.times, key=_step_order):
        values = timer.times[key]
        polls = timer.polls.get(key)
        extra = (f', polls median {statistics.median(polls):g}'
                 if polls else '')
        print(f'  {key:<40} {len(values):>4} {statistics.median(values):7.2f}'
              f' {sum(values):8.1f}{extra}')
    events = result['events']
    start = result['apply_started']
    firsts = {}
    for at, kind, _, _ in events:
        firsts.setdefault(kind, at - start)
    print('pumphouse events, first of each type after the apply started: '
          + ', '.join(f'{k} {v:.1f}s' for k, v in sorted(
              firsts.items(), key=lambda kv: kv[1])))
    print('pumphouse items by type, seconds after the apply started '
          '(first event, last done):')
    for kind, first, last, count in _type_spans(events, start):
        print(f'  {kind:<34} {count:>4} {first:7.1f} {last:7.1f}')
    per_server = _event_steps(events)
    if per_server:
        print('pumphouse per-server event gaps (medians): '
              + ', '.join(f'{k} {v:.2f}s'
                          for k, v in medians(per_server).items()))


def _step_order(key: str):
    order = ['port', 'server', 'cutover']
    top = key.split('/')[0]
    return (order.index(top) if top in order else len(order), key)


def _type_spans(events, start: float) -> list[tuple]:
    """``(type, first event, last done, items)`` per resource type, in
    the order their first events came: what ran before the first
    server was suspended."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    items: dict[str, set] = collections.defaultdict(set)
    for at, kind, message, _ in events:
        found = re.match(r'([a-z_]+\.[a-z_]+) (\S+): ', message)
        if not found:
            continue
        rtype = found.group(1)
        first.setdefault(rtype, at - start)
        items[rtype].add(found.group(2))
        if kind == 'done':
            last[rtype] = at - start
    return sorted(((t, first[t], last.get(t, float('nan')), len(items[t]))
                   for t in first), key=lambda row: row[1])


def _event_steps(events) -> list[dict]:
    """quiesced -> booted -> restored -> done of each server, from the
    events' time stamps."""
    seen: dict[str, dict] = collections.defaultdict(dict)
    for at, kind, message, _ in events:
        found = re.match(r'compute\.server (\S+): ', message)
        if found and kind in ('quiesced', 'booted', 'restored', 'done'):
            seen[found.group(1)].setdefault(kind, at)
    rows = []
    for marks in seen.values():
        if all(k in marks for k in ('quiesced', 'booted', 'restored',
                                    'done')):
            rows.append({
                'suspended -> booted (boot user, boot, wait ACTIVE)':
                    marks['booted'] - marks['quiesced'],
                'booted -> restored (check, resume)':
                    marks['restored'] - marks['booted'],
                'restored -> done': marks['done'] - marks['restored']})
    return rows


def print_sample(sampler: Sampler) -> None:
    total = max(sampler.samples, 1)
    print(f'where Pumphouse\'s workers were inside items '
          f'({sampler.samples} samples every '
          f'{sampler.INTERVAL * 1000:.0f} ms):')
    for kind, n in sampler.kinds.most_common():
        print(f'  {100 * n / total:5.1f} %  {kind}')
    print('  top places (innermost Pumphouse frame -> innermost frame):')
    for place, n in sampler.places.most_common(15):
        print(f'  {100 * n / total:5.1f} %  {place}')


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    count = args.servers
    workspace = servers_parallel.make_workspace('benchlim', '10.203.0.0/22',
                                                count)
    bare = None
    try:
        servers_parallel.boot_all(workspace, count)
        timer = StepTimer()
        sampler = Sampler() if args.sample else None

        @contextlib.contextmanager
        def observe():
            with timer.observe(), (sampler.observe() if sampler
                                   else contextlib.nullcontext()):
                yield

        ours = servers_parallel.migrate_once(
            workspace, args.workers, args.max_servers_per_host, observe)
        per_host = ours['per_host']
        print_pumphouse(ours, timer, count)
        if sampler is not None:
            print_sample(sampler)
        bare = Bare(workspace, args.poll)
        print(f'removed the destination copies in '
              f'{bare.remove_copies():.1f}s', flush=True)
        started = time.monotonic()
        bare.set_up_user()
        print(f'bare boot user and keypair made once (not timed) in '
              f'{time.monotonic() - started:.1f}s', flush=True)
        bounded = bare.run(args.workers, per_host)
        print_bare(f'workers={args.workers} max_servers_per_host='
                   f'{per_host}', bounded)
        bare.remove_copies()
        free = None
        if not args.no_unbounded:
            free = bare.run(args.workers, None)
            print_bare(f'workers={args.workers} no per-host bound', free)
            bare.remove_copies()
        hosts = collections.Counter(s['host'] for s in bare.servers)
        print(f'summary: {count} servers on {len(hosts)} source hosts, '
              f'workers={args.workers}, max_servers_per_host={per_host}')
        print(f'  pumphouse apply      {ours["apply"]:7.1f}s')
        print(f'  bare, per-host bound {bounded["seconds"]:7.1f}s   '
              f'ratio {ours["apply"] / bounded["seconds"]:.2f}')
        if free is not None:
            print(f'  bare, no bound       {free["seconds"]:7.1f}s   '
                  f'ratio {ours["apply"] / free["seconds"]:.2f}')
    finally:
        clean_up(('bare user', lambda: bare and bare.remove_user()),
                 ('workspace', workspace.purge))
    return 0


def clean_up(*steps) -> None:
    """Run every ``(what, step)``; a failed one is reported and the
    next ones still run."""
    for what, step in steps:
        try:
            step()
        except Exception as e:  # noqa: BLE001 - report, keep going
            print(f'clean-up of the {what} failed: {e}', file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
