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

"""Fixtures running the database tests on SQLite, MariaDB and PostgreSQL.

Every test using ``db_backend`` runs once per backend, each time on a new,
empty database: a temporary file for SQLite, a database with a random name
created on the server (and dropped afterwards) for MariaDB and PostgreSQL.

A server that cannot be reached skips its tests, naming the server and the
error, unless ``PUMPHOUSE_TEST_REQUIRE_BACKENDS=1`` is set (CI sets it): then
they fail, so that CI never passes without having run them. The server URLs
can be changed with ``PUMPHOUSE_TEST_MYSQL_URL`` and
``PUMPHOUSE_TEST_POSTGRESQL_URL``.
"""

import dataclasses
import os
import pathlib
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import schema

REQUIRE_BACKENDS_ENV = 'PUMPHOUSE_TEST_REQUIRE_BACKENDS'


@dataclasses.dataclass(frozen=True)
class Server:
    """A database server the tests create their databases on."""

    label: str
    url: sa.URL
    create_sql: str
    drop_sql: str

    def database_url(self, database: str) -> str:
        url = self.url.set(database=database)
        return url.render_as_string(hide_password=False)


SERVERS = {
    'mysql': Server(
        label='MariaDB/MySQL server',
        url=sa.make_url(os.environ.get(
            'PUMPHOUSE_TEST_MYSQL_URL',
            'mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4')),
        create_sql='CREATE DATABASE {name} CHARACTER SET utf8mb4',
        drop_sql='DROP DATABASE IF EXISTS {name}'),
    'postgresql': Server(
        label='PostgreSQL server',
        url=sa.make_url(os.environ.get(
            'PUMPHOUSE_TEST_POSTGRESQL_URL',
            'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres')),
        create_sql="CREATE DATABASE {name} ENCODING 'UTF8'",
        # FORCE: a connection left behind must not break the clean-up.
        drop_sql='DROP DATABASE IF EXISTS {name} WITH (FORCE)'),
}


@dataclasses.dataclass(frozen=True)
class Backend:
    """The database a test runs on: the backend's name and its URL."""

    name: str
    url: str


def _backends_required() -> bool:
    return os.environ.get(REQUIRE_BACKENDS_ENV) == '1'


@pytest.fixture(scope='session', autouse=True)
def _conf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Parse an empty command line once, so that CONF can be used.

    ``state_path`` points to a temporary directory meanwhile, so that no
    test can ever reach the user's own SQLite database.
    """
    if CONF._args is None:  # CONF() has not been called yet.
        CONF([], project='pumphouse', default_config_files=[])
    CONF.set_override('state_path', str(tmp_path_factory.mktemp('state')))
    try:
        yield
    finally:
        CONF.clear_override('state_path')


class _Servers:
    """Admin engines of the servers, tried once per test session."""

    def __init__(self) -> None:
        self._engines: dict[str, sa.Engine] = {}
        self._errors: dict[str, str] = {}

    def engine(self, backend: str) -> sa.Engine:
        """The server's admin engine; skips or fails when unreachable."""
        if backend not in self._engines and backend not in self._errors:
            self._connect(backend)
        if backend in self._errors:
            reason = self._errors[backend]
            if _backends_required():
                pytest.fail(f'{reason} ({REQUIRE_BACKENDS_ENV}=1)',
                            pytrace=False)
            pytest.skip(reason)
        return self._engines[backend]

    def _connect(self, backend: str) -> None:
        server = SERVERS[backend]
        try:
            engine = sa.create_engine(
                server.url, isolation_level='AUTOCOMMIT',
                poolclass=sa.NullPool, connect_args={'connect_timeout': 5})
            with engine.connect():
                pass
        except (ImportError, sa.exc.SQLAlchemyError) as e:
            error = str(e).strip().splitlines()[0]
            self._errors[backend] = (
                f'{server.label} at {server.url.host}:{server.url.port} '
                f'is unreachable: {error}')
        else:
            self._engines[backend] = engine

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


@pytest.fixture(scope='session')
def _servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.dispose()


@pytest.fixture(params=[
    'sqlite',
    pytest.param('mysql', marks=pytest.mark.backend),
    pytest.param('postgresql', marks=pytest.mark.backend),
])
def db_backend(request: pytest.FixtureRequest, tmp_path: pathlib.Path,
               _servers: _Servers) -> Iterator[Backend]:
    """An empty database on each backend, set as [database] connection."""
    name = request.param
    if name == 'sqlite':
        yield from _use_database(
            Backend(name, f'sqlite:///{tmp_path / "pumphouse.sqlite"}'))
        return

    server = SERVERS[name]
    engine = _servers.engine(name)
    database = f'pumphouse_test_{uuid.uuid4().hex[:16]}'
    with engine.connect() as conn:
        conn.execute(sa.text(server.create_sql.format(name=database)))
    try:
        yield from _use_database(Backend(name, server.database_url(database)))
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(server.drop_sql.format(name=database)))


def _use_database(backend: Backend) -> Iterator[Backend]:
    CONF.set_override('connection', backend.url, group='database')
    db_api.reset_facade()
    try:
        yield backend
    finally:
        db_api.reset_facade()
        CONF.clear_override('connection', group='database')


@pytest.fixture
def migrated_db(db_backend: Backend) -> Backend:
    """The backend's database, upgraded to the latest schema."""
    schema.upgrade()
    return db_backend
