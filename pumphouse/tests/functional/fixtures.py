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

"""Real services for the functional tests: processes, databases, vhosts."""

import contextlib
import os
import pathlib
import runpy
import signal
import socket
import subprocess
import sys
import time
import types
import uuid

import requests
import sqlalchemy as sa
import yaml

BIN = pathlib.Path(sys.executable).parent
REPO = pathlib.Path(__file__).resolve().parents[3]

MYSQL_URL = os.environ.get('PUMPHOUSE_TEST_MYSQL_URL',
                           'mysql+pymysql://root@127.0.0.1:3306/')
POSTGRESQL_URL = os.environ.get(
    'PUMPHOUSE_TEST_POSTGRESQL_URL',
    'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres')
RABBIT = os.environ.get('PUMPHOUSE_TEST_RABBIT', 'guest:guest@127.0.0.1:5672')


def clouds_yaml_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get(
        'OS_CLIENT_CONFIG_FILE', REPO / '.minicloud' / 'clouds.yaml'))


def cloud_entry(name: str) -> dict:
    """An entry of the harness's clouds.yaml (run minicloud up first)."""
    path = clouds_yaml_path()
    if not path.exists():
        raise RuntimeError(f'{path} is missing: run tools/minicloud/'
                           'minicloud up (tox -e functional does)')
    with open(path) as f:
        return yaml.safe_load(f)['clouds'][name]


def pumphouse_migrate(tmp_path: pathlib.Path, *args: str,
                      timeout: float = 900) -> subprocess.CompletedProcess:
    """``pumphouse migrate --source source --destination destination
    --yes ARGS`` on a state directory under ``tmp_path`` (the same one on
    every call with the same ``tmp_path``)."""
    conf = tmp_path / 'pumphouse.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}/state\n'
                    f'[clouds]\nclouds_yaml = {clouds_yaml_path()}\n')
    return subprocess.run(
        [str(BIN / 'pumphouse'), '--config-file', str(conf), 'migrate',
         '--source', 'source', '--destination', 'destination', '--yes',
         *args], capture_output=True, text=True, timeout=timeout)


def sdk_connection(name: str):
    """An openstacksdk connection to a harness cloud."""
    import openstack  # noqa: PLC0415 - only some tests need the SDK
    from openstack import config as os_config  # noqa: PLC0415

    # Retry a connection that fails or is dropped like a deployment would
    # (the cloud region takes the setting; Connection ignores it next to
    # ``config``).
    region = os_config.OpenStackConfig(
        config_files=[str(clouds_yaml_path())],
        load_envvars=False).get_one(cloud=name, connect_retries=3)
    return openstack.connection.Connection(config=region)


#: The harness's own test helpers (tools/minicloud/testing.py).
MINICLOUD_TESTING = types.SimpleNamespace(**runpy.run_path(
    str(REPO / 'tools' / 'minicloud' / 'testing.py')))


def seed_full() -> dict:
    """Run the harness's ``full`` seed (idempotent; ``minicloud seed``
    serialises concurrent runs itself); what it declares, parsed."""
    return MINICLOUD_TESTING.seed('full')


def ensure_seeded() -> None:
    """The harness's ``full`` seed (the external network ``public``,
    flavors, images, the demo projects), which some tests build on:
    seeded now unless the source has ``public`` already (a harness that
    ran the seed before, or a test that did it earlier in the run)."""
    if not sdk_connection('source').network.find_network('public'):
        seed_full()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def database(backend: str):
    """A new, empty database on the MariaDB or PostgreSQL server."""
    name = f'pumphouse_func_{uuid.uuid4().hex[:12]}'
    admin_url = MYSQL_URL if backend == 'mysql' else POSTGRESQL_URL
    engine = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT',
                              poolclass=sa.NullPool)
    create = (f'CREATE DATABASE {name} CHARACTER SET utf8mb4'
              if backend == 'mysql' else f"CREATE DATABASE {name}")
    drop = (f'DROP DATABASE IF EXISTS {name}' if backend == 'mysql'
            else f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    with engine.connect() as conn:
        conn.execute(sa.text(create))
    url = sa.make_url(admin_url).set(database=name)
    if backend == 'mysql':
        url = url.update_query_dict({'charset': 'utf8mb4'})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(drop))
        engine.dispose()


@contextlib.contextmanager
def rabbit_vhost():
    """A RabbitMQ virtual host of its own, so runs never share queues."""
    vhost = f'pumphouse-func-{uuid.uuid4().hex[:12]}'
    subprocess.run(['rabbitmqctl', '-q', 'add_vhost', vhost], check=True,
                   capture_output=True, timeout=60)
    user = RABBIT.split(':', 1)[0]
    subprocess.run(['rabbitmqctl', '-q', 'set_permissions', '-p', vhost,
                    user, '.*', '.*', '.*'], check=True,
                   capture_output=True, timeout=60)
    try:
        yield f'rabbit://{RABBIT}/{vhost}'
    finally:
        subprocess.run(['rabbitmqctl', '-q', 'delete_vhost', vhost],
                       capture_output=True, timeout=60)


class Process:
    """A Pumphouse process started by a test, with its log file."""

    def __init__(self, name: str, argv: list[str], log: pathlib.Path,
                 env: dict | None = None) -> None:
        self.name = name
        self.log = log
        self._file = open(log, 'ab')  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv, stdout=self._file, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.alive():
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self._file.close()
        return self.popen.returncode

    def output(self) -> str:
        return self.log.read_text(errors='replace')


def wait_for_http(url: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f'{process.name} exited:\n'
                               + process.output()[-3000:])
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f'{url} did not answer within {timeout}s:\n'
                       + process.output()[-3000:])


def wait_until(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


@contextlib.contextmanager
def embedded_serve(tmp_path: pathlib.Path, environ: dict | None = None,
                   **options: str):
    """``pumphouse serve`` on embedded defaults in a state directory of
    its own; yields the process, its URL and the environment a
    ``pumphouse`` command needs to share its state.

    Only the port (8799 may be taken on a developer's machine) and
    ``options`` (``GROUP__OPT=value``, read by oslo.config from
    ``OS_GROUP__OPT``) are not left at their defaults; ``environ`` adds
    to the process's environment.
    """
    home = tmp_path / 'home'
    home.mkdir()
    port = free_port()
    env = {'XDG_STATE_HOME': str(tmp_path / 'xdg-state'),
           'HOME': str(home), 'OS_API__PORT': str(port),
           'OS_CLIENT_CONFIG_FILE': str(clouds_yaml_path()),
           **(environ or {}),
           **{f'OS_{name.upper()}': value
              for name, value in options.items()}}
    process = Process('pumphouse serve', [str(BIN / 'pumphouse'), 'serve'],
                      tmp_path / 'serve.log', env=env)
    url = f'http://127.0.0.1:{port}'
    try:
        wait_for_http(f'{url}/healthcheck', process)
        yield process, url, env
    finally:
        process.stop()
