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

"""Whether a failed attempt at a plan item is followed by another, and
the pause between them (:class:`ItemRetry`), for
:mod:`pumphouse.engine.apply`."""

import time

from pumphouse.common import faults

#: The longest an item waiting to be tried again sleeps without asking
#: whether the run is to stop (seconds).
PAUSE_SLICE = 1.0


class Stopped(Exception):
    """The run was told to stop while an item waited to be tried
    again."""


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class ItemRetry:
    """Whether a failed attempt at one plan item is followed by another
    (``[conductor] item_retries``): after a transient fault of a cloud
    (:func:`pumphouse.common.faults.is_transient`), while attempts are
    left and the run is not told to stop.

    Decided once per failure of an attempt, so that the driver handling
    it (:meth:`EngineContext.retry_planned`) and the engine agree.
    """

    def __init__(self, retries: int, should_stop) -> None:
        self.attempts = retries + 1
        #: The attempt under way (1 for the first).
        self.attempt = 0
        self._should_stop = should_stop
        self._closed = False
        self._decided: dict[int, tuple[BaseException, bool]] = {}
        #: The failure of the attempt the next one follows (set before
        #: the pause between them).
        self.failure: BaseException | None = None

    def begin(self) -> None:
        """An attempt starts."""
        self.attempt += 1
        self._decided.clear()

    def will_retry(self, error: BaseException) -> bool:
        """Whether another attempt follows this one's failure with
        ``error`` (asked again about the same error, the same answer)."""
        found = self._decided.get(id(error))
        if found is None or found[0] is not error:
            decision = (not self._closed
                        and self.attempt < self.attempts
                        and faults.is_transient(error)
                        and not self._should_stop())
            found = self._decided[id(error)] = (error, decision)
        return found[1]

    def close(self) -> None:
        """No attempt follows, whatever fails from now on."""
        self._closed = True

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` before the next attempt (tenacity's sleep),
        asking whether the run is to stop every :data:`PAUSE_SLICE`
        seconds at most and once more at the end; raises :class:`Stopped`
        once it is: no attempt follows."""
        deadline = time.monotonic() + seconds
        while not self._should_stop():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            _sleep(min(left, PAUSE_SLICE))
        self._closed = True
        raise Stopped()

    def outcome(self, error: BaseException) -> str:
        """What the failed item's error adds about its attempts."""
        if self.attempt <= 1:
            return ''
        if self.attempt >= self.attempts and faults.is_transient(error):
            return f' (gave up after {self.attempt} attempts)'
        return f' (at attempt {self.attempt}/{self.attempts})'
