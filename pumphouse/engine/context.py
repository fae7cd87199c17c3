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

"""What the engine and the drivers share while working on one migration."""

import collections
import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import TypeVar

from oslo_log import log

from pumphouse.common import api_versions as api_versions_mod
from pumphouse.common import cloud_session
from pumphouse.db import mapping_api
from pumphouse.db import migration_api
from pumphouse.engine import host_turns
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)

T = TypeVar('T')

#: The progress of a data transfer is written to its plan item at most
#: once per :data:`PROGRESS_INTERVAL` seconds *and* per
#: :data:`PROGRESS_BYTES` bytes (whichever comes later), plus when it
#: starts and when it ends (see :meth:`EngineContext.progress`).
PROGRESS_INTERVAL = 1.0
PROGRESS_BYTES = 64 * 1024 * 1024

#: The clock of the progress throttle (tests replace it).
_now = time.monotonic


class RequestCounter:
    """Counts the HTTP requests a connection makes, by method."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self._lock = threading.Lock()

    def attach(self, conn) -> None:
        # keystoneauth sends through a requests.Session: count responses.
        conn.session.session.hooks['response'].append(self._count)

    def _count(self, response, *args, **kwargs):
        with self._lock:
            self.counts[response.request.method] += 1
        return response

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class TimedSemaphore(threading.BoundedSemaphore):
    """A bounded semaphore that tells ``on_wait`` how many seconds each
    blocking acquire waited."""

    def __init__(self, value: int, on_wait: Callable[[float], None]) -> None:
        super().__init__(value)
        self._on_wait = on_wait

    def acquire(self, blocking: bool = True,
                timeout: float | None = None) -> bool:
        began = time.monotonic()
        if timeout is None:
            acquired = super().acquire(blocking)
        else:
            acquired = super().acquire(blocking, timeout)
        self._on_wait(time.monotonic() - began)
        return acquired

    # threading.Semaphore binds __enter__ to its own acquire.
    __enter__ = acquire


@dataclasses.dataclass(frozen=True)
class Removal:
    """A destination resource this migration created, removed again by a
    driver (see :meth:`EngineContext.removed`)."""

    key: res.Key
    destination_id: str
    reason: str


class EngineContext:
    """Connections, options and the id mapping of one migration.

    ``lookup`` answers destination ids for source resources from what this
    migration planned or did, then from the mappings of earlier
    migrations between the same clouds.

    ``migration_id`` is the migration's database id and ``owner`` the
    owner running it (see :func:`pumphouse.engine.runner.run`), None for a
    run without one: they are recorded with the turns of source hosts
    the run takes (:meth:`host_turn`).
    """

    def __init__(self, source, destination, source_cloud_id: int,
                 destination_cloud_id: int, options: dict | None = None,
                 emit: Callable[..., None] | None = None,
                 migration_id: int | None = None,
                 owner: str | None = None) -> None:
        self.source = source
        self.destination = destination
        self.source_cloud_id = source_cloud_id
        self.destination_cloud_id = destination_cloud_id
        self.migration_id = migration_id
        self.owner = owner
        self.options = dict(options or {})
        self.cache: dict = {}
        self.source_requests = RequestCounter()
        self.source_requests.attach(source)
        self._emit = emit
        self._lock = threading.Lock()
        self._ids: dict[res.Key, str] = {}
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._to_create: dict[res.Key, object] = {}
        self._items: dict[res.Key, int] = {}
        self._reopened: set[int] = set()
        self._removals: list[Removal] = []
        self._progress: dict[int, tuple[float, int, int | None]] = {}
        self._mappings = mapping_api.load_mappings(source_cloud_id,
                                                   destination_cloud_id)
        #: Whether the run is told to stop (cancelled, taken over, its
        #: owner stopping): set by :func:`pumphouse.engine.apply.apply`;
        #: a server waiting for its host's turn asks it.
        self.should_stop: Callable[[], bool] = lambda: False
        self._borrow_lock = threading.Lock()
        self._borrowed: dict[str, tuple[object, Callable]] = {}
        # What the current thread works on: see attempt().
        self._local = threading.local()
        # The retries of requests to the clouds are events of the run.
        for conn in (source, destination):
            cloud_session.observe(conn, self._retried)

    def semaphore(self, name: str, size: int) -> threading.BoundedSemaphore:
        """A semaphore shared by the whole run under ``name``: bounds work
        such as data transfers or servers per source host. The time a
        thread waits for it is not work of its item (see
        :meth:`waited`)."""
        with self._lock:
            found = self._semaphores.get(name)
            if found is None:
                found = self._semaphores[name] = TimedSemaphore(
                    max(size, 1), self._add_wait)
            return found

    def host_turn(self, host: str,
                  size: int) -> contextlib.AbstractContextManager[None]:
        """A turn of source ``host`` within the block: one of ``size``,
        shared by every migration of the deployment (see
        :mod:`pumphouse.engine.host_turns`); the run's semaphore of the
        host first. The time waited for either is not work of the item
        (see :meth:`waited`)."""
        return host_turns.turn(self.semaphore(f'host:{host}', size),
                               self._add_wait, self.source_cloud_id, host,
                               size, self.migration_id, self.owner,
                               self.should_stop)

    def start_clock(self) -> None:
        """For the engine: the current thread starts an item; what it
        waits for semaphores from now on is counted (:meth:`waited`)."""
        self._local.waited = 0.0

    def waited(self) -> float:
        """Seconds the current thread waited for the run's semaphores
        since :meth:`start_clock`."""
        return getattr(self._local, 'waited', 0.0)

    def _add_wait(self, seconds: float) -> None:
        self._local.waited = self.waited() + seconds

    def borrowed(self, name: str, make: Callable[[], T],
                 give_back: Callable[[T], None]) -> T:
        """What the drivers borrow for the run under ``name`` (e.g. the
        destination's temporary role grants): ``make()`` once, under a
        lock (it must be quick), and ``give_back`` it on :meth:`release`.
        """
        with self._borrow_lock:
            found = self._borrowed.get(name)
            if found is None:
                found = self._borrowed[name] = (make(), give_back)
            return found[0]

    def release(self) -> None:
        """Give back what the run borrowed (see :meth:`borrowed`); a
        failure is logged and the rest is given back all the same."""
        with self._borrow_lock:
            borrowed, self._borrowed = self._borrowed, {}
        for name, (thing, give_back) in borrowed.items():
            try:
                give_back(thing)
            except Exception:
                LOG.warning('Could not give back %s', name, exc_info=True)

    def remember_plan(self, items: Iterable) -> None:
        """The plan items this run applies (not done yet): see
        :meth:`planned`."""
        with self._lock:
            self._to_create = {(i.resource_type, i.source_id): i
                               for i in items if i.action == 'create'}

    def planned(self, key: res.Key) -> res.Resource | None:
        """The resource this run is to create under ``key`` and whose item
        has not started yet, or None: lets a driver act for a resource
        whose own item comes later (a server quiesced before its volumes
        are copied)."""
        with self._lock:
            item = self._to_create.get(tuple(key))
        return res.Resource.from_item(item) if item is not None else None

    def item_started(self, key: res.Key) -> None:
        """The item of ``key`` runs (or is blocked) now: from here on, it
        alone acts for its resource (see :meth:`planned`)."""
        with self._lock:
            self._to_create.pop(tuple(key), None)

    def remember_items(self, items: Iterable) -> None:
        """Every plan item of the run's migration, whatever its state:
        see :meth:`created` and :meth:`item_id`."""
        with self._lock:
            self._items = {(i.resource_type, i.source_id): i.id
                           for i in items}

    def created(self, key: res.Key) -> str | None:
        """The destination id of what this migration's item of ``key``
        created (an item to create, done, in this run or an earlier run
        of the migration), or None: never what the migration reuses
        (made by an earlier migration, or there before)."""
        with self._lock:
            item_id = self._items.get(tuple(key))
            removed = {r.destination_id for r in self._removals
                       if r.key == tuple(key)}
        if item_id is None:
            return None
        item = migration_api.get_plan_item(item_id)
        if item.action == 'create' and item.state == 'done' and \
                item.destination_id not in removed:
            return item.destination_id or None
        return None

    def item_id(self, key: res.Key) -> int | None:
        """The id of this migration's plan item of ``key``, if any."""
        with self._lock:
            return self._items.get(tuple(key))

    # -- effects of a driver on other items -------------------------------
    # A driver never writes another item's row: it says what it did
    # (:meth:`removed`) and the engine decides (pumphouse.engine.apply).

    def removed(self, key: res.Key, destination_id: str,
                reason: str) -> None:
        """For drivers: what this migration's item of ``key`` created
        (``destination_id``, see :meth:`created`) has been removed from
        the destination, for ``reason`` (e.g. the copy of a volume whose
        server runs again in the source). The engine takes it from here
        (:meth:`take_removals`); :meth:`created` no longer answers it."""
        with self._lock:
            self._removals.append(Removal(tuple(key), destination_id,
                                          reason))

    def take_removals(self) -> list['Removal']:
        """For the engine: the removals drivers reported since the last
        call."""
        with self._lock:
            taken, self._removals = self._removals, []
        return taken

    def forget_removed(self, key: res.Key, destination_id: str) -> None:
        """For the engine: the item of ``key`` is pending again, its
        ``destination_id`` gone; items of this run that need it and have
        not started yet are to be blocked (see :meth:`reopened`)."""
        key = tuple(key)
        with self._lock:
            if self._ids.get(key) == destination_id:
                del self._ids[key]
            if self._mappings.get(key) == destination_id:
                del self._mappings[key]
            if key in self._items:
                self._reopened.add(self._items[key])

    def reopened(self, item_ids: Iterable[int]) -> list[int]:
        """Those of ``item_ids`` whose items this run put back to pending
        (:meth:`forget_removed`) after they were done."""
        with self._lock:
            return [i for i in item_ids if i in self._reopened]

    def progress(self, key: res.Key, done: int, total: int | None = None,
                 final: bool = False) -> None:
        """A data transfer for the item of ``key`` has moved ``done``
        bytes of ``total`` (None: not known).

        Written to the item's ``bytes_done`` and ``bytes_total`` on the
        first report of this run for the item, when ``done`` goes back (a
        transfer that starts over: the count restarts from what is really
        copied), when ``total`` changes, at the end (``final``, or
        ``done`` reaching ``total``) and otherwise when both
        :data:`PROGRESS_INTERVAL` and :data:`PROGRESS_BYTES` have passed
        since the last write. An item the run does not know (see
        :meth:`remember_items`) is ignored; a failed write is logged, not
        raised: the transfer goes on.
        """
        now = _now()
        with self._lock:
            item_id = self._items.get(tuple(key))
            if item_id is None:
                return
            last = self._progress.get(item_id)
            if last is not None:
                when, written, written_total = last
                end = final or (total is not None and done >= total)
                due = (now - when >= PROGRESS_INTERVAL
                       and done - written >= PROGRESS_BYTES)
                if (done, total) == (written, written_total) or not (
                        due or end or done < written
                        or total != written_total):
                    return
            self._progress[item_id] = (now, done, total)
        values = {'bytes_done': done}
        if total is not None:
            values['bytes_total'] = total
        try:
            migration_api.update_plan_item(item_id, values)
        except Exception as e:  # noqa: BLE001 - progress only informs
            LOG.warning('Could not record the progress of plan item '
                        '%(item)s: %(err)s', {'item': item_id, 'err': e})

    def lookup(self, key: res.Key) -> str | None:
        with self._lock:
            found = self._ids.get(tuple(key))
        if found is not None:
            return found
        return self._mappings.get(tuple(key))

    def mapped(self, key: res.Key) -> str | None:
        """The destination id an earlier migration recorded, if any."""
        return self._mappings.get(tuple(key))

    def forget_mapping(self, key: res.Key) -> None:
        self._mappings.pop(tuple(key), None)
        mapping_api.delete_mapping(self.source_cloud_id,
                                   self.destination_cloud_id, *key)

    def record(self, key: res.Key, destination_id: str) -> None:
        with self._lock:
            self._ids[tuple(key)] = destination_id

    def translate(self, attrs: dict) -> dict:
        return res.translate(attrs, self.lookup)

    def cached(self, name: str, load: Callable[[], object]):
        """``load()`` once per context under ``name``."""
        with self._lock:
            if name in self.cache:
                return self.cache[name]
        value = load()
        with self._lock:
            return self.cache.setdefault(name, value)

    def api_versions(self, side: str) -> dict:
        """The API versions the ``source`` or ``destination`` cloud
        announces, by service type (read once per context)."""
        conn = self.source if side == 'source' else self.destination
        return self.cached(f'api_versions:{side}',
                           lambda: api_versions_mod.discover_cloud(conn))

    # -- attempts at one item and the faults of the clouds ----------------

    @contextlib.contextmanager
    def attempt(self, item, retry) -> Iterator[None]:
        """For the engine: the current thread works on plan item
        ``item``, an attempt that ``retry`` (see
        :class:`pumphouse.engine.item_retry.ItemRetry`) may follow with
        another; the retries of its requests are events of the item."""
        previous = getattr(self._local, 'attempt', None)
        self._local.attempt = (item, retry)
        try:
            yield
        finally:
            self._local.attempt = previous

    def retry_planned(self, error: BaseException) -> bool:
        """For drivers, while they handle a failure of the item the
        current thread works on: True when the engine will try the item
        again after ``error`` (a transient fault of a cloud, attempts
        left). The driver then leaves what it made as an interrupted
        attempt would, instead of undoing it: the next attempt finds it
        (:meth:`~pumphouse.engine.driver.ResourceDriver.find_destination`)
        and completes it, as a resumed migration does. False outside an
        item, or when the item fails for good (undo then)."""
        current = getattr(self._local, 'attempt', None)
        return current is not None and current[1].will_retry(error)

    def _retried(self, retry: cloud_session.Retry) -> None:
        """A request to a cloud was retried (or gave up): an event of
        the item the current thread works on, else of the migration."""
        current = getattr(self._local, 'attempt', None)
        item = current[0] if current is not None else None
        message = retry.message
        if item is not None:
            name = item.source_name or item.source_id
            message = f'{item.resource_type} {name}: {message}'
        self.event(retry.event_type, message, level='WARNING', item=item)

    def event(self, event_type: str, message: str, level: str = 'INFO',
              item=None) -> None:
        LOG.log(_LEVELS.get(level, 20), '%(type)s: %(message)s',
                {'type': event_type, 'message': message})
        if self._emit is not None:
            self._emit(event_type, message, level, item)


_LEVELS = {'DEBUG': 10, 'INFO': 20, 'WARNING': 30, 'ERROR': 40}
