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

"""Power states of servers: waiting, quiescing and restoring the source.

The source server is quiesced (suspended, or stopped by option) before
its copy boots in the destination, and brought back afterwards according
to the cutover option, or at once when the migration of the server
fails. Whether Pumphouse quiesced it is told by the status the plan saw
(``ACTIVE``): a resumed run finds the server still suspended by the
interrupted attempt and treats it the same way, and so does the server's
item when the copy of one of its volumes quiesced it first.
"""

import time
from collections.abc import Callable

from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import exception
from pumphouse.common import faults
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: Metadata keys Pumphouse adds to a destination server. The source
#: server's id marks the copy, so that a resumed run finds it instead of
#: booting a second one; the owner is the destination id of the user who
#: owned the source server (the copy is booted by another user); the
#: source status says what the source was before Pumphouse quiesced it.
SOURCE_ID_KEY = 'pumphouse:source_server_id'
OWNER_KEY = 'pumphouse:owner_user_id'
SOURCE_STATUS_KEY = 'pumphouse:source_status'
MARKER_KEYS = (SOURCE_ID_KEY, OWNER_KEY, SOURCE_STATUS_KEY)
MARKER_PREFIX = 'pumphouse:'

#: Source statuses a server can be migrated from, and the status its copy
#: is left in: a running server runs in the destination, a server that
#: was not running is left stopped there.
MIGRATABLE = {'ACTIVE': 'ACTIVE', 'SHUTOFF': 'SHUTOFF',
              'SUSPENDED': 'SHUTOFF', 'PAUSED': 'SHUTOFF'}
#: Statuses of a source server that Pumphouse quiesced.
QUIESCED = ('SUSPENDED', 'SHUTOFF')

# How long the waits may take is configured in [timeouts]
# (server_action, server_boot, server_delete).

#: Seconds of a wait polled at ``[timeouts] server_poll_interval``; the
#: pause then grows by half at each poll up to POLL_MAX seconds.
POLL_STEADY_FOR, POLL_MAX = 10.0, 3.0


class ServerFailed(exception.PumphouseException):
    _msg_fmt = 'server %(server)s went to %(status)s: %(fault)s'


class ServerTimeout(exception.PumphouseException):
    _msg_fmt = ('server %(server)s did not reach %(wanted)s within '
                '%(timeout)ss (status %(status)s)')


def expected_status(source_status: str | None) -> str:
    """The status the destination copy of a server should end in."""
    return MIGRATABLE.get(source_status or '', 'ACTIVE')


def poll(check: Callable[[], object], timeout: float,
         on_timeout: Callable[[], Exception]):
    """Call ``check`` until it returns something true; raise
    ``on_timeout()`` after ``timeout`` seconds. The pause between two
    calls is ``[timeouts] server_poll_interval`` for the first
    POLL_STEADY_FOR seconds, then grows (see :func:`next_pause`).

    A transient fault of the cloud in ``check`` (its request retried in
    vain: :mod:`pumphouse.common.faults`) counts as one more poll that
    saw nothing new; it is raised only when the time is up.
    """
    start = time.monotonic()
    deadline = start + timeout
    pause = CONF.timeouts.server_poll_interval
    while True:
        fault = None
        try:
            result = check()
        except Exception as e:
            if not faults.is_transient(e):
                raise
            fault, result = e, None
        if result:
            return result
        if time.monotonic() >= deadline:
            if fault is not None:
                raise fault
            raise on_timeout()
        if fault is not None:
            LOG.warning('A poll of the cloud failed, polling on: %s',
                        faults.describe(fault))
        now = time.monotonic()
        time.sleep(min(pause, max(deadline - now, 0.05)))
        pause = next_pause(pause, now - start)


def next_pause(pause: float, waited: float) -> float:
    """The pause after ``pause``, ``waited`` seconds into a wait."""
    interval = CONF.timeouts.server_poll_interval
    if waited < POLL_STEADY_FOR:
        return interval
    return min(pause * 1.5, max(POLL_MAX, interval))


def fault_message(server) -> str:
    fault = getattr(server, 'fault', None) or {}
    return fault.get('message') or 'no fault recorded by Nova'


def boot_timeout() -> float:
    """Seconds a copy may take to become ACTIVE (``[timeouts]
    server_boot``)."""
    return CONF.timeouts.server_boot


def wait_for_status(conn, server_id: str, wanted: str,
                    timeout: float | None = None):
    """The server once it is in ``wanted`` with no task running.

    ``timeout`` defaults to ``[timeouts] server_action``. ERROR raises
    :class:`ServerFailed` with Nova's fault message; a server that
    disappears raises the SDK's NotFoundException.
    """
    if timeout is None:
        timeout = CONF.timeouts.server_action
    last = {}

    def check():
        server = conn.compute.get_server(server_id)
        last['status'] = server.status
        if server.status == 'ERROR' and wanted != 'ERROR':
            raise ServerFailed(server=server_id, status='ERROR',
                               fault=fault_message(server))
        if server.status == wanted and not server.task_state:
            return server
        return None

    return poll(check, timeout, lambda: ServerTimeout(
        server=server_id, wanted=wanted, timeout=int(timeout),
        status=last.get('status')))


def wait_for_delete(conn, server_id: str,
                    timeout: float | None = None) -> None:
    """Wait until a server is gone (``timeout`` defaults to
    ``[timeouts] server_delete``)."""
    if timeout is None:
        timeout = CONF.timeouts.server_delete

    def gone():
        try:
            conn.compute.get_server(server_id)
        except sdk_exc.NotFoundException:
            return True
        return False

    poll(gone, timeout, lambda: ServerTimeout(
        server=server_id, wanted='deleted', timeout=int(timeout),
        status='still there'))


def get_or_none(conn, server_id: str):
    try:
        return conn.compute.get_server(server_id)
    except sdk_exc.NotFoundException:
        return None


_GONE = object()


def settled(conn, server_id: str, timeout: float | None = None):
    """The server once no task runs on it, None if it is gone.

    A task may be an action of Pumphouse whose answer was lost (a
    suspend, a snapshot sent by an attempt that failed with a transient
    fault: the next attempt finds it under way), or someone else's.
    Raises :class:`ServerTimeout` when one still runs after ``timeout``
    (default ``[timeouts] server_action``).
    """
    if timeout is None:
        timeout = CONF.timeouts.server_action
    last = {}

    def check():
        server = get_or_none(conn, server_id)
        if server is None:
            return _GONE
        last['task'] = server.task_state
        return None if server.task_state else server

    found = poll(check, timeout, lambda: ServerTimeout(
        server=server_id, wanted='no task running', timeout=int(timeout),
        status=f'task {last.get("task")}'))
    return None if found is _GONE else found


def quiesce(conn, server_id: str, mode: str) -> str:
    """Suspend (or stop, ``mode`` = ``stop``) an ACTIVE server and wait.

    Falls back to stopping a server Nova refuses to suspend (e.g. one
    with devices that cannot be suspended). Returns the status reached.
    """
    if mode != 'stop':
        try:
            conn.compute.suspend_server(server_id)
        except (sdk_exc.ConflictException, sdk_exc.BadRequestException):
            pass  # not suspendable: stop it instead
        else:
            wait_for_status(conn, server_id, 'SUSPENDED')
            return 'SUSPENDED'
    conn.compute.stop_server(server_id)
    wait_for_status(conn, server_id, 'SHUTOFF')
    return 'SHUTOFF'


def bring_back(conn, server_id: str) -> bool:
    """Resume or start a server Pumphouse quiesced; True if it did."""
    server = settled(conn, server_id)
    if server is None or server.status not in QUIESCED:
        return False
    if server.status == 'SUSPENDED':
        conn.compute.resume_server(server_id)
    else:
        conn.compute.start_server(server_id)
    wait_for_status(conn, server_id, 'ACTIVE')
    return True


def shut_off(conn, server_id: str) -> bool:
    """Leave a server SHUTOFF (resuming a suspended one first)."""
    server = settled(conn, server_id)
    if server is None or server.status == 'SHUTOFF':
        return False
    if server.status == 'SUSPENDED':
        conn.compute.resume_server(server_id)
        wait_for_status(conn, server_id, 'ACTIVE')
    elif server.status == 'PAUSED':
        conn.compute.unpause_server(server_id)
        wait_for_status(conn, server_id, 'ACTIVE')
    conn.compute.stop_server(server_id)
    wait_for_status(conn, server_id, 'SHUTOFF')
    return True
