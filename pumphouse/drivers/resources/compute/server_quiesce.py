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

"""The source server around its migration: quiesced before its data is
read, brought back when its migration fails.

Its own item quiesces a server (:func:`quiesce`); so does the volume
driver before it reads an attached volume (:func:`quiesce_ahead`), so
that the copy holds what the server last wrote. Both the server path
(:mod:`.server_path`) and the volume data path
(:mod:`pumphouse.drivers.resources.volume.datapath`) use this module:
the server path needs the data path (it removes volume copies), the data
path needs only this.
"""

from openstack import exceptions as sdk_exc

from pumphouse.common import exception
from pumphouse.drivers.resources.compute import server_state


class SourceNotReady(exception.PumphouseException):
    _msg_fmt = 'source server %(server)s cannot be migrated now: %(reason)s'


def event(ctx, resource, event_type: str, message: str,
          level: str = 'INFO') -> None:
    """An event of the run about one source server."""
    ctx.event(event_type, f'compute.server {resource.name or resource.id}: '
              f'{message}', level=level)


def quiesce(ctx, resource) -> str:
    """Quiesce the source if it runs; return its status before.

    A source the plan saw ACTIVE and that is suspended or stopped now was
    quiesced by Pumphouse (ahead of its item, for its volumes, or by an
    interrupted attempt): it counts as ACTIVE. One server is quiesced by
    one thread at a time (its volumes are copied in parallel).
    """
    with ctx.semaphore(f'quiesce:{resource.id}', 1):
        return _quiesce(ctx, resource)


def _quiesce(ctx, resource) -> str:
    # A task under way may be this item's own suspend (or snapshot) whose
    # answer a transient fault lost: it is waited for.
    try:
        server = server_state.settled(ctx.source, resource.id)
    except server_state.ServerTimeout as e:
        raise SourceNotReady(server=resource.id,
                             reason=f'a task is still running ({e})') from e
    if server is None:
        raise sdk_exc.NotFoundException(
            f'source server {resource.id} is gone')
    if server.status == 'ACTIVE':
        mode = ctx.options.get('server_stop_mode', 'suspend')
        reached = server_state.quiesce(ctx.source, resource.id, mode)
        event(ctx, resource, 'quiesced',
               'suspended in the source' if reached == 'SUSPENDED'
               else 'stopped in the source')
        return 'ACTIVE'
    if resource.data.get('status') == 'ACTIVE' and \
            server.status in server_state.QUIESCED:
        return 'ACTIVE'
    if server.status in server_state.MIGRATABLE:
        return server.status
    raise SourceNotReady(server=resource.id,
                         reason=f'status {server.status}')


def quiesce_ahead(ctx, server_id: str) -> bool:
    """Quiesce a source server before data it writes is read (one of its
    volumes); True if it no longer runs, False if it runs on.

    A server is quiesced only when this run migrates it (an item to
    create, not done yet) and its plan saw it ACTIVE: its own item then
    recognises it as quiesced by Pumphouse (:func:`quiesce`) and brings
    it back on failure or when it is blocked. Any other server (not in
    the migration, reused, or started since it was planned) is left
    running.
    """
    resource = ctx.planned(('compute.server', server_id))
    if resource is not None and resource.data.get('status') == 'ACTIVE':
        quiesce(ctx, resource)
        return True
    server = server_state.get_or_none(ctx.source, server_id)
    return server is None or server.status != 'ACTIVE'


def bring_back(ctx, resource) -> bool:
    """Resume or start the source if Pumphouse quiesced it; True if it
    did."""
    if resource.data.get('status') != 'ACTIVE':
        return False
    if server_state.bring_back(ctx.source, resource.id):
        event(ctx, resource, 'restored', 'running again in the source')
        return True
    return False
