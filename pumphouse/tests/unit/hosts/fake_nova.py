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

"""A small source cloud for the host steps' unit tests: the Nova,
Placement and Cinder REST calls of :mod:`pumphouse.hosts.nova`, answered
from plain data.

Moves take effect at once. A live or cold migration to a host named in
``refuse`` fails the way Nova 2.84 records it: a migration in ``error``,
an instance action whose event has ``details`` and a traceback, and the
server stays where it was.
"""

import itertools
import json
import re
import urllib.parse

NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')


class Response:
    """What :func:`openstack.exceptions.raise_from_response` and the
    callers read of a response."""

    def __init__(self, status_code: int, body=None) -> None:
        self.status_code = status_code
        self._body = body
        self.content = json.dumps(body).encode() if body is not None else b''
        self.headers = {'content-type': 'application/json'}
        self.reason = 'fake'
        self.text = self.content.decode()
        self.url = 'http://fake'
        self.request = None

    def json(self):
        return self._body


class Service:
    """One service's endpoint: routes a request to the cloud."""

    def __init__(self, cloud: 'FakeCloud', name: str) -> None:
        self.cloud = cloud
        self.name = name

    def _call(self, method: str, path: str, params=None, json=None,
              microversion=None) -> Response:
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        query.update({k: str(v) for k, v in (params or {}).items()})
        self.cloud.requests.append((self.name, method, parsed.path, query,
                                    json, microversion))
        return self.cloud.route(self.name, method, parsed.path, query, json)

    def get(self, path, params=None, microversion=None, **_kw):
        return self._call('GET', path, params, None, microversion)

    def post(self, path, json=None, microversion=None, **_kw):
        return self._call('POST', path, None, json, microversion)

    def put(self, path, json=None, microversion=None, **_kw):
        return self._call('PUT', path, None, json, microversion)

    def delete(self, path, microversion=None, **_kw):
        return self._call('DELETE', path, None, None, microversion)


def inventories(vcpu=8, memory=8192, disk=100, ratio=1.0) -> dict:
    return {rc: {'total': total, 'reserved': 0, 'allocation_ratio': ratio,
                 'max_unit': total}
            for rc, total in (('VCPU', vcpu), ('MEMORY_MB', memory),
                              ('DISK_GB', disk))}


class FakeCloud:
    """Compute hosts, servers, groups and Placement of one cloud."""

    def __init__(self) -> None:
        self.compute = Service(self, 'compute')
        self.placement = Service(self, 'placement')
        self.block_storage = Service(self, 'block-storage')
        self.requests: list[tuple] = []
        self.hosts: dict[str, dict] = {}
        self.servers: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}
        self.volumes: dict[str, dict] = {}
        self.migrations: list[dict] = []
        self.actions: dict[str, list[dict]] = {}
        #: Hosts Nova refuses to move servers to (NoValidHost).
        self.refuse: set[str] = set()
        self._ids = itertools.count(1)

    # -- building ------------------------------------------------------------
    def add_host(self, name: str, status: str = 'enabled',
                 state: str = 'up', zone: str = 'nova', **inventory) -> None:
        self.hosts[name] = {
            'service': {'id': f'svc-{name}', 'host': name,
                        'binary': 'nova-compute', 'status': status,
                        'state': state, 'zone': zone,
                        'disabled_reason': None},
            'rp': f'rp-{name}', 'inventories': inventories(**inventory)}

    def add_server(self, ident: str, host: str, status: str = 'ACTIVE',
                   vcpu: int = 1, memory: int = 512, disk: int = 1,
                   group: str | None = None, volumes=(), **extra) -> dict:
        server = dict({
            'id': ident, 'name': f'vm-{ident}', 'status': status,
            'OS-EXT-SRV-ATTR:host': host, 'OS-EXT-STS:task_state': None,
            'OS-EXT-AZ:availability_zone': self.hosts[host]['service'][
                'zone'],
            'pinned_availability_zone': None,
            'flavor': {'vcpus': vcpu, 'ram': memory, 'disk': disk,
                       'ephemeral': 0, 'swap': 0},
            'image': {'id': 'img'},
            'os-extended-volumes:volumes_attached': [
                {'id': v} for v in volumes],
            '_use': {'VCPU': vcpu, 'MEMORY_MB': memory, 'DISK_GB': disk},
        }, **extra)
        self.servers[ident] = server
        if group:
            self.groups[group]['members'].append(ident)
        return server

    def add_group(self, ident: str, policy: str, **rules) -> None:
        self.groups[ident] = {'id': ident, 'name': f'group-{ident}',
                              'policy': policy, 'rules': rules,
                              'members': [], 'project_id': 'p'}

    def usage(self, host: str) -> dict:
        used: dict[str, int] = {}
        for server in self.servers.values():
            if server['OS-EXT-SRV-ATTR:host'] == host:
                for rc, amount in server['_use'].items():
                    used[rc] = used.get(rc, 0) + amount
        return used

    # -- answering ---------------------------------------------------------
    def route(self, service: str, method: str, path: str, query: dict,
              body) -> Response:
        for pattern, handler in self._routes():
            if pattern[0] != service or pattern[1] != method:
                continue
            match = re.fullmatch(pattern[2], path)
            if match:
                return handler(query, body, *match.groups())
        return Response(404, {'itemNotFound': {'message': path}})

    def _routes(self):
        return [
            (('compute', 'GET', r'/os-services'), self._services),
            (('compute', 'PUT', r'/os-services/svc-(.+)'),
             self._set_service),
            (('compute', 'GET', r'/os-hypervisors/detail'),
             self._hypervisors),
            (('compute', 'GET', r'/servers/detail'), self._servers),
            (('compute', 'GET', r'/servers/([^/]+)'), self._server),
            (('compute', 'POST', r'/servers/([^/]+)/action'), self._action),
            (('compute', 'GET', r'/servers/([^/]+)/os-instance-actions'),
             self._instance_actions),
            (('compute', 'GET',
              r'/servers/([^/]+)/os-instance-actions/([^/]+)'),
             self._instance_action),
            (('compute', 'GET', r'/os-server-groups'), self._groups),
            (('compute', 'GET', r'/os-migrations'), self._migrations),
            (('placement', 'GET', r'/resource_providers/rp-(.+)/inventories'),
             lambda q, b, h: Response(200, {'inventories': self.hosts[h][
                 'inventories']})),
            (('placement', 'GET', r'/resource_providers/rp-(.+)/usages'),
             lambda q, b, h: Response(200, {'usages': self.usage(h)})),
            (('placement', 'GET', r'/allocations/([^/]+)'),
             self._allocations),
            (('block-storage', 'GET', r'/volumes/([^/]+)'),
             lambda q, b, v: Response(200, {'volume': self.volumes[v]})
             if v in self.volumes else Response(404, {})),
        ]

    def _services(self, query, body):
        return Response(200, {'services': [
            h['service'] for n, h in sorted(self.hosts.items())
            if 'host' not in query or query['host'] == n]})

    def _set_service(self, query, body, name):
        service = self.hosts[name]['service']
        service['status'] = body['status']
        service['disabled_reason'] = body.get('disabled_reason')
        return Response(200, {'service': service})

    def _hypervisors(self, query, body):
        return Response(200, {'hypervisors': [
            {'id': h['rp'], 'hypervisor_hostname': n,
             'service': {'host': n}} for n, h in sorted(self.hosts.items())]})

    def _view(self, server: dict) -> dict:
        return {k: v for k, v in server.items() if not k.startswith('_')}

    def _servers(self, query, body):
        found = [self._view(s) for _i, s in sorted(self.servers.items())
                 if s['OS-EXT-SRV-ATTR:host'] == query.get('host')]
        return Response(200, {'servers': found})

    def _server(self, query, body, ident):
        if ident not in self.servers:
            return Response(404, {})
        return Response(200, {'server': self._view(self.servers[ident])})

    def _groups(self, query, body):
        return Response(200, {'server_groups': [
            dict(g) for _i, g in sorted(self.groups.items())]})

    def _allocations(self, query, body, ident):
        server = self.servers.get(ident)
        if server is None:
            return Response(200, {'allocations': {}})
        rp = self.hosts[server['OS-EXT-SRV-ATTR:host']]['rp']
        return Response(200, {'allocations': {
            rp: {'resources': dict(server['_use'])}}})

    def _migrations(self, query, body):
        found = [m for m in self.migrations
                 if all(str(m.get(k)) == v for k, v in query.items()
                        if k in ('instance_uuid', 'status'))
                 and ('host' not in query or query['host'] in (
                     m['source_compute'], m['dest_compute']))]
        return Response(200, {'migrations': found})

    def _instance_actions(self, query, body, ident):
        return Response(200, {'instanceActions': [
            {k: v for k, v in a.items() if k != 'events'}
            for a in self.actions.get(ident, [])]})

    def _instance_action(self, query, body, ident, request_id):
        action = next(a for a in self.actions.get(ident, [])
                      if a['request_id'] == request_id)
        return Response(200, {'instanceAction': action})

    def _record(self, server: dict, action: str, events: list) -> None:
        number = next(self._ids)
        self.actions.setdefault(server['id'], []).append({
            'action': action, 'request_id': f'req-{number}',
            'start_time': f'2026-12-15T00:00:{number:02d}',
            'message': 'Error' if any(e['result'] == 'Error'
                                      for e in events) else None,
            'events': events})

    def _move(self, server: dict, host: str | None, kind: str) -> None:
        source = server['OS-EXT-SRV-ATTR:host']
        if host is None:
            host = next((n for n, h in sorted(self.hosts.items())
                         if n != source and n not in self.refuse and
                         h['service']['status'] == 'enabled'), None)
        action = 'live-migration' if kind == 'live-migration' else 'migrate'
        number = next(self._ids)
        if host is None or host in self.refuse:
            self.migrations.append({
                'id': number, 'instance_uuid': server['id'],
                'migration_type': kind, 'status': 'error',
                'source_compute': source, 'dest_compute': host})
            event = ('conductor_live_migrate_instance'
                     if kind == 'live-migration'
                     else 'conductor_migrate_server')
            self._record(server, action, [{
                'event': event, 'result': 'Error',
                'details': NO_VALID_HOST,
                'traceback': 'Traceback (most recent call last):\n  ...\n'
                             f'nova.exception.NoValidHost: {NO_VALID_HOST}'
                             '\n'}])
            return
        self.migrations.append({
            'id': number, 'instance_uuid': server['id'],
            'migration_type': kind,
            'status': 'completed' if kind == 'live-migration'
            else 'finished', 'source_compute': source, 'dest_compute': host})
        self._record(server, action, [])
        server['OS-EXT-SRV-ATTR:host'] = host
        if kind == 'migration':
            server['_before_resize'] = server['status']
            server['status'] = 'VERIFY_RESIZE'

    def _action(self, query, body, ident):
        server = self.servers[ident]
        [(name, args)] = body.items()
        if name == 'os-migrateLive':
            if server['status'] not in ('ACTIVE', 'PAUSED'):
                return Response(409, {'conflictingRequest': {
                    'message': f'Cannot live-migrate while it is '
                               f'{server["status"]}'}})
            self._move(server, args.get('host'), 'live-migration')
        elif name == 'migrate':
            self._move(server, (args or {}).get('host'), 'migration')
        elif name == 'confirmResize':
            server['status'] = server.pop('_before_resize')
            for migration in self.migrations:
                if migration['instance_uuid'] == ident and \
                        migration['status'] == 'finished':
                    migration['status'] = 'confirmed'
        elif name == 'suspend':
            server['status'] = 'SUSPENDED'
        elif name == 'resume':
            server['status'] = 'ACTIVE'
        else:
            return Response(400, {'badRequest': {'message': name}})
        return Response(202)
