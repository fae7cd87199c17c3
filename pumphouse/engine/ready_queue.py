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

"""Which ready plan item a free worker takes first.

TaskFlow's parallel engine submits each item's task as soon as the items
it needs are done, and a plain thread pool runs what was submitted first
first: the 24 ports of a project, ready together, then hold every worker
while the servers that need them (the long items, which wait for their
source host's turn) queue behind them, and a fleet's servers start
after every project's network items.

Instead, each task gets a priority: the longest chain of estimated work
from its item to the end of the plan (its *tail*: its own work plus the
longest tail among the items that need it, with the costs of the
plan's estimate, :mod:`pumphouse.engine.estimate`), and
:class:`PriorityThreadPool` runs at most ``max_workers`` tasks at once,
starting the waiting task with the longest tail first (in the order
they came among equals). Items that lead to servers, and the servers
themselves, so start before work nothing long waits for: the classic
critical-path-first list scheduling.

A chain alone undervalues the servers: the servers of one source host
take its turns (``[conductor] max_servers_per_host``) a few at a time,
so once a server of a host can start, the host's servers still to come
take at least their work over the turns, whatever the chains say.
Without that, every port of a project (its own work plus its server's)
outranks every ready server, and the servers wait for the last port
while their hosts' turns stand free (``tools/bench/servers_limit.py``:
the first server suspended after every port was made). So each server
of a host, in plan order, has at least the work of the host's servers
from it to the last over the turns (its *floor*), and the items on its
way carry that: a ready server of a host with work ahead outranks the
ports of the servers behind it.
"""

import collections
import heapq
import itertools
import threading
from collections.abc import Callable
from collections.abc import Sequence
from concurrent import futures

import futurist

from pumphouse.common import context as pumphouse_context
from pumphouse.engine import estimate


def _middle(work: estimate.Work) -> float:
    return (work.total('low') + work.total('high')) / 2


def host_floors(works: Sequence[estimate.Work],
                turns: int) -> dict[int, float]:
    """The floor of each server's tail (see the module): the work of
    its source host's servers from it to the last, in plan order, over
    the host's ``turns``."""
    by_host: dict[str, list[estimate.Work]] = collections.defaultdict(list)
    for work in works:
        if work.host is not None:
            by_host[work.host].append(work)
    floors: dict[int, float] = {}
    for servers in by_host.values():
        left = 0.0
        for work in reversed(servers):
            left += _middle(work)
            floors[work.item_id] = left / max(turns, 1)
    return floors


def tails(works: Sequence[estimate.Work],
          turns: int | None = None) -> dict[int, float]:
    """Each work's tail (see the module): the middle of its own work
    plus the longest tail among the works that need it
    (:func:`estimate.longest_chains` to the end of the plan); with
    ``turns`` (how many servers of one source host run at once), a
    server's tail is at least its :func:`host_floors`."""
    floors = host_floors(works, turns) if turns else None
    found, = estimate.longest_chains(works, [_middle], floors=floors)
    return found


class PriorityThreadPool(pumphouse_context.ContextThreadPoolExecutor):
    """A thread pool that starts the waiting call of highest priority
    first: the ``priority`` of the first argument that has one (TaskFlow
    submits a task's call with the task first), else 0.

    At most ``max_workers`` calls are handed to the threads at once; the
    others wait here, ordered. Each call runs in the context of whoever
    submitted it (see :class:`ContextThreadPoolExecutor`).
    """

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self._free = max_workers
        self._waiting: list = []
        self._order = itertools.count()
        self._guard = threading.Lock()

    def submit(self, fn: Callable, *args, **kwargs) -> futures.Future:
        outer: futures.Future = futures.Future()
        priority = next((a.priority for a in args
                         if isinstance(getattr(a, 'priority', None),
                                       (int, float))), 0)
        with self._guard:
            heapq.heappush(self._waiting, (
                -priority, next(self._order),
                pumphouse_context.carried(fn), args, kwargs, outer))
        self._start_waiting()
        return outer

    def _start_waiting(self) -> None:
        while True:
            with self._guard:
                if not self._free or not self._waiting:
                    return
                self._free -= 1
                _p, _n, fn, args, kwargs, outer = heapq.heappop(
                    self._waiting)
            if not outer.set_running_or_notify_cancel():
                self._done()
                continue
            try:
                inner = futurist.ThreadPoolExecutor.submit(
                    self, fn, *args, **kwargs)
            except Exception as e:  # noqa: BLE001 - e.g. shut down
                outer.set_exception(e)
                self._done()
                continue
            inner.add_done_callback(
                lambda done, outer=outer: self._finished(done, outer))

    def _finished(self, inner: futures.Future,
                  outer: futures.Future) -> None:
        error = inner.exception()
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(inner.result())
        self._done()
        self._start_waiting()

    def _done(self) -> None:
        with self._guard:
            self._free += 1
