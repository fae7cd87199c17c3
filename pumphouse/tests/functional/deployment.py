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

"""A deployed Pumphouse: pumphouse-api and two conductors as processes.

The API authenticates with keystonemiddleware against the harness's
source Keystone; the processes share a real database and RabbitMQ.
"""

import concurrent.futures
import pathlib
import subprocess

import requests
import sqlalchemy as sa
from keystoneauth1 import identity
from keystoneauth1 import session as ks_session

from pumphouse.tests.functional import fixtures

CONDUCTORS = ('conductor-1', 'conductor-2')


def keystone_session(auth: dict) -> ks_session.Session:
    return ks_session.Session(auth=identity.Password(**auth))


class Deployment:

    def __init__(self, workdir: pathlib.Path, db_url: str,
                 transport_url: str) -> None:
        self.workdir = workdir
        self.db_url = db_url
        self.transport_url = transport_url
        self.port = fixtures.free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.admin_auth = fixtures.cloud_entry('source')['auth']
        self.conf = workdir / 'pumphouse.conf'
        self.processes: dict[str, fixtures.Process] = {}
        #: More configuration, appended to the generated file.
        self.extra_config = ''

    def write_config(self) -> None:
        auth = self.admin_auth
        self.conf.write_text(f"""[DEFAULT]
state_path = {self.workdir}/state
transport_url = {self.transport_url}
debug = true

[api]
host_ip = 127.0.0.1
port = {self.port}
auth_strategy = keystone
response_validation = error

[conductor]
heartbeat_interval = 1
heartbeat_timeout = 5
takeover_interval = 1
rpc_timeout = 60

[clouds]
clouds_yaml = {fixtures.clouds_yaml_path()}

[hosts]
poll_interval = 1

[hardware]
provision_poll_interval = 1

[database]
connection = {self.db_url}

[keystone_authtoken]
www_authenticate_uri = {auth['auth_url']}
auth_url = {auth['auth_url']}
auth_type = password
username = {auth['username']}
password = {auth['password']}
project_name = {auth['project_name']}
user_domain_name = {auth['user_domain_name']}
project_domain_name = {auth['project_domain_name']}
""" + self.extra_config)
        for host in CONDUCTORS:
            (self.workdir / f'{host}.conf').write_text(
                f'[DEFAULT]\nhost = {host}\n')

    def _argv(self, command: str, *extra: str) -> list[str]:
        return [str(fixtures.BIN / command), '--config-file',
                str(self.conf), *extra]

    def dbsync(self) -> None:
        subprocess.run(self._argv('pumphouse-dbsync', 'upgrade'),
                       check=True, capture_output=True, timeout=120)

    def start_conductor(self, host: str) -> fixtures.Process:
        process = fixtures.Process(
            host, self._argv('pumphouse-conductor', '--config-file',
                             str(self.workdir / f'{host}.conf')),
            self.workdir / f'{host}.log')
        self.processes[host] = process
        return process

    def start(self) -> None:
        self.write_config()
        self.dbsync()
        for host in CONDUCTORS:
            self.start_conductor(host)
        api = fixtures.Process('pumphouse-api',
                               self._argv('pumphouse-api'),
                               self.workdir / 'api.log')
        self.processes['api'] = api
        fixtures.wait_for_http(self.url + '/healthcheck', api)
        live = fixtures.wait_until(
            lambda: set(self.live_conductors()) == set(CONDUCTORS), 60)
        if not live:
            raise RuntimeError('conductors did not register:\n' + '\n'.join(
                p.output()[-2000:] for p in self.processes.values()))

    def stop(self) -> None:
        """Stop every process at once (each waits for its own work)."""
        running = list(self.processes.values())
        with concurrent.futures.ThreadPoolExecutor(
                max(len(running), 1)) as pool:
            list(pool.map(lambda process: process.stop(), running))

    def live_conductors(self) -> list[str]:
        engine = sa.create_engine(self.db_url, poolclass=sa.NullPool)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT name FROM owners WHERE online = :t AND "
                    "kind = 'conductor'"), {'t': True})
                return sorted(r.name for r in rows)
        finally:
            engine.dispose()

    def dump_database(self) -> str:
        """Every row of every table as text, for secret hunting."""
        engine = sa.create_engine(self.db_url, poolclass=sa.NullPool)
        lines = []
        try:
            with engine.connect() as conn:
                for table in sa.inspect(conn).get_table_names():
                    for row in conn.execute(sa.text(
                            f'SELECT * FROM {table}')):  # noqa: S608
                        lines.append(f'{table}: {tuple(row)}')
        finally:
            engine.dispose()
        return '\n'.join(lines)

    def logs(self) -> str:
        return '\n'.join(p.output() for p in self.processes.values())

    def client(self, auth: dict | None = None) -> 'APIClient':
        return APIClient(self.url, keystone_session(auth or self.admin_auth))


class APIClient:
    """requests against the API with a Keystone token."""

    def __init__(self, url: str, session: ks_session.Session) -> None:
        self.url = url
        self.token = session.get_token()
        self.http = requests.Session()
        self.http.headers['X-Auth-Token'] = self.token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault('timeout', 90)
        return self.http.request(method, self.url + path, **kwargs)
