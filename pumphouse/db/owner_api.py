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

"""Database API of the owners of work and of who holds what.

An *owner* is a process that works on migrations and hosts: a conductor
(kind ``conductor``), which the API may send work to, or a command-line
process (kind ``command``), which only works on what it started. Both
heart-beat; an owner whose last heartbeat is older than ``[conductor]
heartbeat_timeout``, or that stopped cleanly, is gone, and its work may be
taken over.

A migration or a host is *held* by the owner named in its ``owner``
column. :func:`take` and :func:`release` are the only writers of that
column; they are used by :mod:`pumphouse.conductor.task_manager`.
"""

import datetime

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import models

CONDUCTOR = 'conductor'
COMMAND = 'command'
KINDS = (CONDUCTOR, COMMAND)


def _oldest_live_heartbeat() -> datetime.datetime:
    return timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.conductor.heartbeat_timeout)


@db_api.retry_on_deadlock
def register_owner(name: str, kind: str, update_existing: bool = False,
                   rpc_version: str | None = None) -> models.Owner:
    """Register an owner as online.

    A gone owner's row is taken over. A live one raises
    ConductorAlreadyRegistered unless ``update_existing`` is set, which is
    how a conductor restarted right after a crash takes its name back.
    ``rpc_version``: the RPC API version a conductor serves.
    """
    if kind not in KINDS:
        raise ValueError(f'unknown owner kind {kind!r}')
    now = timeutils.utcnow()
    with db_api._writer() as session:
        row = session.query(models.Owner).filter_by(
            name=name).with_for_update().one_or_none()
        if row is None:
            row = models.Owner(name=name, kind=kind, online=True,
                               heartbeat_at=now, rpc_version=rpc_version)
            session.add(row)
        elif _is_live(row) and not update_existing:
            raise exception.ConductorAlreadyRegistered(hostname=name)
        else:
            row.update({'kind': kind, 'online': True, 'heartbeat_at': now,
                        'rpc_version': rpc_version})
        try:
            session.flush()
        except db_exc.DBDuplicateEntry as e:
            raise exception.ConductorAlreadyRegistered(hostname=name) from e
    return row


@db_api.retry_on_deadlock
def touch_owner(name: str, kind: str,
                rpc_version: str | None = None) -> None:
    """Record a heartbeat (with the RPC API version a conductor serves);
    registers again a row removed meanwhile."""
    now = timeutils.utcnow()
    with db_api._writer() as session:
        count = session.query(models.Owner).filter_by(name=name).update(
            {'heartbeat_at': now, 'online': True,
             'rpc_version': rpc_version})
        if not count:
            session.add(models.Owner(name=name, kind=kind, online=True,
                                     heartbeat_at=now,
                                     rpc_version=rpc_version))
            try:
                session.flush()
            except db_exc.DBDuplicateEntry:
                pass  # re-created at the same moment by another process


@db_api.retry_on_deadlock
def unregister_owner(name: str) -> None:
    """Mark an owner offline when it stops cleanly."""
    with db_api._writer() as session:
        session.query(models.Owner).filter_by(name=name).update(
            {'online': False})


def _is_live(row: models.Owner) -> bool:
    return row.online and row.heartbeat_at >= _oldest_live_heartbeat()


def _live_filter():
    return sa.and_(models.Owner.online.is_(True),
                   models.Owner.heartbeat_at >= _oldest_live_heartbeat())


def list_live_owners(kind: str | None = None) -> list[str]:
    """Names of the live owners (of one ``kind`` if given)."""
    with db_api._reader() as session:
        query = session.query(models.Owner.name).filter(_live_filter())
        if kind is not None:
            query = query.filter(models.Owner.kind == kind)
        return [r.name for r in query.order_by(models.Owner.name)]


def kinds(names: list[str]) -> dict[str, str]:
    """The kind of each of these owners that is registered."""
    if not names:
        return {}
    with db_api._reader() as session:
        rows = session.query(models.Owner.name, models.Owner.kind).filter(
            models.Owner.name.in_(sorted(set(names))))
        return {r.name: r.kind for r in rows}


def list_live_conductors() -> list[str]:
    """Names of the live conductors: the owners the API may send work."""
    return list_live_owners(CONDUCTOR)


def live_conductor_versions() -> dict[str, str | None]:
    """The live conductors and the RPC API version each announced (None
    for one of a release from before they did)."""
    with db_api._reader() as session:
        rows = session.query(models.Owner.name, models.Owner.rpc_version) \
            .filter(_live_filter(), models.Owner.kind == CONDUCTOR) \
            .order_by(models.Owner.name)
        return {r.name: r.rpc_version for r in rows}


def live_holder(session, row) -> str | None:
    """The live owner holding ``row`` (a migration or host), if any."""
    if not row.owner:
        return None
    held = session.query(models.Owner.id).filter(
        models.Owner.name == row.owner, _live_filter()).first()
    return row.owner if held is not None else None


def take(session, row, owner: str, busy: type[exception.Conflict],
         **busy_args) -> None:
    """Make ``owner`` hold ``row`` (locked by the caller's session).

    Raises ``busy(**busy_args, owner=...)`` while another live owner holds
    it; the row of an owner that is gone is simply taken.
    """
    holder = live_holder(session, row)
    if holder is not None and holder != owner:
        raise busy(owner=holder, **busy_args)
    row.owner = owner


def refuse_if_held(session, row, busy: type[exception.Conflict],
                   allowed: str | None = None, **busy_args) -> None:
    """``busy`` while a live owner other than ``allowed`` holds ``row``."""
    holder = live_holder(session, row)
    if holder is not None and holder != allowed:
        raise busy(owner=holder, **busy_args)


def live_names():
    """A subquery of the names of the live owners (to filter rows held
    by one, or by none)."""
    return sa.select(models.Owner.name).where(_live_filter())


def unheld(model, query, or_held_by: str | None = None):
    """``query`` of ``model`` rows held by no live owner (or held by
    ``or_held_by``)."""
    live = live_names()
    return query.filter(sa.or_(model.owner.is_(None),
                               model.owner.not_in(live),
                               model.owner == or_held_by))
