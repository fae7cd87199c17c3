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

"""Giving a host a target, and ``openstack migration host enable``.

A conductor of the service takes a host step by step to its target;
with ``--wait [<time-out>]`` the command follows the host's operations
log on stderr until the target is reached or the host failed (stdout
keeps the host, so ``-f json`` stays parsable).
"""

from collections.abc import Iterator

from osc_lib import exceptions

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import hosts
from pumphouse.osc.v1 import wait

IN_SOURCE = 'in_source'
EVACUATED = 'evacuated'
IN_DESTINATION = 'in_destination'
FAILED = 'failed'
#: The states of a host's way, in order (for the --wait progress bar).
ORDER = (IN_SOURCE, 'disabled', EVACUATED, 'removed', 'powered',
         'provisioning', IN_DESTINATION)


def operations(api, path: str,
               after: int | None = None) -> Iterator[dict]:
    """The operations of a host after the one with id ``after``, page by
    page (the API gives no ``next`` link: an empty page is the end)."""
    while True:
        page = api.get(f'{path}/operations', after=after)['operations']
        if not page:
            return
        yield from page
        after = page[-1]['id']


class StepBar:
    """A progress bar over the steps from where a host was to its target;
    a line only when the host reached a new state on the way."""

    def __init__(self, start: str, target: str) -> None:
        self.start = ORDER.index(start) if start in ORDER else 0
        self.total = (ORDER.index(target) - self.start
                      if target in ORDER[self.start + 1:] else 0)
        self.shown = start

    def update(self, state: str) -> str | None:
        if state == self.shown or state not in ORDER or not self.total:
            return None
        self.shown = state
        done = min(max(ORDER.index(state) - self.start, 0), self.total)
        return common.progress_bar(done, self.total, state)


class ToTarget(common.ShowOne):
    """Give a host a target; with --wait, follow it there."""

    target = ''

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        self.add_options(parser)
        wait.add_wait_option(parser, f'the host is {self.target}, printing '
                                     'its operations on stderr; fail if a '
                                     'step fails')
        return parser

    def add_options(self, parser) -> None:
        """Options of the target besides the host."""

    def body(self, parsed_args) -> dict:
        return {'target': self.target}

    def take_action(self, parsed_args):
        api = hosts.client(self)
        path = common.path('hosts', parsed_args.host)
        timeout = wait.requested(parsed_args)
        after = None
        if timeout is not None:
            # Only what happens from now on is printed.
            for operation in operations(api, path):
                after = operation['id']
        host = api.put(f'{path}/state', self.body(parsed_args))
        if timeout is not None:
            host = self.follow(api, host, after, timeout)
        return hosts.host_fields(host)

    def follow(self, api, host: dict, after: int | None,
               timeout: int) -> dict:
        """Print new operations until the host has no target any more;
        the host when it reached ours, a CommandError otherwise (also
        once ``timeout`` seconds, 0: none, have passed)."""
        path = common.path('hosts', host['uuid'])
        out = self.app.stderr
        deadline = wait.Deadline(timeout)
        bar = StepBar(host['state'], self.target)
        while True:
            # The host first: every operation before it settled is then
            # among those read next.
            host = api.get(path)
            for operation in operations(api, path, after):
                out.write(f'{operation["created_at"]} '
                          f'{operation["level"]:<7} {operation["step"]}: '
                          f'{operation["message"]}\n')
                after = operation['id']
            line = bar.update(host['state'])
            if line:
                out.write(line + '\n')
            out.flush()
            if host.get('target') is None:
                return self.settled(host)
            if deadline.passed():
                raise exceptions.CommandError(
                    f'host {host["name"]} is still {host["state"]} on its '
                    f'way to {host["target"]} after {timeout}s; it goes '
                    'on: watch it with "openstack migration host show '
                    f'{host["name"]}"')
            deadline.sleep()

    def settled(self, host: dict) -> dict:
        if host['state'] == self.target:
            return host
        if host['state'] == FAILED:
            raise exceptions.CommandError(
                f'host {host["name"]} failed at step '
                f'{host.get("failed_step") or "?"}: '
                f'{host.get("last_error") or "see its operations"}; run the '
                'same command again to resume at that step')
        raise exceptions.CommandError(
            f'host {host["name"]} is {host["state"]}, not {self.target}: '
            f'{host.get("last_error") or "see its operations"}')


class EnableHost(ToTarget):
    """Put a disabled or evacuated host back into the source's scheduling
    (its servers stay where they went)."""

    target = IN_SOURCE
