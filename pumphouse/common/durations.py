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

"""Durations and estimates as an operator reads them, the same on the
command line and in the OpenStack client (which imports nothing else of
Pumphouse's service: keep this module free of imports)."""

#: What an estimate's ``basis`` means, in words.
BASES = {
    'history': 'learnt from earlier migrations between these clouds',
    'partial': 'partly learnt from earlier migrations between these '
               'clouds, partly from the default ranges',
    'defaults': 'from the default ranges: no earlier migration between '
                'these clouds to learn from',
}


def duration(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3 h 20 min``; ``-`` for None."""
    if seconds is None:
        return '-'
    seconds = max(int(round(seconds)), 0)
    if seconds < 90:
        return f'{seconds} s'
    minutes = (seconds + 30) // 60
    if minutes < 90:
        return f'{minutes} min'
    return f'{minutes // 60} h {minutes % 60:02d} min'


def span(low: float | None, high: float | None) -> str:
    """``5 min to 20 min``, or ``about 5 min`` when both read alike."""
    if low is None or high is None:
        return '-'
    low_text, high_text = duration(low), duration(high)
    if low_text == high_text:
        return f'about {low_text}'
    return f'{low_text} to {high_text}'


def estimate_text(estimate: dict | None) -> str:
    """A plan's estimate on one line: the range and where it comes
    from."""
    if not estimate:
        return 'no estimate (planned before estimates were made)'
    parallel = estimate.get('parallelism') or {}
    text = (f'{span(estimate.get("low_s"), estimate.get("high_s"))} '
            f'({BASES.get(estimate.get("basis"), estimate.get("basis"))}')
    history = estimate.get('history') or {}
    if history.get('items'):
        text += (f': {history["items"]} items of '
                 f'{history.get("migrations", 0)} migrations')
    if parallel:
        text += (f'; {parallel.get("workers")} workers, '
                 f'{parallel.get("max_transfers")} copies at once')
    return text + _calibration_text(estimate.get('calibration')) + ')'


def _calibration_text(calibration: dict | None) -> str:
    """``; scaled 0.6x to the actual time of 2 completed migrations``,
    or nothing for an estimate not calibrated."""
    if not calibration or not calibration.get('migrations'):
        return ''
    count = calibration['migrations']
    return (f'; scaled {calibration.get("scale", 1.0):.2g}x to the actual '
            f'time of {count} completed migration'
            + ('s' if count != 1 else ''))


def time_text(time: dict | None, brief: bool = False) -> str:
    """``elapsed 3 min, 2 min to 6 min left``: a migration's time; unless
    ``brief``, with how the items done so far went."""
    if not time:
        return '-'
    parts = []
    if time.get('elapsed_s') is not None:
        parts.append(f'elapsed {duration(time["elapsed_s"])}')
    low, high = time.get('remaining_low_s'), time.get('remaining_high_s')
    if high == 0:
        parts.append('nothing left')
    elif low is not None and high is not None:
        left = f'{span(low, high)} left'
        if time.get('scale') is not None and not brief:
            left += (f'; the {time.get("observed_items", 0)} items done '
                     f'took {time["scale"]:.2g}x their estimate')
        parts.append(left)
    return ', '.join(parts) or '-'
