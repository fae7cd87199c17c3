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

"""Database API: the engine facade and what every query module shares.

Here are the transactions (``_writer``, ``_reader``), the retry on
deadlock and pagination that the ``*_api`` modules beside this one use,
and the queries of the records without a module of their own (registered
clouds among them). Migrations, plan items, events and issued passwords
are queried in :mod:`.migration_api` (which also records a mapping with
the completion of its item), id mappings in :mod:`.mapping_api`, hosts and
their operations in :mod:`.host_api`.

Functions take and return model objects (detached, fully loaded); each one
is a transaction of its own through oslo.db's enginefacade.

A migration or host that changes state is told, once committed, to the
state listeners (:func:`add_state_listener`): how the services send
their notifications without this package knowing of them.
"""

import contextlib
import os
import threading
from collections.abc import Callable

import sqlalchemy as sa
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as db_utils
from oslo_log import log
from oslo_utils import uuidutils

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import models

LOG = log.getLogger(__name__)

_CONTEXT = threading.local()
_lock = threading.Lock()
_facade: enginefacade._TransactionContextManager | None = None


def _create_sqlite_file(url: str) -> None:
    """Create the file of an SQLite database readable by its owner only.

    SQLite creates it with the umask's mode (0644 as a rule): readable by
    every local user, with the encrypted credentials and what Pumphouse
    knows of both clouds. Its -wal and -shm files take the file's mode.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return
    path = parsed.database
    if (parsed.get_backend_name() != 'sqlite' or not path
            or path == ':memory:' or path.startswith('file:')):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600))
    except OSError:
        # There already, or SQLite says what is wrong with the path.
        pass


def _get_facade() -> enginefacade._TransactionContextManager:
    global _facade
    with _lock:
        if _facade is None:
            _create_sqlite_file(CONF.database.connection)
            _facade = enginefacade.transaction_context()
            # The facade reads [database] from CONF when it first starts.
            _facade.configure(sqlite_fk=True)
            _facade.append_on_engine_create(_tune_sqlite)
        return _facade


def is_sqlite_busy(error: BaseException) -> bool:
    """SQLite refused a write because another connection wrote first.

    With several processes on one SQLite file (``pumphouse serve`` and a
    ``pumphouse`` command on the same state directory) a transaction that
    read before another process committed cannot write any more: SQLite
    fails it at once ("database is locked", without waiting for its busy
    timeout). Trying again in a new transaction succeeds.
    """
    return (isinstance(error, (sa.exc.OperationalError, db_exc.DBError))
            and 'database is locked' in str(error))


#: For writes that may meet another writer's locks (MySQL/MariaDB gap locks
#: under parallel apply, conductors registering at once, SQLite shared by
#: several processes): retried, each try in a transaction of its own.
retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=10, retry_interval=0.1, max_retry_interval=1,
    inc_retry_interval=True, retry_on_deadlock=True,
    exception_checker=is_sqlite_busy)


def is_duplicate(error: BaseException) -> bool:
    """An insert met the row another writer committed first."""
    return isinstance(error, db_exc.DBDuplicateEntry)


#: For a write that inserts a row unless it finds one, when another
#: writer may insert the same row at once (two migrations recording the
#: mapping of one shared resource): the transaction is tried again, and
#: finds the other's row.
retry_on_duplicate = oslo_db_api.wrap_db_retry(
    max_retries=3, retry_interval=0.05, exception_checker=is_duplicate)


# SQLite allows one writer at a time and fails a second one at once when
# both started as readers; the engine's threads take turns instead, and
# WAL mode keeps readers from waiting on the writer.
_sqlite_writer = threading.RLock()
_is_sqlite = False


def _tune_sqlite(engine: sa.engine.Engine) -> None:
    global _is_sqlite
    _is_sqlite = engine.dialect.name == 'sqlite'
    if not _is_sqlite:
        return

    @sa.event.listens_for(engine, 'connect')
    def _pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA journal_mode=WAL')
        cursor.execute('PRAGMA busy_timeout=30000')
        cursor.close()


def reset_facade() -> None:
    """Drop the engine so the next call connects with the current config."""
    global _facade
    with _lock:
        if _facade is not None:
            _facade.dispose_pool()
        _facade = None


def get_engine() -> sa.engine.Engine:
    return _get_facade().writer.get_engine()


@contextlib.contextmanager
def _writer():
    facade = _get_facade()
    if _is_sqlite:
        with _sqlite_writer, facade.writer.using(_CONTEXT) as session:
            yield session
    else:
        with facade.writer.using(_CONTEXT) as session:
            yield session


def _reader():
    return _get_facade().reader.using(_CONTEXT)


#: ``listener(kind, old_state, row)``: ``kind`` is ``migration`` or
#: ``host``, ``old_state`` None for a row just created.
StateListener = Callable[[str, str | None, object], None]
_STATE_LISTENERS: list[StateListener] = []


def add_state_listener(listener: StateListener) -> None:
    """Call ``listener`` after each committed state change (once)."""
    if listener not in _STATE_LISTENERS:
        _STATE_LISTENERS.append(listener)


def remove_state_listener(listener: StateListener) -> None:
    if listener in _STATE_LISTENERS:
        _STATE_LISTENERS.remove(listener)


def state_changed(kind: str, old_state: str | None, row) -> None:
    """Tell the listeners that ``row`` left ``old_state`` (a committed
    change; nothing when the state is the same). A listener that fails
    is logged, never raised: the change is made."""
    if old_state == row.state:
        return
    for listener in list(_STATE_LISTENERS):
        try:
            listener(kind, old_state, row)
        except Exception:
            LOG.exception('A listener of %(kind)s %(uuid)s state changes '
                          'failed', {'kind': kind, 'uuid': row.uuid})


def clouds_by_id(ids) -> dict[int, models.Cloud]:
    """Registered clouds by their database ids (those that exist)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    with _reader() as session:
        return {c.id: c for c in session.query(models.Cloud).filter(
            models.Cloud.id.in_(ids))}


def _paginate(query, model, limit: int | None, marker, sort_key: str,
              sort_dir: str):
    sort_keys = [sort_key] if sort_key == 'id' else [sort_key, 'id']
    return db_utils.paginate_query(query, model, limit, sort_keys,
                                   marker=marker, sort_dir=sort_dir).all()


# Clouds

@retry_on_deadlock
def create_cloud(values: dict) -> models.Cloud:
    """Store a cloud; ``values`` has name, description, config, credentials.

    Raises CloudAlreadyExists when the name is taken.
    """
    cloud = models.Cloud()
    cloud.update(values)
    cloud.uuid = values.get('uuid') or uuidutils.generate_uuid()
    try:
        with _writer() as session:
            session.add(cloud)
            session.flush()
    except db_exc.DBDuplicateEntry as e:
        raise exception.CloudAlreadyExists(name=values['name']) from e
    return cloud


def _cloud_query(session, ident: str):
    query = session.query(models.Cloud)
    if uuidutils.is_uuid_like(ident):
        return query.filter_by(uuid=ident)
    return query.filter_by(name=ident)


def get_cloud(ident: str) -> models.Cloud:
    """A cloud by UUID or name."""
    with _reader() as session:
        cloud = _cloud_query(session, ident).one_or_none()
    if cloud is None:
        raise exception.CloudNotFound(cloud=ident)
    return cloud


def list_clouds(limit: int | None = None, marker: str | None = None,
                sort_key: str = 'id',
                sort_dir: str = 'asc') -> list[models.Cloud]:
    with _reader() as session:
        marker_obj = None
        if marker is not None:
            marker_obj = _cloud_query(session, marker).one_or_none()
            if marker_obj is None:
                raise exception.InvalidParameterValue(
                    reason=f'Marker cloud {marker} could not be found.')
        return _paginate(session.query(models.Cloud), models.Cloud, limit,
                         marker_obj, sort_key, sort_dir)


def cloud_uuids() -> dict[int, str]:
    """The UUIDs of the registered clouds by their database ids (their
    configurations not read)."""
    with _reader() as session:
        return dict(session.execute(
            sa.select(models.Cloud.id, models.Cloud.uuid)).all())


@retry_on_deadlock
def delete_cloud(ident: str) -> None:
    """Delete a cloud no migration uses."""
    with _writer() as session:
        cloud = _cloud_query(session, ident).with_for_update().one_or_none()
        if cloud is None:
            raise exception.CloudNotFound(cloud=ident)
        used = session.query(models.Migration).filter(
            sa.or_(models.Migration.source_cloud_id == cloud.id,
                   models.Migration.destination_cloud_id == cloud.id)).count()
        used += session.query(models.Host).filter(
            sa.or_(models.Host.source_cloud_id == cloud.id,
                   models.Host.destination_cloud_id == cloud.id)).count()
        if used:
            raise exception.CloudInUse(cloud=ident, count=used)
        session.delete(cloud)
