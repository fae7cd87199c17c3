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

"""How long a plan is expected to take (:func:`estimate`), and how long
a running migration has left (:func:`time_left`).

**Items.** A plan item that works (``create``, ``reuse``; a ``skip``
costs nothing and a ``conflict`` never runs) takes ``fixed + bytes /
rate`` seconds, both ranges of :mod:`pumphouse.engine.estimate_params`
(learnt from earlier migrations between the same clouds, else the
``[estimate]`` defaults). Its bytes: an image's size; a volume's size
(GiB); a server copied as a snapshot, none at best and its flavor's
root disk at worst (the snapshot holds what the disk uses).

**Parallelism.** The engine runs items on ``workers`` threads as soon as
the items they need are done, at most ``[conductor] max_transfers``
data copies at once and ``max_servers_per_host`` servers of one source
host at once. A plan cannot take less than any of:

* its total work over the workers;
* its copying (the ``bytes / rate`` parts) over ``min(max_transfers,
  workers)``;
* the work of the servers of its busiest source host over
  ``min(max_servers_per_host, workers)``: as if the migration ran alone.
  The host's turns are shared by every migration of the deployment
  (:mod:`pumphouse.engine.host_turns`); the estimate does not know of the
  others, so migrations running at once on the same source hosts take
  longer than their estimates;
* its critical path: the longest chain of items each needing the one
  before.

The model's estimate is the largest of these bounds, computed with the
low costs and with the high ones; ``limited_by`` names the bound that
decided. A greedy engine keeps its workers busy, so it stays near that
bound unless the plan's shape starves them (then it takes up to
work/workers plus the critical path, Graham's bound).

**Calibration.** The model is biased in a way the costs of single items
cannot learn: items' times are measured while the workers share the
clouds, and the engine overlaps them otherwise than the bounds say.
When some of the costs are learnt, the latest completed migrations
between the same clouds correct it
(:mod:`pumphouse.engine.estimate_calibration`): each one's actual apply
time over the middle of the model's estimate of its own plan, with the
same costs, is a ratio; the plan's ``low_s`` and ``high_s`` are the
middle of its model estimate times the median ratio, widened to the
ratios' range and to at least 15 % either side
(:class:`~pumphouse.engine.estimate_params.Calibration`, stored as
``calibration`` with the model's own range, ``model_low_s`` and
``model_high_s``). Without such a migration, or when every cost is a
default, ``low_s`` and ``high_s`` are the model's range.

**Time left.** Re-estimated from the estimate's stored costs for the
items still to do (pending and running in a running migration, every
unfinished one of a migration that would be resumed): a running item
counts what it has left (its bytes not copied yet, its fixed time less
the time it has run). Once ``[estimate] min_observed`` items of the
migration are done, with their times, each item left is scaled by the
ratio of the seconds those items took to the middle of their estimate:
that of the done items of its kind (data copies, servers, the others)
when there are enough of them, else that of all done items. A
calibrated estimate calibrates the time left alike, so a migration not
started yet has its estimate left.
"""

import collections
import dataclasses
import datetime
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from oslo_utils import timeutils

from pumphouse.conf import CONF
from pumphouse.engine import estimate_params as params
from pumphouse.engine import states

#: Actions whose items do work when the plan is applied.
WORK_ACTIONS = ('create', 'reuse')
#: Item states that need no more work.
FINISHED_STATES = ('done', 'skipped')
#: A ratio of observed to estimated times is kept within these bounds.
SCALE_BOUNDS = (0.05, 20.0)


@dataclasses.dataclass(frozen=True)
class Parallelism:
    """How much of a plan runs at once."""

    workers: int
    max_transfers: int
    max_servers_per_host: int

    @classmethod
    def configured(cls, workers: int) -> 'Parallelism':
        """``workers`` threads and the ``[conductor]`` bounds."""
        return cls(workers, CONF.conductor.max_transfers,
                   CONF.conductor.max_servers_per_host)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Work:
    """What one plan item still has to do: ``fixed`` and ``transfer``
    seconds, each a low and a high figure."""

    item_id: int
    needs: tuple[int, ...]
    fixed: params.Range
    transfer: params.Range
    host: str | None = None

    def total(self, side: str) -> float:
        return getattr(self.fixed, side) + getattr(self.transfer, side)


def kind(resource_type: str) -> str:
    """What scales together: ``data`` copies, ``server`` paths, ``api``."""
    if resource_type in params.DATA_TYPES:
        return 'data'
    return 'server' if resource_type == params.SERVER else 'api'


def item_bytes(item) -> params.Range:
    """The bytes a plan item moves, from its details (or, once its copy
    has begun, its ``bytes_total``)."""
    details = item.details or {}
    attrs, data = details.get('attrs') or {}, details.get('data') or {}
    if item.action != 'create':
        return params.Range(0, 0)
    if item.resource_type in params.DATA_TYPES:
        known = item.bytes_total
        if known is None:
            size = attrs.get('size') or 0
            known = size * params.GIB if (
                item.resource_type == params.VOLUME) else size
        return params.Range(known, known)
    if item.resource_type == params.SERVER and data.get('boot') == 'snapshot':
        disk = (data.get('flavor') or {}).get('disk') or 0
        return params.Range(0, disk * params.GIB)
    return params.Range(0, 0)


def _rate(item, costs: dict) -> params.Range | None:
    if item.resource_type == params.SERVER:
        return costs[params.IMAGE, 'create'].rate
    return costs[item.resource_type, item.action].rate


def work_of(item, costs: dict, now: datetime.datetime | None = None,
            scale: float = 1.0) -> Work:
    """The work of ``item`` with ``costs`` (by type and action), scaled
    by ``scale``; a running item (with ``now``) less what it did."""
    fixed = costs[item.resource_type, item.action].fixed
    moved = item_bytes(item)
    if now is not None and item.state == 'running':
        ran = (now - item.started_at).total_seconds() if \
            item.started_at else 0.0
        fixed = params.Range(max(fixed.low - ran, 0.0),
                             max(fixed.high - ran, 0.0))
        if item.bytes_total:
            left = max(item.bytes_total - (item.bytes_done or 0), 0)
            moved = params.Range(left, left)
    rate = _rate(item, costs) if moved.high else None
    transfer = params.Range(0.0, 0.0) if rate is None else params.Range(
        moved.low / rate.high, moved.high / rate.low)
    host = None
    if item.resource_type == params.SERVER and item.action == 'create':
        host = ((item.details or {}).get('data') or {}).get('host') or ''
    return Work(item.id, tuple(item.depends_on or ()),
                params.Range(fixed.low * scale, fixed.high * scale),
                params.Range(transfer.low * scale, transfer.high * scale),
                host)


def longest_chains(works: Sequence[Work],
                   costs: Sequence[Callable[[Work], float]],
                   to_end: bool = True,
                   floors: Mapping[int, float] | None = None,
                   ) -> list[dict[int, float]]:
    """Each work's longest chain, for each of ``costs`` (one walk for
    them all): its own cost plus the longest chain among the works that
    need it, to the end of the plan; with ``to_end`` false, among the
    works it needs, from the start. ``floors`` holds the least chain of
    some works (by item id): a work's chain is never shorter than its
    floor, and the works on its way carry that.

    Needs outside ``works`` are ignored. A work on a cycle (never in a
    plan) is left out, and so is every work whose chain would run
    through one: the walk never blocks on it.
    """
    by_id = {w.item_id: w for w in works}
    needs = {i: [n for n in w.needs if n in by_id] for i, w in by_id.items()}
    dependants: dict[int, list[int]] = {i: [] for i in by_id}
    for item_id, found in needs.items():
        for need in found:
            dependants[need].append(item_id)
    after, before = (dependants, needs) if to_end else (needs, dependants)
    # Each work once every work after it on its chains is walked.
    left = {i: len(found) for i, found in after.items()}
    order = [i for i, count in left.items() if not count]
    for item_id in order:
        for other in before[item_id]:
            left[other] -= 1
            if not left[other]:
                order.append(other)
    floors = floors or {}
    found_all = []
    for cost in costs:
        chains: dict[int, float] = {}
        for item_id in order:
            chains[item_id] = max(cost(by_id[item_id]) + max(
                map(chains.__getitem__, after[item_id]), default=0.0),
                floors.get(item_id, 0.0))
        found_all.append(chains)
    return found_all


def critical_path(works: Sequence[Work]) -> params.Range:
    """The longest chain of works, each needing the one before, on the
    low and on the high costs (a cycle, never in a plan, is left out):
    the longest of :func:`longest_chains` from the start."""
    low, high = longest_chains(works, (lambda w: w.total('low'),
                                       lambda w: w.total('high')),
                               to_end=False)
    return params.Range(max(low.values(), default=0.0),
                        max(high.values(), default=0.0))


def bounds(works: Sequence[Work], parallelism: Parallelism,
           side: str, path: float) -> dict[str, float]:
    """The lower bounds of the time ``works`` take on the ``side``
    (``low`` or ``high``) costs, ``path`` their critical path (see the
    module)."""
    workers = parallelism.workers
    per_host: dict[str, float] = collections.defaultdict(float)
    for work in works:
        if work.host is not None:
            per_host[work.host] += work.total(side)
    return {
        'workers': sum(w.total(side) for w in works) / workers,
        'transfers': sum(getattr(w.transfer, side) for w in works)
        / min(parallelism.max_transfers, workers),
        'host': max(per_host.values(), default=0.0)
        / min(parallelism.max_servers_per_host, workers),
        'critical_path': path,
    }


def makespans(works: Sequence[Work],
              parallelism: Parallelism) -> dict[str, tuple[float, str]]:
    """The time ``works`` take on the low and on the high costs, each
    with the bound that decides it: ``{'low': (seconds, bound),
    'high': ...}``."""
    path = critical_path(works)
    found = {}
    for side in ('low', 'high'):
        limits = bounds(works, parallelism, side, getattr(path, side))
        limit = max(limits, key=lambda name: limits[name])
        found[side] = (limits[limit], limit)
    return found


def learn_costs(items: Iterable, history: list) -> dict:
    """The cost of each (type, action) of ``items`` (plan item rows),
    learnt from ``history`` (:func:`pumphouse.db.timing_api.item_times`)
    where it has enough samples."""
    keys = {(i.resource_type, i.action) for i in items
            if i.action in WORK_ACTIONS}
    keys.add((params.IMAGE, 'create'))  # the rate of server snapshots
    return {key: params.learn(*key, history) for key in keys}


def history_summary(history: list) -> dict:
    """How much history an estimate learnt from."""
    return {'migrations': len({h.migration_id for h in history}),
            'items': len(history)}


def model(items: Sequence, todo: Sequence, costs: dict,
          parallelism: Parallelism) -> dict[str, tuple[float, str]]:
    """:func:`makespans` of the ``todo`` items among ``items`` (plan
    item rows) with ``costs``: the others do nothing but still order
    them."""
    todo_ids = {i.id for i in todo}
    works = [work_of(i, costs) for i in todo] + [
        work_of_nothing(i) for i in items if i.id not in todo_ids]
    return makespans(works, parallelism)


def calibrated(spans: dict[str, tuple[float, str]],
               calibration: params.Calibration | None) -> params.Range:
    """The seconds of :func:`makespans`' ``spans``, with ``calibration``
    if any."""
    found = params.Range(spans['low'][0], spans['high'][0])
    return found if calibration is None else calibration.apply(found)


def estimate(items: Sequence, costs: dict, parallelism: Parallelism,
             history: dict | None = None,
             calibration: params.Calibration | None = None) -> dict:
    """The estimate of the unfinished ``items`` (plan item rows) with
    ``costs`` (:func:`learn_costs`), as stored with the migration;
    ``history`` is :func:`history_summary` of what the costs came from,
    ``calibration`` the correction of the latest completed migrations
    (:func:`pumphouse.engine.estimate_calibration.calibrate`), applied
    unless every cost the plan uses is a default."""
    todo = [i for i in items if i.action in WORK_ACTIONS
            and i.state not in FINISHED_STATES]
    todo_works = [work_of(i, costs) for i in todo]
    spans = model(items, todo, costs, parallelism)
    per_type: dict[str, dict] = {}
    for item, work in zip(todo, todo_works, strict=True):
        entry = per_type.setdefault(item.resource_type, {
            'items': 0, 'bytes': 0, 'work_low_s': 0.0, 'work_high_s': 0.0})
        entry['items'] += 1
        entry['bytes'] += int(item_bytes(item).high)
        entry['work_low_s'] += work.total('low')
        entry['work_high_s'] += work.total('high')
    for resource_type, entry in per_type.items():
        entry['work_low_s'] = round(entry['work_low_s'], 1)
        entry['work_high_s'] = round(entry['work_high_s'], 1)
        entry['basis'] = params.combined_basis(
            cost.basis for (t, _a), cost in costs.items()
            if t == resource_type)
    used = {(i.resource_type, i.action) for i in todo}
    if any(i.resource_type == params.SERVER and item_bytes(i).high
           for i in todo):
        used.add((params.IMAGE, 'create'))
    basis = params.combined_basis(costs[k].basis for k in used)
    if basis == params.DEFAULTS:
        calibration = None
    found = calibrated(spans, calibration)
    return {
        'made_at': timeutils.utcnow().isoformat(),
        'low_s': int(found.low), 'high_s': _up(found.high),
        'basis': basis,
        'limited_by': {'low': spans['low'][1], 'high': spans['high'][1]},
        'calibration': _calibration_view(calibration, spans),
        'items': len(todo),
        'bytes': sum(e['bytes'] for e in per_type.values()),
        'history': history or {'migrations': 0, 'items': 0},
        'parallelism': parallelism.to_dict(),
        'per_type': dict(sorted(per_type.items())),
        'costs': {f'{t} {a}': cost.to_dict()
                  for (t, a), cost in sorted(costs.items())},
    }


def _calibration_view(calibration: params.Calibration | None,
                      spans: dict) -> dict | None:
    if calibration is None:
        return None
    return {**calibration.to_dict(),
            'model_low_s': int(spans['low'][0]),
            'model_high_s': _up(spans['high'][0])}


def _up(seconds: float) -> int:
    """Whole seconds, rounded up."""
    return int(-(-seconds // 1))


def work_of_nothing(item) -> Work:
    """An item with nothing to do, which still orders the others."""
    zero = params.Range(0.0, 0.0)
    return Work(item.id, tuple(item.depends_on or ()), zero, zero)


def stored_costs(stored: dict | None, items: Iterable) -> dict:
    """The costs a stored estimate used, completed with defaults for
    what it lacks (a migration planned before estimates were made)."""
    costs = {}
    for name, value in ((stored or {}).get('costs') or {}).items():
        resource_type, _sep, action = name.rpartition(' ')
        costs[resource_type, action] = params.Cost.from_dict(value)
    for item in items:
        key = (item.resource_type, item.action)
        if key not in costs and item.action in WORK_ACTIONS:
            costs[key] = params.default(*key)
    costs.setdefault((params.IMAGE, 'create'),
                     params.default(params.IMAGE, 'create'))
    return costs


def _left(migration, items: Sequence) -> list:
    """The items still to do in ``migration``'s state."""
    if migration.state in (states.COMPLETED, states.VERIFYING,
                           states.PLANNING):
        return []
    wanted = (('pending', 'running') if migration.state == states.RUNNING
              else None)
    return [i for i in items if i.action in WORK_ACTIONS
            and i.state not in FINISHED_STATES
            and (wanted is None or i.state in wanted)]


def scales(items: Sequence, costs: dict) -> tuple[dict[str, float], int]:
    """How much slower (> 1) or faster than estimated the done items of
    the migration went: by :func:`kind`, with ``all`` for every kind;
    and how many items that says it from."""
    actual: dict[str, float] = collections.defaultdict(float)
    expected: dict[str, float] = collections.defaultdict(float)
    count: dict[str, int] = collections.defaultdict(int)
    for item in items:
        if item.state != 'done' or item.work_seconds is None or \
                item.action not in WORK_ACTIONS:
            continue
        work = work_of(item, costs)
        middle = (work.total('low') + work.total('high')) / 2
        for name in (kind(item.resource_type), 'all'):
            actual[name] += item.work_seconds
            expected[name] += middle
            count[name] += 1
    enough = CONF.estimate.min_observed
    low, high = SCALE_BOUNDS
    found = {name: min(max(actual[name] / expected[name], low), high)
             for name in count
             if count[name] >= enough and expected[name] > 0}
    return found, count['all']


def elapsed(migration, now: datetime.datetime) -> float | None:
    """Seconds since the migration started (to its end once over)."""
    if migration.started_at is None:
        return None
    end = now
    if migration.state not in states.ACTIVE_STATES and migration.finished_at:
        end = max(migration.finished_at, migration.started_at)
    return max((end - migration.started_at).total_seconds(), 0.0)


def time_left(migration, items: Sequence,
              now: datetime.datetime | None = None) -> dict:
    """Elapsed and remaining seconds of ``migration`` (see the module):
    ``remaining_low_s`` and ``remaining_high_s`` (None while it is
    planned), the ``scale`` applied (None until enough items are done)
    and how many done items it comes from (``observed_items``)."""
    now = now or timeutils.utcnow()
    stored = migration.estimate or {}
    costs = stored_costs(stored, items)
    found, observed = scales(items, costs)
    left = _left(migration, items)
    view = {'elapsed_s': _whole(elapsed(migration, now)),
            'remaining_low_s': None, 'remaining_high_s': None,
            'scale': round(found['all'], 3) if 'all' in found else None,
            'observed_items': observed}
    if migration.state == states.PLANNING:
        return view
    parallelism = stored_parallelism(stored, migration.options)
    left_ids = {i.id for i in left}
    works = [work_of(i, costs, now,
                     found.get(kind(i.resource_type), found.get('all', 1.0)))
             for i in left]
    works += [work_of_nothing(i) for i in items if i.id not in left_ids]
    remaining = calibrated(makespans(works, parallelism),
                           params.Calibration.from_dict(
                               stored.get('calibration')))
    view['remaining_low_s'] = _whole(remaining.low)
    view['remaining_high_s'] = _up(remaining.high)
    return view


def stored_parallelism(stored: dict | None,
                       options: dict | None) -> Parallelism:
    """The parallelism a stored estimate assumed (that of the
    migration's latest run), else that of the migration's ``options``
    and the configuration."""
    found = (stored or {}).get('parallelism')
    if found:
        return Parallelism(**{field.name: int(found[field.name])
                              for field in dataclasses.fields(Parallelism)})
    return Parallelism.configured(int(
        (options or {}).get('apply_workers')
        or CONF.conductor.apply_workers))


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)
