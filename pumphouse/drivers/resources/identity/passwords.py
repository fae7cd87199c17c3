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

"""Passwords of migrated users: issued anew, or hashes copied.

Keystone never returns a password, so a created user either gets a new
random password (``reset``), kept encrypted until the operator fetches it
once, or the hash of its source password is copied between the two
Keystone databases (``copy_hash``). Neither is ever logged.
"""

import secrets
import threading

import sqlalchemy as sa
from openstack import exceptions as sdk_exc
from oslo_db.sqlalchemy import engines

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import migration_api

_engines: dict[str, sa.engine.Engine] = {}
_lock = threading.Lock()


def _engine(url: str | None, option: str) -> sa.engine.Engine:
    if not url:
        raise exception.Invalid(
            reason=f'password_mode copy_hash needs [identity] {option}')
    with _lock:
        if url not in _engines:
            _engines[url] = engines.create_engine(url, max_retries=3)
        return _engines[url]


def issue_password(ctx, user_source_id: str, destination_id: str,
                   user_name: str, domain_name: str | None) -> None:
    """Give a destination user a new random password and keep it."""
    password = secrets.token_urlsafe(24)
    # log=False: keystoneauth would otherwise log the body at debug level.
    response = ctx.destination.identity.patch(
        f'/users/{destination_id}', json={'user': {'password': password}},
        log=False)
    sdk_exc.raise_from_response(response)
    migration_api.add_issued_password(
        ctx.migration_id, user_source_id, destination_id, user_name,
        domain_name, crypto.encrypt({'password': password}))


_READ = sa.text(
    'SELECT p.password_hash, p.created_at, p.created_at_int, p.expires_at, '
    'p.expires_at_int, p.self_service FROM password p '
    'JOIN local_user lu ON lu.id = p.local_user_id '
    'WHERE lu.user_id = :user_id '
    'ORDER BY p.created_at_int DESC, p.id DESC')
_LOCAL_USER = sa.text('SELECT id FROM local_user WHERE user_id = :user_id')
_DELETE = sa.text('DELETE FROM password WHERE local_user_id = :local_id')
_INSERT = sa.text(
    'INSERT INTO password (local_user_id, password_hash, created_at, '
    'created_at_int, expires_at, expires_at_int, self_service) VALUES '
    '(:local_id, :password_hash, :created_at, :created_at_int, '
    ':expires_at, :expires_at_int, :self_service)')


def copy_hash(user_source_id: str, destination_id: str) -> bool:
    """Copy the current password hash; False if the user has none."""
    source = _engine(CONF.identity.source_keystone_connection,
                     'source_keystone_connection')
    destination = _engine(CONF.identity.destination_keystone_connection,
                          'destination_keystone_connection')
    with source.connect() as conn:
        row = conn.execute(_READ, {'user_id': user_source_id}).first()
    if row is None or row.password_hash is None:
        return False
    with destination.begin() as conn:
        local_id = conn.execute(_LOCAL_USER,
                                {'user_id': destination_id}).scalar()
        if local_id is None:
            raise exception.PumphouseException(
                f'user {destination_id} has no local_user row in the '
                'destination Keystone database: is '
                '[identity] destination_keystone_connection the right '
                'database?')
        conn.execute(_DELETE, {'local_id': local_id})
        conn.execute(_INSERT, {'local_id': local_id, **row._mapping})
    return True
