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

"""Progress of a running migration, fed by the engine's emit callback.

On a terminal: a bar of finished plan items out of all of them, with
the time elapsed and left, redrawn on every event, with warnings and
errors printed above it. Elsewhere (a pipe, a log file): one plain line
per event, item events with the count and the time left.

The time comes from ``timing`` (a callable giving
:func:`pumphouse.engine.estimate.time_left`'s view, which reads the
database): asked again at most every :data:`TIME_REFRESH` seconds.
"""

import shutil
import threading
import time
from collections.abc import Callable
from typing import TextIO

from oslo_log import log

from pumphouse.common import durations

LOG = log.getLogger(__name__)

#: Events that end an item's work in this run.
FINISHING_EVENTS = frozenset({'done', 'failed', 'blocked'})
#: States in which an item needs no more work.
FINISHED_STATES = frozenset({'done', 'skipped'})
#: Seconds between two readings of the time left.
TIME_REFRESH = 5.0


def event_lines(stream: TextIO):
    """An emit callback printing one plain line per event (planning)."""
    def emit(event_type: str, message: str, level: str, item) -> None:
        stream.write(f'{level:<7} {event_type}: {message}\n')
        stream.flush()
    return emit


class Progress:
    """The engine's ``emit`` callback; thread-safe (workers call it)."""

    def __init__(self, items, stream: TextIO,
                 interactive: bool | None = None,
                 timing: Callable[[], dict | None] | None = None) -> None:
        self.stream = stream
        self.interactive = (stream.isatty() if interactive is None
                            else interactive)
        self.total = len(items)
        self.finished = {i.id for i in items if i.state in FINISHED_STATES}
        self._lock = threading.Lock()
        self._last = ''
        self._bar_shown = False
        self._timing = timing
        self._time_text = ''
        self._time_read: float | None = None

    def __call__(self, event_type: str, message: str, level: str,
                 item) -> None:
        self._read_time()
        with self._lock:
            item_id = getattr(item, 'id', None)
            if item_id is not None and event_type in FINISHING_EVENTS:
                self.finished.add(item_id)
            if self.interactive:
                self._last = message
                if level in ('WARNING', 'ERROR'):
                    self._print_above(f'{level.lower()}: {message}')
                self._draw()
            else:
                self.stream.write(self.line(event_type, message, level,
                                            item_id) + '\n')
            self.stream.flush()

    def _read_time(self) -> None:
        """Ask ``timing`` for the time again, if it is due (one thread
        asks, outside the lock; the others go on with the last one)."""
        if self._timing is None:
            return
        now = time.monotonic()
        with self._lock:
            if self._time_read is not None and \
                    now - self._time_read < TIME_REFRESH:
                return
            self._time_read = now
        try:
            text = durations.time_text(self._timing(), brief=True)
        except Exception as e:  # noqa: BLE001 - the time only informs
            LOG.debug('Could not read the time left: %s', e)
            return
        with self._lock:
            self._time_text = '' if text == '-' else text

    @property
    def done(self) -> int:
        return len(self.finished)

    def line(self, event_type: str, message: str, level: str,
             item_id: int | None) -> str:
        """A plain event line; item events carry the count so far and
        the time left."""
        count = ''
        if item_id is not None:
            when = f'; {self._time_text}' if self._time_text else ''
            count = f'[{self.done}/{self.total}{when}] '
        return f'{level:<7} {count}{event_type}: {message}'

    def bar(self, width: int) -> str:
        """``[#####.....] 5/10 (elapsed 2 min, 3 min to 9 min left) last
        message``, cut to ``width``."""
        size = max(10, min(40, width // 3))
        filled = size * self.done // self.total if self.total else size
        when = f'({self._time_text}) ' if self._time_text else ''
        text = (f'[{"#" * filled}{"." * (size - filled)}] '
                f'{self.done}/{self.total} {when}{self._last}')
        return text[:max(width - 1, 0)]

    def _draw(self) -> None:
        width = shutil.get_terminal_size().columns
        self.stream.write('\r\033[K' + self.bar(width))
        self._bar_shown = True

    def _print_above(self, text: str) -> None:
        self.stream.write('\r\033[K' + text + '\n')

    def close(self) -> None:
        """End the bar's line so what follows starts on a new one."""
        with self._lock:
            if self.interactive and self._bar_shown:
                self._draw()
                self.stream.write('\n')
                self._bar_shown = False
            self.stream.flush()
