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

"""A ``pumphouse serve`` of its own to fuzz the API: embedded defaults
(SQLite, in-process RPC, noauth on 127.0.0.1), its own state directory
and free port, and no cloud harness.

The clouds it knows answer nowhere (their Keystone is a free port nothing
listens on, and so is the HTTP proxy of the service): whatever reads a
cloud fails at once, and nothing leaves the machine whatever URL the
fuzzer registers. The clouds, and a host's BMC, hold a known secret that
no response may show.
"""

import contextlib
import dataclasses
import pathlib
import re
import uuid
from collections.abc import Iterator

import requests
import yaml

from pumphouse.tests.functional import fixtures

LATEST = {'OpenStack-API-Version': 'migration latest'}
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|'
                       r'File "[^"]+\.py", line \d+')


@dataclasses.dataclass
class Target:
    """The API under test and what was made in it before fuzzing."""

    url: str
    process: fixtures.Process
    secret: str
    #: The Keystone of every cloud: a free port nothing listens on.
    keystone: str
    clouds: list[str] = dataclasses.field(default_factory=list)
    hosts: list[str] = dataclasses.field(default_factory=list)
    migrations: list[str] = dataclasses.field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.rsplit('/', 1)[-1].split(':')
        return host, int(port)

    def create(self, path: str, body: dict) -> dict:
        response = requests.post(self.url + path, json=body, headers=LATEST,
                                 timeout=30)
        assert response.status_code in (201, 202), response.text
        return response.json()

    def log(self) -> str:
        return self.process.output()


def problems(text: str, secret: str) -> list[str]:
    """What a response (or a log) must not hold, found in ``text``."""
    found = []
    if TRACEBACK.search(text):
        found.append('a traceback')
    if secret in text:
        found.append('the secret')
    return found


def _seed(target: Target, dead_port: int) -> None:
    for name in ('fuzz-source', 'fuzz-destination'):
        cloud = target.create('/v1/clouds', {
            'name': name, 'description': 'no Keystone answers there',
            'auth': {'auth_url': target.keystone, 'username': 'admin',
                     'password': target.secret,
                     'user_domain_name': 'Default', 'project_name': 'admin',
                     'project_domain_name': 'Default'}})
        target.clouds += [name, cloud['uuid']]
    host = target.create('/v1/hosts', {
        'name': 'fuzz-compute-1', 'source': 'fuzz-source',
        'destination': 'fuzz-destination', 'macs': ['52:54:00:12:34:56'],
        'power': {'driver': 'ipmi', 'info': {
            'address': '127.0.0.1', 'port': dead_port, 'username': 'admin',
            'password': target.secret}}})
    target.hosts += [host['name'], host['uuid']]
    migration = target.create('/v1/migrations', {
        'name': 'fuzz-migration', 'source': 'fuzz-source',
        'destination': 'fuzz-destination',
        'workload': {'kind': 'project', 'names': ['demo']}})
    target.migrations.append(migration['uuid'])


def _clouds_yaml(path: pathlib.Path, keystone: str, secret: str) -> None:
    """The only clouds.yaml the service reads: the entry the OpenAPI
    document's example registers by reference."""
    path.write_text(yaml.safe_dump({'clouds': {'old-cloud': {'auth': {
        'auth_url': keystone, 'username': 'admin', 'password': secret,
        'user_domain_name': 'Default', 'project_name': 'admin',
        'project_domain_name': 'Default'}}}}))


@contextlib.contextmanager
def served(tmp_path: pathlib.Path) -> Iterator[Target]:
    """``pumphouse serve`` under ``tmp_path`` with known clouds, a host
    and a migration in it."""
    dead_port = fixtures.free_port()
    keystone = f'http://127.0.0.1:{dead_port}/v3'
    secret = f'pw-{uuid.uuid4().hex}'
    clouds_yaml = tmp_path / 'clouds.yaml'
    _clouds_yaml(clouds_yaml, keystone, secret)
    # Whatever the service asks of a cloud goes to a proxy that is not
    # there: no request leaves this machine, whatever URL was registered.
    nowhere = f'http://127.0.0.1:{dead_port}'
    proxies = {'http_proxy': nowhere, 'https_proxy': nowhere,
               'HTTP_PROXY': nowhere, 'HTTPS_PROXY': nowhere,
               'no_proxy': '', 'NO_PROXY': ''}
    with fixtures.embedded_serve(
            tmp_path, environ=proxies,
            clouds__clouds_yaml=str(clouds_yaml),
            clouds__validation_timeout='3') as (process, url, _env):
        target = Target(url, process, secret=secret, keystone=keystone)
        _seed(target, dead_port)
        yield target
