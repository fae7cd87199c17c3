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

"""The evacuate step: every server leaves the host as the host's
evacuation plan says (see :mod:`pumphouse.hosts.evacuation_plan`).

Within the source cloud, ACTIVE and PAUSED servers are live-migrated
(``block_migration: auto``: block migration unless the storage is
shared) to the host the plan chose for them, which Nova's scheduler still
checks (never forced); where that is refused, an ACTIVE server is
cold-migrated there instead (it reboots; a WARNING says so). SHUTOFF
servers are cold-migrated, SUSPENDED ones resumed, live-migrated and
suspended again. A cold migration is confirmed, including one an earlier,
interrupted attempt left waiting. A server the operator chose to
``override`` goes where the scheduler picks. When Nova refuses a move, the
error says why as Nova recorded it: the failed events of the server's
instance action (their details, or the last line of their traceback) and
the server's fault.

Servers the plan sends to the destination cloud (the host option
``to_destination`` sends them all) go through one migration (created once
and resumed on a retry) whose cutover deletes the source servers: of the
``host`` workload when every server goes, of those servers otherwise.
Servers the operator chose to leave stay: the step then ends the host's
way ``disabled``.
"""

from concurrent import futures

from openstack import exceptions as sdk_exc

from pumphouse.common import context as pumphouse_context
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.engine import states as migration_states
from pumphouse.hosts import evacuation_plan as plan_mod
from pumphouse.hosts import nova

#: The CLI's owner of migrations made on the command line.
PROJECT_ID = 'local'
_MOVING = ('MIGRATING', 'RESIZE', 'REBUILD')
#: Host option: suspended servers the evacuation resumed to move them.
RESUMED = 'resumed_servers'
_FAILED_MIGRATION = ('error', 'failed', 'cancelled')
#: Nova's migration types, as the operator says them.
_MIGRATION_KINDS = {'live-migration': 'live migration',
                    'migration': 'cold migration', 'resize': 'resize',
                    'evacuation': 'evacuation'}
#: Instance actions that move a server.
_MOVE_ACTIONS = ('live-migration', 'migrate', 'resize', 'confirmResize')


def evacuate(ctx, plan: dict) -> str | None:
    """Carry out ``plan``; None when the host runs no server any more,
    what was left on it (by the operator's choice) otherwise."""
    planned = {s['id']: s for s in plan.get('servers', [])}
    unplanned = [s for s in nova.servers_on(ctx.source, ctx.name)
                 if s['id'] not in planned]
    if unplanned:
        raise ctx.fail(
            f'{len(unplanned)} server(s) came onto the host after its '
            'evacuation plan was made: ' + ', '.join(
                _label(s) for s in unplanned[:20]) + '; ask for the target '
            'again: a new plan is made')
    _within_source(ctx, planned)
    leaving = sorted(i for i, s in planned.items()
                     if s['action'] == plan_mod.TO_DESTINATION)
    if leaving or ctx.options.get('evacuation_migration'):
        _to_destination(ctx, leaving, whole_host=bool(
            ctx.options.get('to_destination')) and len(leaving) == len(
            planned))
    left = nova.servers_on(ctx.source, ctx.name)
    kept = [s for s in left
            if planned.get(s['id'], {}).get('action') == plan_mod.LEAVE]
    others = [s for s in left if s not in kept]
    if others:
        raise ctx.fail('servers are still on the host: ' + ', '.join(
            f'{s["name"]} ({s["id"]}, {s["status"]})' for s in others[:20]))
    if kept:
        message = (f'{len(kept)} server(s) left on the host as chosen: '
                   + ', '.join(_label(s) for s in kept[:20]))
        ctx.event(message)
        return message
    ctx.event('the host runs no server')
    return None


def _within_source(ctx, planned: dict) -> None:
    conn = ctx.source
    for server_id in _unconfirmed(conn, ctx.name):
        ctx.event(f'server {server_id}: confirming the cold migration an '
                  'earlier attempt started')
        _confirm(ctx, server_id)
    for server_id in list(ctx.options.get(RESUMED) or []):
        server = nova.get_server(conn, server_id)
        if server is not None and nova.server_host(server) != ctx.name:
            # Moved by an attempt that died before suspending it again.
            _suspend_again(ctx, server)
    moving = (plan_mod.MOVE, plan_mod.OVERRIDE)
    servers = [s for s in nova.servers_on(conn, ctx.name)
               if planned.get(s['id'], {}).get('action') in moving]
    if not servers:
        return
    ctx.event(f'{len(servers)} server(s) to move to other source hosts')
    with futures.ThreadPoolExecutor(CONF.hosts.evacuate_workers) as pool:
        move = pumphouse_context.carried(_move)
        moves = [pool.submit(move, ctx, s, planned[s['id']].get('target'))
                 for s in servers]
        errors = [f.exception() for f in moves if f.exception()]
    if errors:
        raise ctx.fail('; '.join(_reason(e) for e in errors[:10]))


def _reason(error: BaseException) -> str:
    """An error of one server's move, without the step's prefix (the
    step's own failure says it once)."""
    if isinstance(error, exception.HostStepFailed):
        return error.kwargs.get('reason') or str(error)
    return str(error) or type(error).__name__


def _unconfirmed(conn, host: str) -> list[str]:
    """Servers a cold migration from ``host`` left in VERIFY_RESIZE."""
    body = nova._json(conn.compute.get(
        '/os-migrations', params={'host': host, 'status': 'finished'},
        microversion=nova.COMPUTE_MV))
    return sorted({m['instance_uuid'] for m in body.get('migrations', [])
                   if m.get('source_compute') == host})


def _label(server: dict) -> str:
    return f'server {server["name"]} ({server["id"]})'


def _move(ctx, server: dict, target: str | None = None) -> None:
    """Move one server off the host, to ``target`` (None: where the
    scheduler picks)."""
    status = server['status']
    if status in _MOVING or server.get('OS-EXT-STS:task_state'):
        ctx.event(f'{_label(server)} is already moving; waiting')
        server = _settled(ctx, server['id'])
        status = server['status']
    if nova.server_host(server) != ctx.name:
        return
    if status == 'VERIFY_RESIZE':
        # It came to this host; confirmed, it moves on as any other.
        _confirm(ctx, server['id'])
        server = _settled(ctx, server['id'])
        status = server['status']
    if status in ('ACTIVE', 'PAUSED'):
        _live_or_cold(ctx, server, target)
        if server['id'] in (ctx.options.get(RESUMED) or []):
            _suspend_again(ctx, server)  # resumed by an earlier attempt
    elif status == 'SHUTOFF':
        _cold(ctx, server, target)
    elif status == 'SUSPENDED':
        ctx.event(f'{_label(server)} is suspended: resuming it to '
                  'live-migrate it, then suspending it again')
        # Written down first: a crash leaves it to be suspended again.
        ctx.update_option(RESUMED, lambda ids: sorted(
            set(ids or []) | {server['id']}))
        nova.server_action(ctx.source, server['id'], {'resume': None})
        _settled(ctx, server['id'])
        _live_or_cold(ctx, server, target)
        _suspend_again(ctx, server)
    else:
        raise ctx.fail(f'{_label(server)} is {status} and cannot be '
                       'moved; repair or delete it and retry')


def _suspend_again(ctx, server: dict) -> None:
    current = nova.get_server(ctx.source, server['id'])
    if current is not None and current['status'] == 'ACTIVE':
        nova.server_action(ctx.source, server['id'], {'suspend': None})
        _settled(ctx, server['id'])
        ctx.event(f'{_label(server)}: suspended again')
    ctx.update_option(RESUMED, lambda ids: sorted(
        set(ids or []) - {server['id']}))


def _where(target: str | None) -> str:
    return f' to {target}' if target else ''


def _live_or_cold(ctx, server: dict, target: str | None = None) -> None:
    ctx.event(f'{_label(server)}: live-migrating{_where(target)}')
    try:
        nova.live_migrate(ctx.source, server['id'], target)
    except sdk_exc.HttpException as e:
        if e.status_code not in (400, 409):
            raise
        # Refused up front (a device or feature that cannot move live).
        reason = f'Nova refused it: {e.details or e}'
        moved = _settled(ctx, server['id'])
    else:
        moved = _settled(ctx, server['id'])
        if nova.server_host(moved) != ctx.name:
            ctx.event(f'{_label(server)}: now on {nova.server_host(moved)}')
            return
        reason = why_refused(ctx.source, server['id'])
    if moved['status'] != 'ACTIVE' or not ctx.options.get(
            'cold_fallback', True):
        raise ctx.fail(f'{_label(server)} could not be live-migrated'
                       f'{_where(target)}: {reason}')
    ctx.event(f'{_label(server)} could not be live-migrated{_where(target)}'
              f' ({reason}); cold-migrating it instead: it reboots',
              level='WARNING')
    _cold(ctx, moved, target)


def _cold(ctx, server: dict, target: str | None = None) -> None:
    ctx.event(f'{_label(server)}: cold-migrating{_where(target)}')
    try:
        nova.cold_migrate(ctx.source, server['id'], target)
    except sdk_exc.HttpException as e:
        if e.status_code not in (400, 409):
            raise
        raise ctx.fail(f'{_label(server)} could not be cold-migrated'
                       f'{_where(target)}: Nova refused it: '
                       f'{e.details or e}') from None
    moved = _settled(ctx, server['id'])
    if moved['status'] == 'VERIFY_RESIZE':
        _confirm(ctx, server['id'])
        moved = _settled(ctx, server['id'])
    if nova.server_host(moved) == ctx.name:
        raise ctx.fail(f'{_label(server)} could not be cold-migrated'
                       f'{_where(target)}: '
                       f'{why_refused(ctx.source, server["id"])}')
    ctx.event(f'{_label(server)}: now on {nova.server_host(moved)}')


def _confirm(ctx, server_id: str) -> None:
    server = nova.get_server(ctx.source, server_id)
    if server is not None and server['status'] == 'VERIFY_RESIZE':
        nova.server_action(ctx.source, server_id, {'confirmResize': None})
        # The confirmation runs with no task state: wait for the status.
        _settled(ctx, server_id, also_wait=('VERIFY_RESIZE',))


def _settled(ctx, server_id: str, also_wait: tuple = ()) -> dict:
    """The server once no migration or state change is under way (nor a
    status in ``also_wait``)."""
    def poll():
        server = nova.get_server(ctx.source, server_id)
        if server is None:
            raise ctx.fail(f'server {server_id} disappeared')
        if server['status'] in _MOVING + also_wait or \
                server.get('OS-EXT-STS:task_state'):
            return None
        if server['status'] == 'ERROR':
            raise ctx.fail(f'{_label(server)} went to ERROR: '
                           f'{why_refused(ctx.source, server_id)}')
        return server
    return ctx.wait(f'server {server_id} to settle', poll,
                    CONF.hosts.evacuate_timeout)


def why_refused(conn, server_id: str) -> str:
    """Why Nova did not move the server, as it recorded it: its newest
    migration's end, the failed events of its newest move action (their
    details, else the last line of their traceback) and its fault."""
    found = []
    for migration in nova.migrations_of(conn, server_id)[:1]:
        if migration.get('status') in _FAILED_MIGRATION:
            kind = _MIGRATION_KINDS.get(migration.get('migration_type'),
                                        'last migration')
            found.append(f'the {kind} ended {migration["status"]}')
    told = _failed_events(conn, server_id)
    server = nova.get_server(conn, server_id) or {}
    fault = (server.get('fault') or {}).get('message')
    if fault:
        told.append(f'server fault: {fault}')
    if not told:
        told.append('Nova recorded no reason with the server (no failed '
                    'event in its instance actions, no fault); its '
                    'scheduler or compute logs have it')
    return '; '.join(found + told)


def _failed_events(conn, server_id: str) -> list[str]:
    """``action: event: reason`` of each failed event of the server's
    newest move action."""
    microversion = (nova.ACTIONS_MV if nova.offers(conn, nova.ACTIONS_MV)
                    else nova.COMPUTE_MV)
    try:
        actions = [a for a in nova.instance_actions(conn, server_id,
                                                    microversion)
                   if a.get('action') in _MOVE_ACTIONS]
        if not actions:
            return []
        newest = actions[0]
        events = nova.instance_action(conn, server_id,
                                      newest['request_id'],
                                      microversion).get('events') or []
    except sdk_exc.SDKException as e:
        return [f'its instance actions could not be read ({e})']
    found = []
    for event in events:
        if (event.get('result') or '').lower() != 'error':
            continue
        text = event.get('details') or _last_line(event.get('traceback'))
        found.append(f'{newest["action"]} {event.get("event")}: '
                     f'{text or "failed"}')
    return found


def _last_line(traceback: str | None) -> str | None:
    """The exception line of a traceback, without its module path."""
    lines = [line.strip() for line in (traceback or '').splitlines()
             if line.strip()]
    if not lines:
        return None
    name, sep, message = lines[-1].partition(': ')
    return f'{name.rsplit(".", 1)[-1]}: {message}' if sep else lines[-1]


def _to_destination(ctx, server_ids: list[str],
                    whole_host: bool = False) -> None:
    """Move servers of the host to the destination cloud and delete them
    in the source (the cutover that empties the host of them).

    One migration does it, found again by its name after a crash: of the
    ``host`` workload when ``whole_host``, else of the servers
    ``server_ids``. It is created held by the host's owner and driven to
    its end through that owner's migration dispatcher
    (``ctx.run_migration``), so no other process runs it meanwhile and the
    owner's worker limit covers it.
    """
    name = f'evacuation of host {ctx.name} ({ctx.host.uuid})'
    uuid = ctx.options.get('evacuation_migration') or next(
        (m.uuid for m in migration_api.list_migrations()
         if m.name == name and m.state != migration_states.COMPLETED), None)
    if uuid is None:
        there = {s['id'] for s in nova.servers_on(ctx.source, ctx.name)}
        server_ids = [i for i in server_ids if i in there]
        if not server_ids:
            return
        if ctx.host.destination_cloud_id is None:
            raise ctx.fail('the host has no destination cloud to move its '
                           'servers to')
        clouds = {c.id: c.uuid for c in db_api.list_clouds()}
        options = dict(ctx.options.get('migration_options') or {},
                       server_cutover='delete')
        workload = ({'kind': 'host', 'names': [ctx.name]} if whole_host
                    else {'kind': 'server', 'names': sorted(server_ids)})
        migration = runner.create(
            clouds[ctx.host.source_cloud_id],
            clouds[ctx.host.destination_cloud_id],
            {'workload': workload, 'strategies': {},
             'supplementary': 'depend'},
            options, project_id=PROJECT_ID, name=name, owner=ctx.conductor)
        uuid = migration.uuid
        ctx.event(f'moving {len(server_ids)} server(s) to the destination '
                  f'cloud with migration {uuid}')
    ctx.set_option('evacuation_migration', uuid)
    if ctx.run_migration is None:
        raise ctx.fail('this process cannot run migrations')
    ctx.run_migration(uuid)
    migration = migration_api.get_migration(uuid)
    if migration.state != migration_states.COMPLETED:
        raise ctx.fail(f'migration {uuid} of the host\'s servers ended '
                       f'{migration.state}: {migration.last_error or ""}')
    ctx.event(f'migration {uuid} completed: the servers run in the '
              'destination cloud')
    # Done: a later evacuation of the host makes a migration of its own.
    ctx.set_option('evacuation_migration', None)
