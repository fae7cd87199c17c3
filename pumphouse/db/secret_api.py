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

"""Database API of the secrets stored encrypted with the credential key.

Every column holding a token of :func:`pumphouse.common.crypto.encrypt` is
listed in :data:`ENCRYPTED`: cloud credentials, hosts' power and provision
info, issued passwords. :func:`rotate_key` re-encrypts all of them with a
new key (``pumphouse-dbsync rotate-key``); :func:`count` and
:func:`unreadable` say what is stored and what the key file cannot
decrypt (``pumphouse-dbsync upgrade``, ``pumphouse-status upgrade check``).

The queries name tables and columns, not model objects' state, so that
they work on a database of an older revision too (a table not there yet
holds no secret).
"""

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa
from cryptography import fernet
from oslo_log import log

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import models

LOG = log.getLogger(__name__)

#: Every encrypted column, by table.
ENCRYPTED: dict[str, tuple[str, ...]] = {
    models.Cloud.__tablename__: ('credentials',),
    models.Host.__tablename__: ('power_info', 'provision_info'),
    models.IssuedPassword.__tablename__: ('secret',),
}

#: How many times the rotation looks again for secrets written with an
#: old key while it ran (by a service that had not read the new file yet).
_STRAGGLER_PASSES = 3

#: Returns a token's new value (None: leave it as it is); raises
#: InvalidToken when no key decrypts it.
Transform = Callable[[str], str | None]


@dataclasses.dataclass
class Rewritten:
    """What a pass over the secrets did."""

    #: Values re-encrypted.
    rewritten: int = 0
    #: ``table id column`` of each value no key could decrypt, left as
    #: it was.
    unreadable: list[str] = dataclasses.field(default_factory=list)


def _tables() -> list[sa.Table]:
    """The tables with encrypted columns the database has."""
    present = set(sa.inspect(db_api.get_engine()).get_table_names())
    return [models.Base.metadata.tables[name] for name in ENCRYPTED
            if name in present]


def _not_null(table: sa.Table):
    return sa.or_(*[table.c[c].is_not(None) for c in ENCRYPTED[table.name]])


def count() -> int:
    """How many secrets are stored (each non-empty encrypted value)."""
    total = 0
    with db_api._reader() as session:
        for table in _tables():
            for column in ENCRYPTED[table.name]:
                total += session.execute(
                    sa.select(sa.func.count()).select_from(table).where(
                        table.c[column].is_not(None))).scalar_one()
    return total


def _row_ids(table: sa.Table) -> list[int]:
    with db_api._reader() as session:
        return list(session.execute(
            sa.select(table.c.id).where(_not_null(table))
            .order_by(table.c.id)).scalars())


@db_api.retry_on_deadlock
def _rewrite_row(table: sa.Table, row_id: int,
                 transform: Transform) -> Rewritten:
    """Rewrite one row's secrets in one transaction, the row locked."""
    columns = ENCRYPTED[table.name]
    done = Rewritten()
    with db_api._writer() as session:
        row = session.execute(
            sa.select(*[table.c[c] for c in columns])
            .where(table.c.id == row_id).with_for_update()).one_or_none()
        if row is None:
            return done  # deleted meanwhile (an issued password fetched)
        values = {}
        for column in columns:
            token = row._mapping[column]
            if token is None:
                continue
            try:
                new = transform(token)
            except fernet.InvalidToken:
                done.unreadable.append(f'{table.name} {row_id} {column}')
                continue
            if new is not None and new != token:
                values[column] = new
        if values:
            # updated_at kept: the row's content did not change.
            session.execute(table.update().where(table.c.id == row_id)
                            .values(updated_at=table.c.updated_at,
                                    **values))
        done.rewritten = len(values)
    return done


def rewrite(transform: Transform) -> Rewritten:
    """Pass every stored secret through ``transform``, atomically per
    row."""
    total = Rewritten()
    for table in _tables():
        for row_id in _row_ids(table):
            done = _rewrite_row(table, row_id, transform)
            total.rewritten += done.rewritten
            total.unreadable += done.unreadable
    return total


def unreadable(keys: fernet.MultiFernet) -> list[str]:
    """``table id column`` of each stored secret ``keys`` cannot decrypt."""
    found = []
    with db_api._reader() as session:
        for table in _tables():
            columns = ENCRYPTED[table.name]
            rows = session.execute(
                sa.select(table.c.id, *[table.c[c] for c in columns])
                .where(_not_null(table)).order_by(table.c.id))
            for row in rows:
                for column in columns:
                    token = row._mapping[column]
                    if token is not None and not _decrypts(keys, token):
                        found.append(f'{table.name} {row.id} {column}')
    return found


def _decrypts(keys: fernet.MultiFernet, token: str) -> bool:
    try:
        keys.decrypt(token.encode())
    except fernet.InvalidToken:
        return False
    return True


def rotate_key(path: str | None = None) -> Rewritten:
    """Re-encrypt every stored secret with a new key.

    1. The new key is put first in the key file, the old keys kept below
       it: from then on every process (they read the file again when it
       changes) encrypts with the new key and still decrypts with the old
       ones.
    2. Each row's secrets are re-encrypted with the new key in a
       transaction of their own, the row locked.
    3. Secrets written with an old key meanwhile are looked for again.
    4. The key file is left with the new key only.

    Interrupted anywhere, nothing is lost (the file still has every old
    key until the end) and running it again finishes the job with yet
    another new key. Secrets no key of the file could decrypt before are
    left as they were and returned in ``unreadable``.
    """
    path = path or CONF.credentials.key_file
    old_keys = crypto.read_keys(path)
    new_key = crypto.generate_key()
    crypto.write_keys([new_key, *old_keys], path)
    LOG.info('Added a new credential key to %s; re-encrypting the stored '
             'secrets', path)
    every_key = crypto.multi_fernet([new_key, *old_keys])
    new_only = crypto.multi_fernet([new_key])

    def reencrypt(token: str) -> str:
        return every_key.rotate(token.encode()).decode()

    def reencrypt_if_old(token: str) -> str | None:
        return None if _decrypts(new_only, token) else reencrypt(token)

    result = rewrite(reencrypt)
    for _attempt in range(_STRAGGLER_PASSES):
        late = rewrite(reencrypt_if_old)
        result.rewritten += late.rewritten
        result.unreadable = late.unreadable
        if not late.rewritten:
            break
    else:
        raise exception.CredentialKeyRotationIncomplete()
    crypto.write_keys([new_key], path)
    LOG.info('Re-encrypted %(count)d stored secrets; %(path)s holds the new '
             'key only', {'count': result.rewritten, 'path': path})
    return result
