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

"""What one plan item costs, per resource type and action: the
parameters of :mod:`pumphouse.engine.estimate`.

An item takes ``fixed + bytes / rate`` seconds. ``fixed`` is its API
work (for a server: its whole path, boot included) and ``rate`` the
speed its data moves at (images and volumes; a server copied as a
snapshot moves its disk at the image rate). Both are ranges
``[low, high]``:

* learnt (:func:`learn`) from the finished items of earlier migrations
  between the same clouds (:mod:`pumphouse.db.timing_api`): ``fixed``
  from the items that moved less than :data:`SMALL_BYTES` (all items of
  a type without data; servers not copied as snapshots), ``rate`` from
  the copies of at least :data:`SMALL_BYTES`, each ``bytes / (seconds -
  fixed)`` with ``fixed`` the middle of the fixed range, and at least
  half its seconds counted as transfer. The range is the 20th to the
  80th percentile of the samples, once there are ``[estimate]
  min_samples`` of them;
* otherwise the ``[estimate]`` options' defaults (:func:`default`),
  whose help says where each comes from.

A :class:`Calibration` scales what those costs give for a whole plan by
how long the latest completed migrations between the same clouds took
against what the same costs give for their own plans (see
:mod:`pumphouse.engine.estimate_calibration`).
"""

import dataclasses
from collections.abc import Iterable

from pumphouse.conf import CONF

MIB = 1024 * 1024
GIB = 1024 * MIB
#: A copy smaller than this is mostly API time: it says nothing of rates.
SMALL_BYTES = 64 * MIB

IMAGE = 'image.image'
VOLUME = 'volume.volume'
SERVER = 'compute.server'
#: Types whose items move data (their bytes are known from the plan).
DATA_TYPES = (IMAGE, VOLUME)

HISTORY = 'history'
DEFAULTS = 'defaults'
PARTIAL = 'partial'
#: The quantiles a range of samples spans.
LOW_QUANTILE, HIGH_QUANTILE = 0.2, 0.8
#: A calibrated estimate spans at least this share of its middle either
#: side of it: what one or two earlier migrations tell is no closer.
MIN_SPREAD = 0.15


@dataclasses.dataclass(frozen=True)
class Range:
    """A value known to lie between ``low`` and ``high``."""

    low: float
    high: float

    def to_list(self) -> list[float]:
        return [round(self.low, 3), round(self.high, 3)]

    @classmethod
    def of(cls, values: list[float] | None) -> 'Range | None':
        return cls(float(values[0]), float(values[1])) if values else None

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2


@dataclasses.dataclass(frozen=True)
class Cost:
    """What an item of one resource type and action costs: ``fixed``
    seconds plus its bytes at ``rate`` (bytes per second; None: it moves
    no data), and whether that comes from ``history`` or ``defaults``
    (``partial``: one of each), from how many ``samples``."""

    fixed: Range
    rate: Range | None = None
    basis: str = DEFAULTS
    samples: int = 0

    def to_dict(self) -> dict:
        return {'fixed_s': self.fixed.to_list(),
                'rate_bps': self.rate.to_list() if self.rate else None,
                'basis': self.basis, 'samples': self.samples}

    @classmethod
    def from_dict(cls, value: dict) -> 'Cost':
        return cls(Range.of(value['fixed_s']), Range.of(value.get('rate_bps')),
                   value.get('basis', DEFAULTS), value.get('samples', 0))


def default(resource_type: str, action: str) -> Cost:
    """The cost of an item with no history: the ``[estimate]`` ranges."""
    opts = CONF.estimate
    item = Range(opts.item_seconds_low, opts.item_seconds_high)
    if action != 'create':
        return Cost(item)
    if resource_type == SERVER:
        return Cost(Range(opts.server_seconds_low, opts.server_seconds_high))
    if resource_type == IMAGE:
        return Cost(item, Range(opts.image_rate_low * MIB,
                                opts.image_rate_high * MIB))
    if resource_type == VOLUME:
        return Cost(item, Range(opts.volume_rate_low * MIB,
                                opts.volume_rate_high * MIB))
    return Cost(item)


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (sorted), interpolated."""
    position = (len(values) - 1) * q
    below = int(position)
    above = min(below + 1, len(values) - 1)
    return values[below] + (values[above] - values[below]) * (
        position - below)


def _spread(values: Iterable[float]) -> Range:
    ordered = sorted(values)
    return Range(quantile(ordered, LOW_QUANTILE),
                 quantile(ordered, HIGH_QUANTILE))


def _moves_data(sample) -> bool:
    return (sample.resource_type in DATA_TYPES and sample.action == 'create'
            and (sample.bytes_total or 0) >= SMALL_BYTES)


def learn(resource_type: str, action: str, samples: list) -> Cost:
    """The cost of ``resource_type`` items of ``action`` from the
    ``samples`` (:class:`pumphouse.db.timing_api.ItemTime`) of earlier
    migrations, each part from defaults where they are too few."""
    fallback = default(resource_type, action)
    enough = CONF.estimate.min_samples
    mine = [s for s in samples
            if (s.resource_type, s.action) == (resource_type, action)]
    fixed_samples = [s.work_seconds for s in mine
                     if not _moves_data(s) and s.boot != 'snapshot']
    fixed, parts = fallback.fixed, []
    if len(fixed_samples) >= enough:
        fixed = _spread(fixed_samples)
        parts.append(HISTORY)
    else:
        parts.append(DEFAULTS)
    rate = fallback.rate
    if rate is not None:
        rates = [s.bytes_total / max(s.work_seconds - fixed.middle,
                                     s.work_seconds / 2, 1e-3)
                 for s in mine if _moves_data(s)]
        if len(rates) >= enough:
            rate = _spread(rates)
            parts.append(HISTORY)
        else:
            parts.append(DEFAULTS)
    basis = parts[0] if len(set(parts)) == 1 else PARTIAL
    return Cost(fixed, rate, basis, len(mine))


def combined_basis(bases: Iterable[str]) -> str:
    """``history`` if every part came from history, ``defaults`` if none
    did, else ``partial``."""
    found = set(bases)
    if not found or found == {DEFAULTS}:
        return DEFAULTS
    return HISTORY if found == {HISTORY} else PARTIAL


@dataclasses.dataclass(frozen=True)
class Calibration:
    """How much longer (> 1) or shorter than the model said the latest
    completed migrations between the same clouds took: ``ratios``, one
    per migration (its actual apply time over the middle of its model
    estimate), newest first, never empty."""

    ratios: tuple[float, ...]

    @property
    def scale(self) -> float:
        """The median ratio: what the middle of an estimate is scaled
        by."""
        return quantile(sorted(self.ratios), 0.5)

    @property
    def spread(self) -> Range:
        """The ratios' range, at least :data:`MIN_SPREAD` either side of
        :attr:`scale`."""
        scale = self.scale
        return Range(min(min(self.ratios), scale * (1 - MIN_SPREAD)),
                     max(max(self.ratios), scale * (1 + MIN_SPREAD)))

    def apply(self, model: Range) -> Range:
        """The calibrated range of a ``model`` range (seconds): its
        middle times :attr:`spread`."""
        spread = self.spread
        return Range(model.middle * spread.low, model.middle * spread.high)

    def to_dict(self) -> dict:
        return {'migrations': len(self.ratios),
                'scale': round(self.scale, 3),
                'range': self.spread.to_list(),
                'ratios': [round(r, 3) for r in self.ratios]}

    @classmethod
    def from_dict(cls, value: dict | None) -> 'Calibration | None':
        """The calibration an estimate stored (None: it had none)."""
        ratios = tuple(float(r) for r in (value or {}).get('ratios') or ())
        return cls(ratios) if ratios else None
