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

"""``--wait [<time-out>]``, as python-ironicclient's ``openstack baremetal
node provide --wait [<time-out>]``: poll a resource until it settles.

``--wait`` alone waits as long as it takes (time-out 0); ``--wait 600``
gives up after ten minutes. Giving up does not stop the work: the
command says how to watch it and exits non-zero, as it does when the
resource ends anywhere but where the command sent it.
"""

import argparse
import logging
import time

LOG = logging.getLogger(__name__)

#: Seconds between two polls.
POLL_INTERVAL = 2.0


def time_out(text: str) -> int:
    """A ``--wait`` time-out: whole seconds, 0 for none."""
    try:
        seconds = int(text)
    except ValueError:
        # Most often a positional argument after a bare --wait.
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a time-out in seconds (give --wait after '
            'the other arguments, or with a time-out)') from None
    if seconds < 0:
        raise argparse.ArgumentTypeError('a time-out cannot be negative')
    return seconds


def add_wait_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--wait [<time-out>]`` (and the deprecated ``--timeout``)."""
    parser.add_argument(
        '--wait', type=time_out, nargs='?', const=0, default=None,
        dest='wait_timeout', metavar='<time-out>',
        help=f'Wait until {what}; exit non-zero if it does not get there. '
             'Optionally takes a time-out in seconds; 0 (the default) '
             'waits as long as it takes. The work goes on after a '
             'time-out.')
    # Before --wait took its time-out: "--wait --timeout 600".
    parser.add_argument('--timeout', type=time_out, default=None,
                        dest='deprecated_timeout', help=argparse.SUPPRESS)


def requested(parsed_args) -> int | None:
    """The time-out of ``--wait`` (0: none), or None without ``--wait``."""
    legacy = getattr(parsed_args, 'deprecated_timeout', None)
    if legacy is not None:
        LOG.warning('--timeout is deprecated: give the time-out to --wait '
                    '(--wait %d)', legacy)
    if parsed_args.wait_timeout is None:
        return None
    if parsed_args.wait_timeout == 0 and legacy is not None:
        return legacy
    return parsed_args.wait_timeout


class Deadline:
    """When a wait of ``timeout`` seconds (0: none) gives up."""

    def __init__(self, timeout: int) -> None:
        self.timeout = timeout
        self._end = time.monotonic() + timeout if timeout else None

    def passed(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end

    def sleep(self, interval: float | None = None) -> None:
        """Wait for the next poll (never past the deadline)."""
        interval = POLL_INTERVAL if interval is None else interval
        if self._end is not None:
            interval = max(0.0, min(interval, self._end - time.monotonic()))
        time.sleep(interval)
