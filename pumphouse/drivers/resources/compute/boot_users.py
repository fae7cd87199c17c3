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

"""Boot users shared by the servers of a run.

A server with a keypair is booted by a temporary destination user that
holds a copy of the keypair (:class:`server_boot.BootUser`). Making one
costs the destination a user, a role grant, a keypair, a login and
their removal: about three seconds of the clouds' work, which a
project of many servers of one owner would pay once per server. The
servers of one project that boot with one keypair therefore share a
boot user for as long as one of them needs it: the first makes it, the
last one done removes it.

The user's name is made from the migration, the project and the
keypair, so that

* the servers of two migrations never share a user (each migration
  removes its own);
* a resumed run (another process, after a crash) finds what the
  interrupted one left: the first of its servers that needs the user
  makes it anew (a leftover of that name is replaced, never given a new
  password: see :meth:`server_boot.BootUser._create`), and a server
  whose copy the interrupted attempt booted removes the leftover unless
  this run uses it (:meth:`BootUsers.discard_leftover`).

A server whose attempt failed on a transient fault that the engine
answers with another attempt keeps the user until the end of the run:
Nova may still build its copy with the user's token. What is left at the
end of the run is removed then (:meth:`BootUsers.close`, through
:meth:`EngineContext.borrowed`).
"""

import contextlib
import dataclasses
import hashlib
import threading
from collections.abc import Iterator

from oslo_log import log

from pumphouse.drivers.resources.compute import server_boot

LOG = log.getLogger(__name__)

_BORROW_NAME = 'compute:boot-users'


def shared_name(migration_id, project_id: str, keypair_id: str) -> str:
    """The name of the boot user of ``project_id``'s servers that boot
    with the destination keypair ``keypair_id`` in one migration."""
    digest = hashlib.sha256(
        f'{migration_id}/{project_id}/{keypair_id}'.encode()).hexdigest()
    return f'{server_boot.BOOT_USER_PREFIX}{digest[:32]}'


@dataclasses.dataclass
class _Shared:
    """One shared user: its lock (held while it is made or removed),
    how many servers use it, whether a server's retry keeps it."""

    name: str
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    user: server_boot.BootUser | None = None
    holders: int = 0
    kept: bool = False
    #: Its removal failed: tried again at the end of the run.
    left: bool = False


class BootUsers:
    """The shared boot users of one run (one per :class:`EngineContext`,
    see :func:`for_run`)."""

    def __init__(self, ctx) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._shared: dict[str, _Shared] = {}

    def _entry(self, name: str) -> _Shared:
        with self._lock:
            found = self._shared.get(name)
            if found is None:
                found = self._shared[name] = _Shared(name)
            return found

    def name(self, project_id: str, keypair_id: str) -> str:
        return shared_name(getattr(self._ctx, 'migration_id', ''),
                           project_id, keypair_id)

    @contextlib.contextmanager
    def use(self, project_id: str, keypair_id: str,
            keypair: dict) -> Iterator:
        """A connection as the boot user of ``project_id`` holding a copy
        of ``keypair`` (see :func:`server_boot.owner_keypair`; its
        destination id is ``keypair_id``), made if no server of the run
        holds it, removed when the last one is done."""
        entry = self._entry(self.name(project_id, keypair_id))
        with entry.lock:
            if entry.user is None:
                user = server_boot.BootUser(self._ctx, entry.name,
                                            project_id, [keypair])
                user.create()
                entry.user = user
            entry.holders += 1
            connection = entry.user.connection
        failed = None
        try:
            yield connection
        except BaseException as e:
            failed = e
            raise
        finally:
            self._leave(entry, failed)

    def _leave(self, entry: _Shared, failed: BaseException | None) -> None:
        with entry.lock:
            entry.holders -= 1
            if failed is not None and self._ctx.retry_planned(failed):
                # Nova may still build that server's copy with the
                # user's token: the user stays until the run ends.
                entry.kept = True
            if entry.holders or entry.kept or entry.user is None:
                return
            entry.user = None
            # The servers are done: a failed removal fails none of them,
            # it is tried again when the run ends.
            entry.left = not self._remove(entry.name, final=False)

    def discard_leftover(self, project_id: str, keypair_id: str) -> None:
        """Remove the boot user an interrupted run left for these
        servers, unless this run has made it again and uses it."""
        entry = self._entry(self.name(project_id, keypair_id))
        with entry.lock:
            if entry.user is None:
                server_boot.remove_users_named(self._ctx, entry.name)

    def close(self) -> None:
        """Remove every boot user the run still has (kept for a retry
        that did not come, or held when the run stopped)."""
        with self._lock:
            entries, self._shared = list(self._shared.values()), {}
        for entry in entries:
            with entry.lock:
                if entry.user is not None or entry.left:
                    entry.user, entry.left = None, False
                    self._remove(entry.name, final=True)

    def _remove(self, name: str, final: bool) -> bool:
        """Remove the user; False (logged, an event when the run ends)
        when that failed."""
        try:
            server_boot.remove_users_named(self._ctx, name)
        except Exception as e:
            LOG.warning('Could not remove the boot user %(name)s: %(err)s',
                        {'name': name, 'err': e}, exc_info=True)
            if final:
                self._ctx.event(
                    'boot_user', f'could not remove the temporary boot '
                    f'user {name} of the destination: {e}', level='ERROR')
            return False
        return True


def for_run(ctx) -> BootUsers:
    """The shared boot users of ``ctx``'s run, removed when the run gives
    back what it borrowed."""
    return ctx.borrowed(_BORROW_NAME, lambda: BootUsers(ctx),
                        BootUsers.close)
