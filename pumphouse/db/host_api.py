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

"""Database API of hosts and their operations log."""

from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import models
from pumphouse.db import owner_api


@db_api.retry_on_deadlock
def create_host(values: dict) -> models.Host:
    """Register a host; HostAlreadyRegistered when its name is taken in
    its source cloud."""
    host = models.Host(uuid=uuidutils.generate_uuid(), **values)
    try:
        with db_api._writer() as session:
            session.add(host)
            session.flush()
    except db_exc.DBDuplicateEntry as e:
        raise exception.HostAlreadyRegistered(
            host=values['name'], cloud=values['source_cloud_id']) from e
    db_api.state_changed('host', None, host)
    return host


def _host_query(session, ident: str, source_cloud_id: int | None = None):
    query = session.query(models.Host)
    if uuidutils.is_uuid_like(ident):
        return query.filter_by(uuid=ident)
    query = query.filter_by(name=ident)
    if source_cloud_id is not None:
        query = query.filter_by(source_cloud_id=source_cloud_id)
    return query


def _one(query, ident: str) -> models.Host:
    rows = query.limit(2).all()
    if not rows:
        raise exception.HostNotFound(host=ident)
    if len(rows) > 1:
        raise exception.Invalid(
            reason=f'host name {ident} is registered in several source '
                   'clouds; name the source cloud or use its UUID')
    return rows[0]


def get_host(ident: str, source_cloud_id: int | None = None) -> models.Host:
    """A host by UUID, or by name (in ``source_cloud_id`` if given)."""
    with db_api._reader() as session:
        return _one(_host_query(session, ident, source_cloud_id), ident)


def find_host(name: str, source_cloud_id: int) -> models.Host | None:
    with db_api._reader() as session:
        return session.query(models.Host).filter_by(
            name=name, source_cloud_id=source_cloud_id).one_or_none()


def list_hosts(source_cloud_id: int | None = None,
               limit: int | None = None, marker: str | None = None,
               sort_key: str = 'id',
               sort_dir: str = 'asc') -> list[models.Host]:
    """Hosts, optionally of one source cloud."""
    with db_api._reader() as session:
        query = session.query(models.Host)
        if source_cloud_id is not None:
            query = query.filter_by(source_cloud_id=source_cloud_id)
        marker_obj = None
        if marker is not None:
            # Markers are UUIDs (names repeat across source clouds).
            marker_obj = (session.query(models.Host).filter_by(
                uuid=marker).one_or_none()
                if uuidutils.is_uuid_like(marker) else None)
            if marker_obj is None:
                raise exception.InvalidParameterValue(
                    reason=f'Marker host {marker} could not be found.')
        return db_api._paginate(query, models.Host, limit, marker_obj,
                                sort_key, sort_dir)


def host_for_update(session, ident: str) -> models.Host:
    """The host (by UUID or name), locked in ``session``."""
    return _one(_host_query(session, ident).with_for_update(), ident)


def _refuse_busy(session, host: models.Host, owner: str | None) -> None:
    """HostBusy when a live owner other than ``owner`` holds the host."""
    owner_api.refuse_if_held(session, host, exception.HostBusy,
                             allowed=owner, host=host.name,
                             target=host.target)


def list_unheld_hosts(or_held_by: str | None = None) -> list[models.Host]:
    """Hosts with an operation under way that no live owner (other than
    ``or_held_by``) holds."""
    with db_api._reader() as session:
        query = session.query(models.Host).filter(
            models.Host.target.isnot(None), models.Host.state != 'failed')
        return owner_api.unheld(models.Host, query, or_held_by).order_by(
            models.Host.id).all()


@db_api.retry_on_deadlock
def update_host(ident: str, values: dict,
                expected_state: str | None = None,
                unless_held: bool = False,
                owner: str | None = None) -> models.Host:
    """Update a host; with ``expected_state`` only if it still is; with
    ``unless_held`` only if no live owner other than ``owner`` holds
    it."""
    with db_api._writer() as session:
        host = host_for_update(session, ident)
        if unless_held:
            _refuse_busy(session, host, owner)
        if expected_state is not None and host.state != expected_state:
            raise exception.InvalidHostTransition(
                host=host.name, state=host.state,
                target=values.get('state') or values.get('target') or '?')
        old_state = host.state
        host.update(values)
    db_api.state_changed('host', old_state, host)
    return host


@db_api.retry_on_deadlock
def set_target(ident: str, target: str, check,
               owner: str | None = None,
               values: dict | None = None) -> models.Host:
    """Give a host a new target, under lock.

    ``check(host)`` raises when the target cannot be reached from where
    the host is, and may return more values to store (decided on the
    locked host); a host that a live owner other than ``owner`` (the
    caller, when it holds the host already) works on is HostBusy.
    """
    with db_api._writer() as session:
        host = host_for_update(session, ident)
        _refuse_busy(session, host, owner)
        more = check(host) or {}
        old_state = host.state
        host.update(dict(values or {}, **more, target=target,
                         last_error=None))
    db_api.state_changed('host', old_state, host)
    return host


@db_api.retry_on_deadlock
def delete_host(ident: str,
                only_in: tuple[str, ...] | None = None) -> None:
    """Forget a host no live owner works on; with ``only_in``, only a
    host in one of those states (checked under lock)."""
    with db_api._writer() as session:
        host = host_for_update(session, ident)
        _refuse_busy(session, host, None)
        if only_in is not None and host.state not in only_in:
            raise exception.InvalidHostTransition(
                host=host.name, state=host.state, target='forgotten (give '
                'force to forget a host half-way)')
        session.delete(host)


# The operations log

@db_api.retry_on_deadlock
def add_operation(host_id: int, step: str, state: str, message: str,
                  level: str = 'INFO',
                  conductor: str | None = None) -> None:
    with db_api._writer() as session:
        session.add(models.HostOperation(
            host_id=host_id, step=step, state=state, level=level,
            message=message, conductor=conductor))


def list_operations(host_id: int, after_id: int | None = None,
                    limit: int | None = None) -> list[models.HostOperation]:
    with db_api._reader() as session:
        query = session.query(models.HostOperation).filter_by(
            host_id=host_id)
        if after_id is not None:
            query = query.filter(models.HostOperation.id > after_id)
        query = query.order_by(models.HostOperation.id)
        if limit is not None:
            query = query.limit(limit)
        return query.all()
