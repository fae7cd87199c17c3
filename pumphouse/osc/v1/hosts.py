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

"""``openstack migration host list|show|register|evacuate|reassign|enable|
delete|plan show``: source hypervisors and their way to the destination
cloud (migration API 1.1; evacuation plans 1.2).

A conductor of the service takes a host step by step to its target; with
``--wait`` the command follows the host's operations log on stderr until
the target is reached or the host failed (stdout keeps the host, so
``-f json`` stays parsable). Before the host is disabled the conductor
makes its evacuation plan; ``evacuate --plan`` shows that plan as it would
be now, changing nothing, and ``host plan show`` the one the evacuation
follows.
"""

import logging
import time
from collections.abc import Iterator

from osc_lib import exceptions
from osc_lib.command import command

from pumphouse.common import driver_info
from pumphouse.common import masking
from pumphouse.osc.v1 import common

LOG = logging.getLogger(__name__)

#: The microversion that brought /v1/hosts.
MIN_VERSION = (1, 1)
#: Evacuation plans and per-server choices.
PLAN_VERSION = (1, 2)
PLAN_COLUMNS = ('server', 'id', 'status', 'method', 'action', 'target',
                'candidates', 'excluded', 'reason')
#: ``--to-destination`` without a server: every server of the host.
EVERY_SERVER = '*'
BLOCKED = 'blocked'
LIST_COLUMNS = ('uuid', 'name', 'source', 'destination', 'state', 'target')
LONG_COLUMNS = LIST_COLUMNS + ('failed_step', 'power_driver',
                               'provision_driver')
SHOW_FIELDS = ('uuid', 'name', 'source', 'destination', 'state', 'target',
               'failed_step', 'last_error', 'info_error', 'conductor',
               'macs', 'options', 'created_at', 'updated_at')
DRIVERS = ('power', 'provision')
EVACUATED = 'evacuated'
IN_DESTINATION = 'in_destination'
IN_SOURCE = 'in_source'
FAILED = 'failed'
#: The states of a host's way, in order (for the --wait progress bar).
ORDER = (IN_SOURCE, 'disabled', EVACUATED, 'removed', 'powered',
         'provisioning', IN_DESTINATION)
DEFAULT_TIMEOUT = 3600
#: Seconds between two polls of ``--wait``.
POLL_INTERVAL = 2.0


def _client(cmd):
    """The migration client, once the server is known to serve hosts."""
    api = common.client(cmd)
    api.require(MIN_VERSION, 'the migration host commands')
    return api


def host_fields(host: dict) -> tuple:
    """``(columns, values)`` of a host: the driver info flattened as
    ``power.info.<key>``, like a cloud's ``auth.<key>``."""
    data = {f: host.get(f) for f in SHOW_FIELDS}
    for what in DRIVERS:
        driver = host.get(what) or {}
        data[f'{what}.driver'] = driver.get('driver')
        # Masked again here, should a server return more than it should.
        for key, value in masking.mask(driver.get('info') or {}).items():
            data[f'{what}.info.{key}'] = value
    split = SHOW_FIELDS.index('conductor') + 1
    names = list(SHOW_FIELDS[:split]) + sorted(
        n for n in data if n.startswith(DRIVERS)) + list(SHOW_FIELDS[split:])
    return common.show(data, names)


def _row(host: dict, columns: tuple) -> list:
    row = []
    for column in columns:
        if column.endswith('_driver'):
            driver = host.get(column[:-len('_driver')]) or {}
            row.append(driver.get('driver'))
        else:
            row.append(common.cell(host.get(column)))
    return row


def read_info(pairs: list[str], path: str | None, what: str) -> dict:
    """A driver's info from a YAML/JSON file and ``KEY=VALUE`` arguments
    (which win); a clear error for an unreadable file or a bad pair."""
    try:
        info = driver_info.load_file(path, what) if path else {}
        info.update(driver_info.parse_pairs(pairs, what))
    except driver_info.InfoError as e:
        raise exceptions.CommandError(str(e)) from None
    return info


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


class ListHost(command.Lister):
    """List the registered hosts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--source', metavar='<cloud>',
                            help='Only the hosts of this source cloud '
                                 '(name or UUID).')
        parser.add_argument('--long', action='store_true',
                            help='Also the failed step and the power and '
                                 'provision drivers.')
        return parser

    def take_action(self, parsed_args):
        columns = LONG_COLUMNS if parsed_args.long else LIST_COLUMNS
        found = _client(self).list_all('/hosts', 'hosts',
                                       source=parsed_args.source)
        return columns, [_row(h, columns) for h in found]


class ShowHost(command.ShowOne):
    """Show a registered host (never the secrets of its drivers)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        return host_fields(_client(self).get(
            common.path('hosts', parsed_args.host)))


def add_fact_options(parser) -> None:
    """The options of a host's hardware facts (register and set)."""
    parser.add_argument('--destination', metavar='<cloud>',
                        help='The cloud the host goes to.')
    for what in DRIVERS:
        parser.add_argument(f'--{what}-driver', metavar='<driver>',
                            help=f'The {what} driver (e.g. '
                                 + ('ipmi' if what == 'power'
                                    else 'ironic') + ').')
        parser.add_argument(f'--{what}-info', action='append',
                            default=[], metavar='<key=value>',
                            help=f'An item of the {what} driver info; '
                                 'repeatable. VALUE is read as JSON '
                                 'when it parses (secrets such as a '
                                 'password always as a string).')
        parser.add_argument(f'--{what}-info-file', metavar='<file>',
                            help=f'The {what} driver info as a YAML or '
                                 'JSON mapping (keeps passwords off '
                                 f'the command line); --{what}-info '
                                 'items win over it.')
    parser.add_argument('--mac', dest='macs', action='append',
                        default=[], metavar='<mac>',
                        help='MAC address of a NIC of the host (for '
                             'provisioning); repeatable.')
    parser.add_argument('--aggregate', metavar='<aggregate>',
                        help='Destination host aggregate to join.')
    parser.add_argument('--to-destination', action='store_true',
                        help='Evacuate by migrating the servers to the '
                             'destination cloud instead of other '
                             'source hosts.')
    parser.add_argument('--no-cold-fallback', action='store_true',
                        help='Fail a server that cannot be '
                             'live-migrated instead of cold-migrating '
                             'it (which reboots it).')


def facts_body(parsed_args) -> dict:
    """The request body part the fact options give."""
    body: dict = {}
    if parsed_args.destination:
        body['destination'] = parsed_args.destination
    for what in DRIVERS:
        driver = getattr(parsed_args, f'{what}_driver')
        info = read_info(getattr(parsed_args, f'{what}_info'),
                         getattr(parsed_args, f'{what}_info_file'), what)
        if info and not driver:
            raise exceptions.CommandError(
                f'--{what}-info needs --{what}-driver')
        if driver:
            body[what] = {'driver': driver, 'info': info}
    if parsed_args.macs:
        body['macs'] = parsed_args.macs
    options: dict = {}
    if parsed_args.aggregate:
        options['aggregate'] = parsed_args.aggregate
    if parsed_args.to_destination:
        options['to_destination'] = True
    if parsed_args.no_cold_fallback:
        options['cold_fallback'] = False
    if options:
        body['options'] = options
    return body


class RegisterHost(command.ShowOne):
    """Register a source host's hardware: power and provision drivers with
    their info, NIC MACs, and how it goes to the destination.

    Driver info is stored encrypted; its secrets (the BMC password) are
    never shown again. Give them with --power-info-file to keep them off
    the command line.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Hypervisor host name, as nova-compute '
                                 'reports it.')
        parser.add_argument('--source', required=True, metavar='<cloud>',
                            help='The source cloud (name or UUID).')
        add_fact_options(parser)
        return parser

    def take_action(self, parsed_args):
        body = {'name': parsed_args.name, 'source': parsed_args.source,
                **facts_body(parsed_args)}
        return host_fields(_client(self).post('/hosts', body))


class SetHost(command.ShowOne):
    """Change a registered host's hardware facts (what is given only);
    refused while the host is being worked on."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        add_fact_options(parser)
        return parser

    def take_action(self, parsed_args):
        body = facts_body(parsed_args)
        if not body:
            raise exceptions.CommandError('nothing to change: give at '
                                          'least one option')
        return host_fields(_client(self).patch(
            common.path('hosts', parsed_args.host), body))


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


class _ToTarget(command.ShowOne):
    """Give a host a target; with --wait, follow it there."""

    target = ''

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        self.add_options(parser)
        parser.add_argument('--wait', action='store_true',
                            help='Print the host\'s operations (on stderr) '
                                 f'until it is {self.target}; fail if a '
                                 'step fails.')
        parser.add_argument('--timeout', type=int, default=DEFAULT_TIMEOUT,
                            metavar='<seconds>',
                            help='How long --wait waits (default 3600; the '
                                 'host goes on after that).')
        return parser

    def add_options(self, parser) -> None:
        """Options of the target besides the host."""

    def body(self, parsed_args) -> dict:
        return {'target': self.target}

    def take_action(self, parsed_args):
        api = _client(self)
        path = common.path('hosts', parsed_args.host)
        after = None
        if parsed_args.wait:
            # Only what happens from now on is printed.
            for operation in operations(api, path):
                after = operation['id']
        host = api.put(f'{path}/state', self.body(parsed_args))
        if parsed_args.wait:
            host = self.follow(api, host, after, parsed_args.timeout)
        return host_fields(host)

    def follow(self, api, host: dict, after: int | None,
               timeout: float) -> dict:
        """Print new operations until the host has no target any more;
        the host when it reached ours, a CommandError otherwise."""
        path = common.path('hosts', host['uuid'])
        out = self.app.stderr
        deadline = time.monotonic() + timeout
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
            if time.monotonic() >= deadline:
                raise exceptions.CommandError(
                    f'host {host["name"]} is still {host["state"]} on its '
                    f'way to {host["target"]} after {timeout:.0f}s; it goes '
                    'on: watch it with "openstack migration host show '
                    f'{host["name"]}"')
            time.sleep(POLL_INTERVAL)

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


def plan_rows(plan: dict) -> tuple[tuple, list[list]]:
    """``(columns, rows)`` of an evacuation plan: a server a row, the hosts
    out for it as ``host: Rule (why)`` lines."""
    rows = []
    for server in plan.get('servers', []):
        rows.append([
            server.get('name'), server['id'], server['status'],
            server.get('method'), server['action'], server.get('target'),
            ', '.join(server.get('candidates') or []),
            '\n'.join(f'{e["host"]}: {e["rule"]} ({e["reason"]})'
                      for e in server.get('excluded') or []),
            server.get('reason')])
    return PLAN_COLUMNS, rows


def blocking_message(plan: dict) -> str | None:
    """Why the plan stops the evacuation, naming each blocked server."""
    blocked = [s for s in plan.get('servers', [])
               if s['action'] == BLOCKED]
    if not blocked:
        return None
    return (f'host {plan["host"]} cannot be evacuated: {len(blocked)} '
            'server(s) cannot be moved: ' + '; '.join(
                f'{s.get("name")} ({s["id"]}): {s.get("reason")}'
                for s in blocked)
            + '. Choose for each: --to-destination <server>, --leave '
            '<server> or --override <server>')


class _ServersMove(_ToTarget):
    """A target on the way of which the host's servers move off it."""

    can_leave = False

    def add_options(self, parser) -> None:
        parser.add_argument(
            '--to-destination', action='append', nargs='?',
            const=EVERY_SERVER, metavar='<server>',
            help='Move this server (name or UUID; repeatable) to the '
                 'destination cloud instead of another source host; '
                 'without <server>, every server of the host.')
        if self.can_leave:
            parser.add_argument(
                '--leave', action='append', metavar='<server>',
                help='Leave this server on the host (repeatable): the '
                     'host then ends disabled, not evacuated.')
        parser.add_argument(
            '--override', action='append', metavar='<server>',
            help='Move this server although its evacuation plan finds no '
                 'host for it: Nova\'s scheduler decides (repeatable).')
        parser.add_argument(
            '--plan', action='store_true',
            help='Show the evacuation plan as it would be now, with the '
                 'choices given, and change nothing (fails when a '
                 'server cannot be moved).')

    def choices(self, parsed_args) -> tuple[dict[str, str], bool]:
        """The per-server choices, and whether every server goes to the
        destination cloud."""
        choices: dict[str, str] = {}
        every = False
        for option, choice in (('to_destination', 'to_destination'),
                               ('leave', 'leave'),
                               ('override', 'override')):
            for server in getattr(parsed_args, option, None) or []:
                if server == EVERY_SERVER:
                    every = True
                elif choices.setdefault(server, choice) != choice:
                    raise exceptions.CommandError(
                        f'server {server} is given two choices: '
                        f'{choices[server]} and {choice}')
        return choices, every

    def body(self, parsed_args) -> dict:
        body = super().body(parsed_args)
        choices, every = self.choices(parsed_args)
        if every:
            body['to_destination'] = True
        if choices:
            body['servers'] = choices
        return body

    def take_action(self, parsed_args):
        if self.choices(parsed_args)[0]:
            _client(self).require(PLAN_VERSION,
                                  'per-server choices of an evacuation')
        return super().take_action(parsed_args)

    def run(self, parsed_args):
        if not parsed_args.plan:
            return super().run(parsed_args)
        # A list, where the command otherwise shows one host.
        self.formatter = self._formatter_plugins[parsed_args.formatter].obj
        if not hasattr(self.formatter, 'emit_list'):
            raise exceptions.CommandError(
                f'-f {parsed_args.formatter} cannot show a plan; use '
                'table, json, yaml or value')
        api = _client(self)
        api.require(PLAN_VERSION, 'evacuation plans')
        plan = api.post(f'/hosts/{parsed_args.host}/evacuation-plan',
                        self.body(parsed_args))
        columns, rows = plan_rows(plan)
        self.formatter.emit_list(columns, rows, self.app.stdout,
                                 parsed_args)
        message = blocking_message(plan)
        if message:
            raise exceptions.CommandError(message)
        return 0


class ShowEvacuationPlan(command.Lister):
    """Show the evacuation plan a host's evacuation follows (or followed):
    for each server, how and where it goes, the candidate hosts and why
    the others are out."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        api = _client(self)
        api.require(PLAN_VERSION, 'evacuation plans')
        return plan_rows(api.get(
            f'/hosts/{parsed_args.host}/evacuation-plan'))


class EvacuateHost(_ServersMove):
    """Disable a source host and move its servers off it, as its
    evacuation plan says.

    A conductor makes the plan first: when a server has no way off the
    host (no capacity, its server group, its availability zone, its
    status) nothing is changed and the host says why, unless a choice is
    given for that server. --plan shows the plan without changing
    anything; --wait follows the operations. A failed host resumes at the
    failed step when asked again.
    """

    target = EVACUATED
    can_leave = True


class ReassignHost(_ServersMove):
    """Hand a source host to the destination cloud: evacuate, remove it
    from the source, power and provision it, and wait for it in the
    destination.

    The host needs power and provision drivers and a destination cloud.
    A conductor does it; --wait follows its operations. A failed host
    resumes at the failed step when asked again.
    """

    target = IN_DESTINATION


class EnableHost(_ToTarget):
    """Put a disabled or evacuated host back into the source's scheduling
    (its servers stay where they went)."""

    target = IN_SOURCE


class DeleteHost(command.Command):
    """Forget registered hosts (refused while a conductor works on one)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('hosts', metavar='<host>', nargs='+',
                            help='Names or UUIDs.')
        return parser

    def take_action(self, parsed_args):
        api = _client(self)
        for host in parsed_args.hosts:
            api.delete(common.path('hosts', host))
