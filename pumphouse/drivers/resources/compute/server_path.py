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

"""The migration path of one server, from the quiesced source to the
copy running in the destination and the cutover.

``migrate`` (a plan item's create) and ``resume_copy`` (its completion
when an interrupted attempt left a copy) quiesce, boot and check holding
a turn of the server's source host (shared by every migration of the
deployment: :mod:`pumphouse.engine.host_turns`); the temporary boot user
of a server with a keypair (shared by the project's servers of that
keypair, :mod:`boot_users`) is made before the turn is taken and
removed after it is given back. Any failure on the way deletes every copy
that carries the server's marker, the temporary images and the boot user, and
brings the source back (resume or start) when Pumphouse quiesced it; the
error then fails the item. A transient fault of a cloud that the engine
answers with another attempt undoes nothing: that attempt resumes.
``after_create`` re-associates the floating IPs and cuts over; its
failures are reported as events and never undo a copy that works.

The volumes of a server are plan items of their own, which the server's
item needs: their copies are made first. So that they hold what the
server last wrote, the volume driver quiesces the server before it reads
an attached volume (:func:`server_quiesce.quiesce_ahead`), the same way
the server's item would. The server's item then finds it quiesced and
counts it as quiesced by Pumphouse; should the item fail, or be blocked
because one of its volumes (or anything else it needs) was not migrated,
the source is brought back (:func:`give_back`) and the copies of its
volumes this migration made are removed: they would miss what the server
writes once it runs again. The engine is told
(:meth:`EngineContext.removed`) and makes their items pending again, and
a resumed run copies them again after quiescing the server again.
"""

import contextlib

from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.compute import boot_users
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_quiesce
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.drivers.resources.compute import server_source
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.volume import datapath
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)


class CopyMismatch(exception.PumphouseException):
    _msg_fmt = ('the copy %(copy)s of server %(server)s came up with '
                '%(what)s %(actual)s instead of %(expected)s')


class SourceGone(exception.PumphouseException):
    _msg_fmt = ('refusing to delete %(copy)s: its source server '
                '%(server)s is gone and it is the only copy left')


def _event(ctx, resource, event_type: str, message: str,
           level: str = 'INFO') -> None:
    server_quiesce.event(ctx, resource, event_type, message, level)


def host_semaphore(ctx, resource):
    """The turn of the server's source host: bounds how many servers of
    the host move at once, in this run and across every migration of the
    deployment (:meth:`EngineContext.host_turn`)."""
    host = resource.data.get('host') or ''
    return ctx.host_turn(host, CONF.conductor.max_servers_per_host)


def settled_key(resource) -> str:
    return f'compute.server:settled:{resource.id}'


# -- the source (quiesced and brought back: see server_quiesce) ----------

def give_back(ctx, resource) -> None:
    """The server's item failed or is blocked: bring the source back if
    Pumphouse quiesced it (by the item, or ahead of it for its volumes),
    then remove the destination copies of its volumes that this
    migration made (:func:`remove_volume_copies`)."""
    if not server_quiesce.bring_back(ctx, resource):
        return
    remove_volume_copies(ctx, resource)


def _volume_keys(resource) -> list:
    keys = []
    for device in resource.attrs.get('block_devices', []):
        volume = device.get('volume')
        if res.is_ref(volume) and res.ref_key(volume) not in keys:
            keys.append(res.ref_key(volume))
    return keys


def remove_volume_copies(ctx, resource) -> None:
    """The source runs again and writes to its volumes: the destination
    copies this migration made of them (their items are done) are
    half-built parts of the server's move that no longer hold what it
    writes. Each is deleted once detached (the server's own copy is gone
    by then) with what is left of its temporaries, and the engine is told
    (:meth:`EngineContext.removed`): it forgets its mapping and makes its
    item pending again, and a resumed run copies it again after quiescing
    the server again. Copies reused from an earlier migration,
    or found in the destination when the migration was planned, are left
    alone. A copy that cannot be removed is named in a warning.
    """
    removed, left = [], []
    for key in _volume_keys(resource):
        copy_id = ctx.created(key)
        if copy_id is None:
            continue
        try:
            datapath.remove_copy(ctx, key[1], copy_id)
            ctx.removed(key, copy_id, (
                f'its copy {copy_id} was removed: server '
                f'{resource.name or resource.id}, which it is attached '
                'to, failed to migrate and runs again in the source; '
                'resuming the migration copies it again'))
        except Exception as e:
            LOG.warning('Could not remove the copy %(copy)s of volume '
                        '%(volume)s of server %(id)s: %(err)s',
                        {'copy': copy_id, 'volume': key[1],
                         'id': resource.id, 'err': e}, exc_info=True)
            left.append(f'{copy_id} (could not delete it: {e})')
        else:
            removed.append(f'{copy_id} (of volume {key[1]})')
    if removed:
        _event(ctx, resource, 'volume_copies_removed',
               'removed the destination copies of its volumes '
               f'({", ".join(removed)}): it runs again in the source, so '
               'they would miss what it writes from now on; resuming the '
               'migration copies them again once it is quiesced again')
    if left:
        _event(ctx, resource, 'stale_volumes',
               'the destination copies of its volumes '
               f'({", ".join(left)}) are still done in this migration and '
               'do not hold what it writes from now on: delete them and '
               'migrate the server with a new migration rather than '
               'resume this one',
               level='WARNING')


# -- the copy -----------------------------------------------------------

def _markers(resource, attrs: dict, original: str) -> dict:
    markers = {server_state.SOURCE_ID_KEY: resource.id,
               server_state.SOURCE_STATUS_KEY: original}
    if attrs.get('user') and not isinstance(attrs['user'], res.Unresolved):
        markers[server_state.OWNER_KEY] = attrs['user']
    return markers


def _availability_zone(ctx, resource, wanted: str | None) -> str | None:
    """The source's AZ if the destination has it, else None (Nova's
    default), with a warning."""
    if not wanted:
        return None
    zones = ctx.cached('destination:availability-zones', lambda: {
        z.name for z in ctx.destination.compute.availability_zones()
        if (z.state or {}).get('available', True)})
    if wanted in zones:
        return wanted
    _event(ctx, resource, 'availability_zone',
           f'the destination has no availability zone {wanted}; booted '
           'in its default zone', level='WARNING')
    return None


def _boot_keypair(ctx, resource, attrs: dict) -> str | None:
    """The destination id of the keypair the copy boots with, or None
    (booted by Pumphouse's own scoped connection)."""
    keypair_key = resource.data.get('keypair')
    if not attrs['key_name'] or not keypair_key:
        return None
    return ctx.lookup(('compute.keypair', keypair_key))


@contextlib.contextmanager
def _boot_connection(ctx, resource, attrs: dict):
    """The destination connection the copy is booted with: a boot user
    shared by the project's servers of that keypair (see
    :mod:`boot_users`)."""
    keypair_id = _boot_keypair(ctx, resource, attrs)
    if keypair_id is None:
        yield scoped.destination_in(ctx, attrs['project'])
        return
    keypair = server_boot.owner_keypair(ctx, keypair_id)
    with boot_users.for_run(ctx).use(attrs['project'], keypair_id,
                                     keypair) as conn:
        yield conn


def _remove_left_boot_users(ctx, resource, attrs: dict) -> None:
    """Remove the boot users an interrupted attempt may have left for
    this server (one of its own, from an earlier release, or the shared
    one when this run does not use it)."""
    server_boot.remove_boot_user(ctx, resource.id)
    keypair_id = _boot_keypair(ctx, resource, attrs)
    if keypair_id is not None:
        boot_users.for_run(ctx).discard_leftover(attrs['project'],
                                                 keypair_id)


def _boot(ctx, resource, attrs: dict, original: str, conn):
    """Boot the copy with ``conn`` (:func:`_boot_connection`) and wait
    until it is ACTIVE with no task running; return it."""
    image_id = attrs['image']
    if resource.data.get('boot') == server_source.BOOT_SNAPSHOT:
        snapshot = server_snapshot.take(ctx, resource.id)
        image_id = server_snapshot.copy(ctx, snapshot, resource.id,
                                        attrs['project'])
        _event(ctx, resource, 'snapshot',
               f'disk copied as {snapshot.size} bytes')
    request = server_boot.boot_request(
        attrs, image_id, _markers(resource, attrs, original),
        _availability_zone(ctx, resource, attrs['availability_zone']))
    copy = conn.compute.create_server(**request)
    # The boot user (if any) stays until the copy runs: Nova's compute
    # host acts with its token while it builds the server.
    running = server_state.wait_for_status(ctx.destination, copy.id,
                                           'ACTIVE',
                                           server_state.boot_timeout())
    _event(ctx, resource, 'booted', f'{copy.id} is ACTIVE')
    return running


def _finish(ctx, resource, attrs: dict, copy_id: str, original: str,
            server=None) -> None:
    """Check a running copy and bring it to what the source was;
    ``server`` is the copy as :func:`_boot` just saw it settled (else it
    is read again)."""
    if server is None:
        # Settled: a start an earlier attempt sent may still be under
        # way.
        server = server_state.settled(ctx.destination, copy_id)
    if server is None:
        raise sdk_exc.NotFoundException(f'the copy {copy_id} is gone')
    actual = server_source.fixed_addresses(server.addresses)
    if actual != attrs['addresses']:
        raise CopyMismatch(copy=copy_id, server=resource.id,
                           what='addresses', actual=actual,
                           expected=attrs['addresses'])
    wanted = {d['volume']: d['delete_on_termination']
              for d in attrs['block_devices']}
    if any(wanted.values()):
        for attachment in server_boot.attachments(ctx.destination,
                                                  copy_id):
            volume_id = attachment['volumeId']
            if wanted.get(volume_id) and not attachment.get(
                    'delete_on_termination'):
                server_boot.set_delete_on_termination(
                    ctx.destination, copy_id, volume_id, True)
    expected = server_state.expected_status(original)
    if expected == 'SHUTOFF' and server.status != 'SHUTOFF':
        server_state.shut_off(ctx.destination, copy_id)
    elif expected == 'ACTIVE' and server.status == 'SHUTOFF':
        ctx.destination.compute.start_server(copy_id)
        server_state.wait_for_status(ctx.destination, copy_id, 'ACTIVE')
    if resource.data.get('boot') == server_source.BOOT_SNAPSHOT:
        server_snapshot.remove(ctx, resource.id)
    ctx.cached(settled_key(resource), lambda: True)


def _undo(ctx, resource, attrs: dict) -> None:
    """Remove what was half built and bring the source back; each step
    on its own, so that one failing does not stop the others."""
    steps = [
        ('delete the copy', lambda: [
            server_boot.delete_copy(ctx.destination, s.id)
            for s in server_boot.marked_copies(
                ctx.destination, attrs['project'], attrs['name'],
                resource.id)]),
        ('remove the boot user',
         lambda: _remove_left_boot_users(ctx, resource, attrs)),
        ('remove the temporary images',
         lambda: server_snapshot.remove(ctx, resource.id)),
        ('bring the source back', lambda: give_back(ctx, resource)),
    ]
    for what, step in steps:
        try:
            step()
        except Exception as e:
            LOG.warning('Could not %(what)s of server %(id)s: %(err)s',
                        {'what': what, 'id': resource.id, 'err': e},
                        exc_info=True)
            _event(ctx, resource, 'revert_failed',
                   f'could not {what}: {e}', level='ERROR')


def _failed(ctx, resource, attrs: dict, error: Exception) -> None:
    """After a failure: undo, unless the engine tries the item again
    (:meth:`EngineContext.retry_planned`). Then everything is left as an
    interrupted run would leave it (the copy, the boot user, the
    temporary images, the source quiesced, the copies of its volumes):
    the next attempt finds the copy by its marker and finishes it
    (:func:`resume_copy`), or boots it; bringing the source back now would
    also remove the copies of its volumes, and block the next attempt."""
    if ctx.retry_planned(error):
        _event(ctx, resource, 'kept_for_retry',
               'the next attempt resumes from here: its copy, if any, '
               'and the source as they are')
        return
    _undo(ctx, resource, attrs)


def migrate(ctx, resource, attrs: dict) -> str:
    """Quiesce the source, boot the copy, check it; return its id.

    Only the steps that need the source server quiesced hold its host's
    turn: the boot user (and its login) is made before, and removed after
    the turn is given back.
    """
    try:
        with _boot_connection(ctx, resource, attrs) as conn, \
                host_semaphore(ctx, resource):
            original = server_quiesce.quiesce(ctx, resource)
            copy = _boot(ctx, resource, attrs, original, conn)
            _finish(ctx, resource, attrs, copy.id, original, copy)
    except exception.WaitStopped:
        raise  # nothing done yet: nothing to undo
    except Exception as e:
        _failed(ctx, resource, attrs, e)
        raise
    return copy.id


def resume_copy(ctx, resource, attrs: dict, existing: dict) -> str:
    """Finish a copy an interrupted attempt booted; return its id.

    A copy that is still building is waited for; one that failed is
    deleted and the server migrated again.
    """
    with host_semaphore(ctx, resource):
        try:
            original = server_quiesce.quiesce(ctx, resource)
            try:
                if existing['status'] not in ('ACTIVE', 'SHUTOFF'):
                    server_state.wait_for_status(
                        ctx.destination, existing['id'], 'ACTIVE',
                        server_state.boot_timeout())
            except server_state.ServerFailed as e:
                _event(ctx, resource, 'rebuild',
                       f'the copy left by an interrupted attempt failed '
                       f'({e}); booting it again', level='WARNING')
                server_boot.delete_copy(ctx.destination, existing['id'])
                with _boot_connection(ctx, resource, attrs) as conn:
                    copy_id = _boot(ctx, resource, attrs, original,
                                    conn).id
            else:
                copy_id = existing['id']
            _finish(ctx, resource, attrs, copy_id, original)
            _remove_left_boot_users(ctx, resource, attrs)
        except Exception as e:
            _failed(ctx, resource, attrs, e)
            raise
        return copy_id


# -- after the copy runs --------------------------------------------------

def _floating_ips(ctx, resource) -> None:
    """Point every floating IP of the source's ports at the copy's port
    (network.floating_ip associates them when it creates them)."""
    for fip_id, wanted in sorted(resource.data.get('floating_ips',
                                                   {}).items()):
        fip_copy = ctx.lookup(('network.floating_ip', fip_id))
        port_copy = ctx.lookup(('network.port', wanted['port']))
        if not fip_copy or not port_copy or any(
                isinstance(v, res.Unresolved) for v in (fip_copy,
                                                        port_copy)):
            continue
        fip = ctx.destination.network.get_ip(fip_copy)
        if fip.port_id == port_copy:
            continue
        ctx.destination.network.update_ip(
            fip, port_id=port_copy,
            fixed_ip_address=wanted.get('fixed_ip_address'))
        _event(ctx, resource, 'floating_ip',
               f'{fip.floating_ip_address} associated with port '
               f'{port_copy}')


def cutover(ctx, resource) -> None:
    """Leave the source as the ``server_cutover`` option says."""
    mode = ctx.options.get('server_cutover', 'keep')
    if mode == 'delete':
        ctx.source.compute.delete_server(resource.id, ignore_missing=True)
        _event(ctx, resource, 'cutover', 'deleted in the source')
    elif mode == 'stop':
        if server_state.shut_off(ctx.source, resource.id):
            _event(ctx, resource, 'cutover', 'stopped in the source')
    else:
        server_quiesce.bring_back(ctx, resource)


def after_create(ctx, resource, copy_id: str) -> None:
    """Clean up after a crash, floating IPs, then the cutover. A step
    that fails is an event, never undoes the copy; after a transient
    fault that the engine answers with another attempt, that attempt
    (which adopts the copy) does the steps again."""
    steps = [('re-associate the floating IPs',
              lambda: _floating_ips(ctx, resource)),
             ('cut over', lambda: cutover(ctx, resource))]
    if settled_key(resource) not in ctx.cache:
        # Adopted from an interrupted attempt: remove what it left.
        steps.insert(0, ('remove what an interrupted attempt left',
                         lambda: (_remove_left_boot_users(
                             ctx, resource, ctx.translate(resource.attrs)),
                             server_snapshot.remove(ctx, resource.id))))
    for what, step in steps:
        try:
            step()
        except Exception as e:
            if ctx.retry_planned(e):
                # The next attempt adopts the copy and does this again.
                raise
            LOG.warning('Could not %(what)s for server %(id)s: %(err)s',
                        {'what': what, 'id': resource.id, 'err': e},
                        exc_info=True)
            _event(ctx, resource, 'cutover_failed',
                   f'{copy_id} runs in the destination, but Pumphouse '
                   f'could not {what}: {e}', level='ERROR')


def delete(ctx, copy_id: str) -> None:
    """Undo a migrated server: delete the copy, bring the source back.

    Refuses when the source is gone (cut over with ``delete``): the copy
    is then the only one.
    """
    copy = server_state.get_or_none(ctx.destination, copy_id)
    if copy is None:
        return
    metadata = copy.metadata or {}
    source_id = metadata.get(server_state.SOURCE_ID_KEY)
    if source_id and server_state.get_or_none(ctx.source,
                                              source_id) is None:
        raise SourceGone(copy=copy_id, server=source_id)
    server_boot.delete_copy(ctx.destination, copy_id)
    if not source_id:
        return
    server_boot.remove_boot_user(ctx, source_id)
    server_snapshot.remove(ctx, source_id)
    if metadata.get(server_state.SOURCE_STATUS_KEY) == 'ACTIVE':
        server_state.bring_back(ctx.source, source_id)
