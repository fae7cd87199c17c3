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

"""How far the estimate's model was from the actual time of the latest
completed migrations between the same clouds: the
:class:`~pumphouse.engine.estimate_params.Calibration` of a new plan's
estimate (see :mod:`pumphouse.engine.estimate`).

For each of the latest :data:`LATEST` completed migrations among the
``[estimate] history_migrations`` a plan learns from
(:func:`pumphouse.db.timing_api.finished_plans`):

* its actual time (:func:`apply_seconds`): how long at least one of its
  items was being worked on, from each item's start to its end, which
  leaves out the pauses between a failed run and its resume (and the
  verification, which no estimate covers);
* the model's time (:func:`model_seconds`): the middle of what
  :func:`pumphouse.engine.estimate.model` gives for its whole plan with
  the costs learnt from the same history as the new plan's, and the
  parallelism of its last run;
* their ratio, kept within :data:`pumphouse.engine.estimate.SCALE_BOUNDS`.

A migration with an item done but not timed (done by an older release)
or without time is left out.
"""

import datetime
from collections.abc import Sequence

from pumphouse.db import timing_api
from pumphouse.engine import estimate
from pumphouse.engine import estimate_params as params

#: How many of the latest completed migrations calibrate an estimate: a
#: few recent ones, the clouds as they are now.
LATEST = 5


def apply_seconds(items: Sequence) -> float | None:
    """How long at least one of ``items`` (plan item rows) was being
    worked on, from their ``started_at`` to their ``finished_at``; None
    if a done item that works was not timed, or none was."""
    spans = []
    for item in items:
        if item.state != 'done' or item.action not in estimate.WORK_ACTIONS:
            continue
        if item.started_at is None or item.finished_at is None:
            return None
        spans.append((item.started_at, item.finished_at))
    return _union(spans) or None


def _union(spans: list[tuple[datetime.datetime, datetime.datetime]]
           ) -> float:
    """The seconds the time ``spans`` cover together."""
    total, end = 0.0, None
    for start, finish in sorted(spans):
        if end is not None and start < end:
            start = end
        if finish > start:
            total += (finish - start).total_seconds()
            end = finish
    return total


def model_seconds(plan: timing_api.FinishedPlan, history: list) -> float:
    """The middle of the model's estimate of ``plan``'s whole work, with
    the costs learnt from ``history``."""
    work = [i for i in plan.items if i.action in estimate.WORK_ACTIONS
            and i.state == 'done']
    costs = estimate.learn_costs(work, history)
    spans = estimate.model(
        plan.items, work, costs,
        estimate.stored_parallelism(plan.estimate, plan.options))
    return (spans['low'][0] + spans['high'][0]) / 2


def ratio(plan: timing_api.FinishedPlan, history: list) -> float | None:
    """``plan``'s actual time over the model's, within the bounds; None
    if either is unknown."""
    actual = apply_seconds(plan.items)
    expected = model_seconds(plan, history)
    if not actual or expected <= 0:
        return None
    low, high = estimate.SCALE_BOUNDS
    return min(max(actual / expected, low), high)


def calibrate(plans: Sequence[timing_api.FinishedPlan],
              history: list) -> params.Calibration | None:
    """The calibration of the ``plans`` of completed migrations (newest
    first), the model's costs learnt from ``history``
    (:func:`pumphouse.db.timing_api.item_times`); None without any."""
    found = [r for r in (ratio(p, history) for p in plans) if r is not None]
    return params.Calibration(tuple(found)) if found else None
