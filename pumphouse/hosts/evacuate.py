"""The evacuate step: every server leaves the host.

Within the source cloud, ACTIVE and PAUSED servers are live-migrated
(``block_migration: auto``: block migration unless the storage is
shared) to a host the scheduler picks; where that is refused, an ACTIVE
server is cold-migrated instead (it reboots; a WARNING says so). SHUTOFF
servers are cold-migrated, SUSPENDED ones resumed, live-migrated and
suspended again. A cold migration is confirmed, including one an earlier,
interrupted attempt left waiting.

With the host option ``to_destination`` the servers go to the
destination cloud instead, through one migration of the ``host`` workload
(created once and resumed on a retry) whose cutover deletes the source
servers.
"""

from concurrent import futures

from openstack import exceptions as sdk_exc

from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.engine import states as migration_states
from pumphouse.hosts import nova

#: The CLI's owner of migrations made on the command line.
PROJECT_ID = 'local'
_MOVING = ('MIGRATING', 'RESIZE', 'REBUILD')
#: Host option: suspended servers the evacuation resumed to move them.
RESUMED = 'resumed_servers'
_FAILED_MIGRATION = ('error', 'failed', 'cancelled')


def evacuate(ctx) -> None:
    if ctx.options.get('to_destination'):
        _to_destination(ctx)
    else:
        _within_source(ctx)
    left = nova.servers_on(ctx.source, ctx.name)
    if left:
        raise ctx.fail('servers are still on the host: ' + ', '.join(
            f'{s["name"]} ({s["id"]}, {s["status"]})' for s in left[:20]))
    ctx.event('the host runs no server')


def _within_source(ctx) -> None:
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
    servers = nova.servers_on(conn, ctx.name)
    ctx.event(f'{len(servers)} server(s) to move to other source hosts')
    with futures.ThreadPoolExecutor(CONF.hosts.evacuate_workers) as pool:
        moves = [pool.submit(_move, ctx, s) for s in servers]
        errors = [f.exception() for f in moves if f.exception()]
    if errors:
        raise ctx.fail('; '.join(str(e) for e in errors[:10]))


def _unconfirmed(conn, host: str) -> list[str]:
    """Servers a cold migration from ``host`` left in VERIFY_RESIZE."""
    body = nova._json(conn.compute.get(
        '/os-migrations', params={'host': host, 'status': 'finished'},
        microversion=nova.COMPUTE_MV))
    return sorted({m['instance_uuid'] for m in body.get('migrations', [])
                   if m.get('source_compute') == host})


def _label(server: dict) -> str:
    return f'server {server["name"]} ({server["id"]})'


def _move(ctx, server: dict) -> None:
    status = server['status']
    if status in _MOVING:
        ctx.event(f'{_label(server)} is already moving; waiting')
        server = _settled(ctx, server['id'])
        status = server['status']
    if nova.server_host(server) != ctx.name:
        return
    if status in ('ACTIVE', 'PAUSED'):
        _live_or_cold(ctx, server)
        if server['id'] in (ctx.options.get(RESUMED) or []):
            _suspend_again(ctx, server)  # resumed by an earlier attempt
    elif status == 'SHUTOFF':
        _cold(ctx, server)
    elif status == 'SUSPENDED':
        ctx.event(f'{_label(server)} is suspended: resuming it to '
                  'live-migrate it, then suspending it again')
        # Written down first: a crash leaves it to be suspended again.
        ctx.update_option(RESUMED, lambda ids: sorted(
            set(ids or []) | {server['id']}))
        nova.server_action(ctx.source, server['id'], {'resume': None})
        _settled(ctx, server['id'])
        _live_or_cold(ctx, server)
        _suspend_again(ctx, server)
    elif status == 'VERIFY_RESIZE':
        _confirm(ctx, server['id'])
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


def _live_or_cold(ctx, server: dict) -> None:
    ctx.event(f'{_label(server)}: live-migrating')
    try:
        nova.live_migrate(ctx.source, server['id'])
    except sdk_exc.HttpException as e:
        if e.status_code not in (400, 409):
            raise
        # Refused up front (a device or feature that cannot move live).
        reason = str(e.details or e)
        moved = _settled(ctx, server['id'])
    else:
        moved = _settled(ctx, server['id'])
        if nova.server_host(moved) != ctx.name:
            ctx.event(f'{_label(server)}: now on {nova.server_host(moved)}')
            return
        reason = _migration_error(ctx, server['id'])
    if moved['status'] != 'ACTIVE' or not ctx.options.get(
            'cold_fallback', True):
        raise ctx.fail(f'{_label(server)} could not be live-migrated: '
                       f'{reason}')
    ctx.event(f'{_label(server)} could not be live-migrated ({reason}); '
              'cold-migrating it instead: it reboots', level='WARNING')
    _cold(ctx, moved)


def _cold(ctx, server: dict) -> None:
    ctx.event(f'{_label(server)}: cold-migrating')
    nova.cold_migrate(ctx.source, server['id'])
    moved = _settled(ctx, server['id'])
    if moved['status'] == 'VERIFY_RESIZE':
        _confirm(ctx, server['id'])
        moved = _settled(ctx, server['id'])
    if nova.server_host(moved) == ctx.name:
        raise ctx.fail(f'{_label(server)} could not be cold-migrated: '
                       f'{_migration_error(ctx, server["id"])}')
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
                           f'{(server.get("fault") or {}).get("message")}')
        return server
    return ctx.wait(f'server {server_id} to settle', poll,
                    CONF.hosts.evacuate_timeout)


def _migration_error(ctx, server_id: str) -> str:
    for migration in nova.migrations_of(ctx.source, server_id)[:1]:
        if migration.get('status') in _FAILED_MIGRATION:
            return (f'the {migration.get("migration_type", "")} migration '
                    f'ended {migration["status"]}; see the source Nova '
                    'logs')
    return 'no other host accepted it'


def _to_destination(ctx) -> None:
    """Move the host's servers to the destination cloud and delete them
    in the source (the cutover that empties the host).

    One migration does it, found again by its name after a crash. It is
    created held by the host's owner and driven to its end through that
    owner's migration dispatcher (``ctx.run_migration``), so no other
    process runs it meanwhile and the owner's worker limit covers it.
    """
    name = f'evacuation of host {ctx.name} ({ctx.host.uuid})'
    uuid = ctx.options.get('evacuation_migration') or next(
        (m.uuid for m in migration_api.list_migrations()
         if m.name == name and m.state != migration_states.COMPLETED), None)
    if uuid is None:
        if not nova.servers_on(ctx.source, ctx.name):
            return
        if ctx.host.destination_cloud_id is None:
            raise ctx.fail('the host has no destination cloud to move its '
                           'servers to')
        clouds = {c.id: c.uuid for c in db_api.list_clouds()}
        options = dict(ctx.options.get('migration_options') or {},
                       server_cutover='delete')
        migration = runner.create(
            clouds[ctx.host.source_cloud_id],
            clouds[ctx.host.destination_cloud_id],
            {'workload': {'kind': 'host', 'names': [ctx.name]},
             'strategies': {}, 'supplementary': 'depend'},
            options, project_id=PROJECT_ID, name=name, owner=ctx.conductor)
        uuid = migration.uuid
        ctx.event(f'moving the servers to the destination cloud with '
                  f'migration {uuid}')
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
