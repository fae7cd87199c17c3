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

"""What the driver tests (and those of the engine's pre-checks) share: a
fake engine context, a fake project access, and the builders of drivers
and selections.

:class:`FakeContext` stands in for
:class:`pumphouse.engine.context.EngineContext` and
:class:`FakeProjectAccess` for
:class:`pumphouse.drivers.resources.scoped.ProjectAccess`. A fake has
only what its real class has, under the same names and with the same
signatures, plus the records a test reads back (its ``RECORDS``):
``test_fakes`` checks it, so a driver cannot pass a test by using what
the real object does not offer. What a fake answers is set when it is
made (the clouds, the cache, the ids, what the run plans or created).
"""

import collections
import threading
from collections.abc import Callable
from collections.abc import Iterable
from unittest import mock

from pumphouse.engine import context as context_mod
from pumphouse.engine import resource as res
from pumphouse.engine import selection as selection_mod

#: One call of :meth:`FakeContext.event`.
Event = collections.namedtuple('Event', 'event_type message level item')


class FakeContext:
    """An engine context over the clouds a test gives (``source``,
    ``destination``: an openstacksdk connection is the boundary).

    ``ids`` are the destination ids this run recorded and ``mappings``
    those of earlier migrations (``lookup`` answers both, ``mapped`` the
    latter); ``planned`` are the resources this run is to create,
    ``created`` the destination ids of what its items created,
    ``versions`` the API versions by side, ``borrowed`` what the run
    already borrowed, by name; ``retrying`` is what
    :meth:`retry_planned` answers (whether the engine tries the item
    again after a failure).
    """

    #: What only the fake has: what the drivers did, for the test.
    RECORDS = frozenset({'events', 'progressed'})

    def __init__(self, source=None, destination=None, *,
                 options: dict | None = None, cache: dict | None = None,
                 ids: dict | None = None, mappings: dict | None = None,
                 planned: Iterable[res.Resource] = (),
                 created: dict | None = None,
                 versions: dict | None = None,
                 borrowed: dict | None = None,
                 retrying: bool = False) -> None:
        self.source = source
        self.destination = destination
        self.source_cloud_id = 1
        self.destination_cloud_id = 2
        self.options = dict(options or {})
        self.cache = dict(cache or {})
        self.source_requests = context_mod.RequestCounter()
        #: Every :meth:`event`, as an :data:`Event`.
        self.events: list[Event] = []
        #: Every :meth:`progress`: ``(key, done, total, final)``.
        self.progressed: list[tuple] = []
        self._lock = threading.Lock()
        self._ids = _keyed(ids)
        self._mappings = _keyed(mappings)
        self._planned = {r.key: r for r in planned}
        self._created = _keyed(created)
        self._removals: list[context_mod.Removal] = []
        self._versions = dict(versions or {})
        self._borrowed = dict(borrowed or {})
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._retrying = retrying

    def semaphore(self, name: str, size: int) -> threading.BoundedSemaphore:
        with self._lock:
            found = self._semaphores.get(name)
            if found is None:
                found = self._semaphores[name] = threading.BoundedSemaphore(
                    max(size, 1))
            return found

    def host_turn(self, host: str, size: int):
        # The run's semaphore of the host only: no other migration.
        return self.semaphore(f'host:{host}', size)

    def borrowed(self, name: str, make: Callable, give_back: Callable):
        # Nothing is given back: a test's run is never released.
        with self._lock:
            if name not in self._borrowed:
                self._borrowed[name] = make()
            return self._borrowed[name]

    def planned(self, key: res.Key) -> res.Resource | None:
        return self._planned.get(tuple(key))

    def created(self, key: res.Key) -> str | None:
        removed = {r.destination_id for r in self._removals
                   if r.key == tuple(key)}
        found = self._created.get(tuple(key))
        return found if found not in removed else None

    def removed(self, key: res.Key, destination_id: str,
                reason: str) -> None:
        self._removals.append(context_mod.Removal(tuple(key),
                                                  destination_id, reason))

    def take_removals(self) -> list['context_mod.Removal']:
        # What the engine does with them: the items are pending again,
        # their copies gone (created() does not answer them either).
        taken, self._removals = self._removals, []
        for removal in taken:
            if self._created.get(removal.key) == removal.destination_id:
                del self._created[removal.key]
        return taken

    def progress(self, key: res.Key, done: int, total: int | None = None,
                 final: bool = False) -> None:
        self.progressed.append((key, done, total, final))

    def lookup(self, key: res.Key) -> str | None:
        found = self._ids.get(tuple(key))
        return found if found is not None else self._mappings.get(
            tuple(key))

    def mapped(self, key: res.Key) -> str | None:
        return self._mappings.get(tuple(key))

    def record(self, key: res.Key, destination_id: str) -> None:
        self._ids[tuple(key)] = destination_id

    def translate(self, attrs: dict) -> dict:
        return res.translate(attrs, self.lookup)

    def cached(self, name: str, load: Callable[[], object]):
        if name not in self.cache:
            self.cache[name] = load()
        return self.cache[name]

    def api_versions(self, side: str) -> dict:
        return self._versions[side]

    def event(self, event_type: str, message: str, level: str = 'INFO',
              item=None) -> None:
        self.events.append(Event(event_type, message, level, item))

    def retry_planned(self, error: BaseException) -> bool:
        return self._retrying


def _keyed(found: dict | None) -> dict:
    return {tuple(k): v for k, v in (found or {}).items()}


class FakeProjectAccess:
    """The run's project access (:mod:`pumphouse.drivers.resources.scoped`):
    one connection, ``scoped``, whatever the project; the project last
    asked for is ``scoped_to``. Give it to a :class:`FakeContext` as
    ``borrowed={scoped.BORROWED: access}``."""

    RECORDS = frozenset({'scoped', 'scoped_to', 'kept'})

    def __init__(self, connection=None) -> None:
        self.scoped = connection if connection is not None else mock.Mock()
        self.scoped_to: str | None = None
        self.kept: list[tuple[str, str, str]] = []

    def connection(self, project_id: str):
        self.scoped_to = project_id
        return self.scoped

    def keep(self, project_id: str, user_id: str, role_id: str) -> None:
        self.kept.append((project_id, user_id, role_id))

    def release(self) -> None:
        return None


def driver(cls, resource_type: str):
    """A driver of ``cls`` registered as ``resource_type``."""
    made = cls()
    made.resource_type = resource_type
    return made


def select(resource_type: str, kind: str = 'project',
           strategy: str | None = None, names: Iterable[str] = ('web',),
           scope: Iterable[str] = ('p1',)) -> selection_mod.Selection:
    """A workload of ``kind`` named ``names`` whose projects in scope are
    ``scope``; ``strategy`` (if any) for ``resource_type``."""
    chosen = selection_mod.Selection(
        selection_mod.Workload(kind, list(names)),
        strategies={resource_type: strategy} if strategy else {})
    chosen.scope_projects = set(scope)
    return chosen
