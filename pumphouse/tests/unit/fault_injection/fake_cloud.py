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

"""A small OpenStack cloud on 127.0.0.1: one :class:`~.upstream.Upstream`
per API, as ``tools/minicloud`` lays them out (Keystone at ``/v3``, Nova
at ``/v2.1``, Cinder at ``/v3``, Glance, Neutron and Placement at their
root), answering what openstacksdk asks for a token, version discovery
and a few lists, with absolute URLs that point at themselves."""

import contextlib

from pumphouse.tests.unit.fault_injection import upstream as up

PATHS = {'identity': '/v3', 'compute': '/v2.1', 'image': '',
         'network': '', 'block-storage': '/v3', 'placement': ''}


def _version(vid, me, path, status='CURRENT', **extra):
    return {'id': vid, 'status': status, **extra,
            'links': [{'rel': 'self', 'href': f'{me}{path}/'}]}


def _keystone_routes(cloud):
    def token(me):
        catalog = [{'type': service_type, 'name': service_type,
                    'id': service_type,
                    'endpoints': [{'id': f'{service_type}-{interface}',
                                   'interface': interface,
                                   'region': 'RegionOne',
                                   'region_id': 'RegionOne',
                                   'url': cloud.endpoints[service_type]}
                                  for interface in ('public', 'internal',
                                                    'admin')]}
                   for service_type in PATHS]
        body = {'token': {
            'methods': ['password'],
            'expires_at': '2099-01-01T00:00:00.000000Z',
            'issued_at': '2020-01-01T00:00:00.000000Z',
            'user': {'id': 'u1', 'name': 'admin',
                     'domain': {'id': 'default', 'name': 'Default'}},
            'project': {'id': 'p1', 'name': 'admin',
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': 'r1', 'name': 'admin'}],
            'catalog': catalog}}
        return 201, body, [('X-Subject-Token', 'a-token')]

    v3 = lambda me: _version('v3.14', me, '/v3', status='stable',  # noqa
                             updated='2020-01-01T00:00:00Z')
    return {
        ('GET', '/'): lambda me: (300, {'versions': {'values': [v3(me)]}}),
        ('GET', '/v3'): lambda me: (200, {'version': v3(me)}),
        ('GET', '/v3/'): lambda me: (200, {'version': v3(me)}),
        ('POST', '/v3/auth/tokens'): token,
        ('GET', '/v3/projects'): lambda me: (200, {
            'projects': [], 'links': {'self': f'{me}/v3/projects',
                                      'next': None, 'previous': None}}),
    }


def _nova_routes():
    def version(me):
        return _version('v2.1', me, '/v2.1', version='2.95',
                        min_version='2.1', updated='2013-07-23T11:33:21Z')
    return {
        ('GET', '/'): lambda me: (200, {'versions': [version(me)]}),
        ('GET', '/v2.1'): lambda me: (200, {'version': version(me)}),
        ('GET', '/v2.1/'): lambda me: (200, {'version': version(me)}),
        ('GET', '/v2.1/servers/detail'): lambda me: (200, {'servers': [{
            'id': 's1', 'name': 'one', 'status': 'ACTIVE',
            'links': [{'rel': 'self', 'href': f'{me}/v2.1/servers/s1'}]}
        ]}),
        ('GET', '/v2.1/flavors/detail'): lambda me: (200, {'flavors': []}),
    }


def _glance_routes():
    def versions(me):
        return {'versions': [_version('v2.15', me, '/v2'),
                             _version('v2.9', me, '/v2',
                                      status='SUPPORTED')]}
    return {
        ('GET', '/'): lambda me: (300, versions(me)),
        ('GET', '/versions'): lambda me: (200, versions(me)),
        ('GET', '/v2/images'): lambda me: (200, {
            'images': [{'id': 'i1', 'name': 'img', 'status': 'active',
                        'self': '/v2/images/i1',
                        'file': '/v2/images/i1/file'}],
            'first': '/v2/images', 'schema': '/v2/schemas/images'}),
    }


def _neutron_routes():
    return {
        ('GET', '/'): lambda me: (200, {'versions': [
            _version('v2.0', me, '/v2.0')]}),
        ('GET', '/v2.0/networks'): lambda me: (200, {'networks': [{
            'id': 'n1', 'name': 'net'}], 'networks_links': [
            {'rel': 'next', 'href': f'{me}/v2.0/networks?marker=n1'}]}),
        ('GET', '/v2.0/networks?marker=n1'): lambda me: (200, {
            'networks': [], 'networks_links': []}),
        ('GET', '/v2.0/extensions'): lambda me: (200, {'extensions': [
            {'alias': 'router', 'name': 'Router'}]}),
    }


def _cinder_routes():
    def version(me):
        return _version('v3.0', me, '/v3', version='3.71',
                        min_version='3.0', updated='2023-08-31T00:00:00Z')
    return {
        ('GET', '/'): lambda me: (300, {'versions': [version(me)]}),
        ('GET', '/v3'): lambda me: (200, {'versions': [version(me)]}),
        ('GET', '/v3/'): lambda me: (200, {'versions': [version(me)]}),
        ('GET', '/v3/volumes/detail'): lambda me: (200, {'volumes': []}),
    }


def _placement_routes():
    return {
        ('GET', '/'): lambda me: (200, {'versions': [{
            'id': 'v1.0', 'max_version': '1.39', 'min_version': '1.0',
            'status': 'CURRENT', 'links': [{'rel': 'self', 'href': ''}]}]}),
        ('GET', '/resource_providers'): lambda me: (200, {
            'resource_providers': []}),
    }


class FakeCloud:
    """The servers of one cloud; ``endpoints`` by service type."""

    def __init__(self) -> None:
        self.endpoints: dict[str, str] = {}
        routes = {'identity': _keystone_routes(self),
                  'compute': _nova_routes(), 'image': _glance_routes(),
                  'network': _neutron_routes(),
                  'block-storage': _cinder_routes(),
                  'placement': _placement_routes()}
        self.servers = {service_type: up.Upstream(routes=r)
                        for service_type, r in routes.items()}
        for service_type, server in self.servers.items():
            self.endpoints[service_type] = server.url + PATHS[service_type]
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> 'FakeCloud':
        for server in self.servers.values():
            self._stack.enter_context(server)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def requests(self) -> dict[str, list[tuple[str, str]]]:
        """What each API got, by service type."""
        return {service_type: list(server.requests)
                for service_type, server in self.servers.items()}

    def entry(self) -> dict:
        """Its clouds.yaml entry."""
        return {'auth_type': 'password',
                'auth': {'auth_url': self.endpoints['identity'],
                         'username': 'admin', 'password': 'secret',
                         'project_name': 'admin',
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': 'RegionOne', 'identity_api_version': '3',
                'interface': 'public'}
