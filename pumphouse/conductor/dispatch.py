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

"""Dispatchers: how an owner works on one kind of work (migrations or
hosts) with a bounded number of workers.

A conductor has one dispatcher per kind and feeds it from RPC casts and
from its take-over; the command line has the same dispatchers and runs
their work in its own thread; a host handing its servers to the
destination runs that migration through the migration dispatcher of
whoever runs the host. The worker limit covers all of them: a piece of
work runs only in a free slot, and always inside
:func:`pumphouse.conductor.task_manager.acquire`, in the request context
of whoever asked for it (its log lines and cloud requests carry that
request's ids) or, for work found by the take-over, a context of its own.

A stopping dispatcher (:meth:`Dispatcher.stop`) tells the work under way
to stop: each piece of work gets the dispatcher's ``stopping`` event, set
by the stop. A migration then finishes the items under way and starts no
other; a host stops before its next step. What is left stays held by its
owner, in its state, for the take-over.
"""

import threading
from collections.abc import Callable
from concurrent import futures

import futurist
from oslo_log import log

from pumphouse.common import context as pumphouse_context
from pumphouse.common import exception
from pumphouse.conductor import task_manager

LOG = log.getLogger(__name__)

#: Raised by reserving when another owner holds the work or it is gone.
_NOT_OURS = (exception.MigrationBusy, exception.HostBusy,
             exception.MigrationNotFound, exception.HostNotFound)

#: ``work(row, owner, reason, stopping=event, **kwargs)``: the row as
#: reserved; ``stopping`` is set once the dispatcher stops.
Work = Callable[..., object]


class AlreadyUnderWay(exception.Conflict):
    _msg_fmt = '%(kind)s %(ident)s is already under way in %(owner)s.'


class Dispatcher:
    """Runs one kind of work for one owner, at most ``workers`` at once."""

    def __init__(self, kind: str, owner: str, workers: int, work: Work,
                 expected: tuple[type[Exception], ...] = (
                     exception.PumphouseException,)) -> None:
        """``expected``: failures of the work that it records itself and
        that are logged without a traceback."""
        self.kind = kind
        self._expected = expected
        self.owner = owner
        self.workers = workers
        self._work = work
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._executor: futurist.ThreadPoolExecutor | None = None
        # The work under way here -> its future (None when it runs in the
        # caller's thread).
        self._working: dict[str, futures.Future | None] = {}
        #: Set by :meth:`stop`: the work under way stops between items
        #: (or host steps). Each start makes a new one, so that work of
        #: an earlier start still running goes on stopping.
        self.stopping = threading.Event()

    def start(self) -> None:
        """Accept work for the background (:meth:`submit`)."""
        with self._lock:
            if self.stopping.is_set():
                self.stopping = threading.Event()
            self._executor = futurist.ThreadPoolExecutor(
                max_workers=self.workers)

    def stop(self) -> list[futures.Future]:
        """Accept no more background work and tell the work under way to
        stop (:attr:`stopping`); the futures still running."""
        with self._lock:
            self.stopping.set()
            executor, self._executor = self._executor, None
            running = [f for f in self._working.values() if f is not None]
        if executor is not None:
            executor.shutdown(wait=False)
        return running

    def working(self) -> list[str]:
        with self._lock:
            return list(self._working)

    def _claim(self, ident: str, wait: bool) -> bool:
        with self._lock:
            if ident in self._working:
                return False
            self._working[ident] = None
        if self._slots.acquire(blocking=wait):
            return True
        self._forget(ident, slot=False)
        LOG.info('Every %(kind)s worker of %(owner)s is busy; %(kind)s '
                 '%(ident)s is left for the take-over',
                 {'kind': self.kind, 'owner': self.owner, 'ident': ident})
        return False

    def _forget(self, ident: str, slot: bool = True) -> None:
        with self._lock:
            self._working.pop(ident, None)
        if slot:
            self._slots.release()

    def _run(self, ident: str, reason: str | None, kwargs: dict,
             request_context=None):
        pumphouse_context.for_work(request_context)
        stopping = self.stopping
        try:
            with task_manager.acquire(self.kind, ident, self.owner,
                                      keep=stopping.is_set) as row:
                return self._work(row, self.owner, reason,
                                  stopping=stopping, **kwargs)
        finally:
            self._forget(ident)

    def submit(self, ident: str, reason: str | None = None,
               request_context=None, **kwargs) -> futures.Future | None:
        """Work on ``ident`` in the background if a worker is free, in
        ``request_context`` (else a new context of its own).

        None when it is already under way here, no worker is free or this
        dispatcher is stopped; the take-over finds it later.
        """
        if self._executor is None or not self._claim(ident, wait=False):
            return None
        try:
            with self._lock:
                if self._executor is None:
                    raise RuntimeError('stopping')
                future = self._executor.submit(
                    self._background, ident, reason, kwargs,
                    request_context or pumphouse_context.get_admin_context())
                self._working[ident] = future
        except RuntimeError:
            self._forget(ident)
            return None
        return future

    def _background(self, ident: str, reason: str | None,
                    kwargs: dict, request_context) -> None:
        try:
            self._run(ident, reason, kwargs, request_context)
        except _NOT_OURS as e:
            LOG.info('%(owner)s leaves %(kind)s %(ident)s: %(err)s',
                     {'owner': self.owner, 'kind': self.kind,
                      'ident': ident, 'err': e})
        except self._expected as e:
            # Recorded on the migration or host by the work function.
            LOG.warning('%(kind)s %(ident)s stopped: %(err)s',
                        {'kind': self.kind, 'ident': ident, 'err': e})
        except Exception:
            # The work function records its own failures; this is a bug
            # or the database being away.
            LOG.exception('%(kind)s %(ident)s stopped',
                          {'kind': self.kind, 'ident': ident})

    def run_here(self, ident: str, reason: str | None = None, **kwargs):
        """Work on ``ident`` in the caller's thread, once a worker is free,
        in the thread's context (a new one if it has none); returns what
        the work returns. Raises what it raises, and MigrationBusy/HostBusy
        when another live owner holds it."""
        if not self._claim(ident, wait=True):
            raise AlreadyUnderWay(kind=self.kind, ident=ident,
                                  owner=self.owner)
        return self._run(ident, reason, kwargs)

    def take_over(self) -> list[str]:
        """Start the work under way that nobody alive holds (and this
        owner's own from before a restart); the idents started."""
        taken = []
        working = set(self.working())
        for ident, reason in task_manager.takeable(self.kind, self.owner):
            if ident in working:
                continue
            if self.submit(ident, reason=reason) is not None:
                taken.append(ident)
        return taken
