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

"""``openstack migration host evacuate|reassign`` and ``host plan show``:
the targets on the way to which a host's servers move off it (evacuation
plans and per-server choices: migration API 1.2).

Before the host is disabled the conductor makes its evacuation plan;
``evacuate --plan`` shows that plan as it would be now, changing nothing,
and ``host plan show`` the one the evacuation follows.
"""

from osc_lib import exceptions

from pumphouse.common import evacuation_choices
from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import host_targets
from pumphouse.osc.v1 import hosts

#: Evacuation plans and per-server choices.
PLAN_VERSION = (1, 2)
PLAN_COLUMNS = ('server', 'id', 'status', 'method', 'action', 'target',
                'candidates', 'excluded', 'reason')
BLOCKED = 'blocked'


class ExclusionsColumn(common.JoinedColumn):
    """The hosts out for a server: ``host: Rule (why)`` lines in a table,
    the list of ``{host, rule, reason}`` with ``-f json|yaml``."""

    separator = '\n'

    def human_readable(self) -> str:
        return self.separator.join(
            f'{e["host"]}: {e["rule"]} ({e["reason"]})'
            for e in self._value or ())


def plan_rows(plan: dict) -> tuple[tuple, list[list]]:
    """``(columns, rows)`` of an evacuation plan: a server a row, with its
    candidate hosts and the hosts out for it and why."""
    rows = []
    for server in plan.get('servers', []):
        rows.append([
            server.get('name'), server['id'], server['status'],
            server.get('method'), server['action'], server.get('target'),
            common.JoinedColumn(server.get('candidates') or []),
            ExclusionsColumn(server.get('excluded') or []),
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


class ServersMove(host_targets.ToTarget):
    """A target on the way of which the host's servers move off it."""

    can_leave = False

    def add_options(self, parser) -> None:
        evacuation_choices.add_options(parser, metavar='<server>',
                                       repeat='repeatable',
                                       can_leave=self.can_leave)
        parser.add_argument(
            '--plan', action='store_true',
            help='Show the evacuation plan as it would be now, with the '
                 'choices given, and change nothing (fails when a '
                 'server cannot be moved).')

    def choices(self, parsed_args) -> tuple[dict[str, str], bool]:
        """The per-server choices, and whether every server goes to the
        destination cloud."""
        try:
            return evacuation_choices.read(parsed_args)
        except evacuation_choices.ConflictingChoices as e:
            raise exceptions.CommandError(str(e)) from None

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
            hosts.client(self).require(
                PLAN_VERSION, 'per-server choices of an evacuation')
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
        api = hosts.client(self)
        api.require(PLAN_VERSION, 'evacuation plans')
        plan = api.post(
            common.path('hosts', parsed_args.host, 'evacuation-plan'),
            self.body(parsed_args))
        columns, rows = plan_rows(plan)
        self.formatter.emit_list(
            columns, common.rows_for(parsed_args.formatter, rows),
            self.app.stdout, parsed_args)
        message = blocking_message(plan)
        if message:
            raise exceptions.CommandError(message)
        return 0


class ShowEvacuationPlan(common.Lister):
    """Show the evacuation plan a host's evacuation follows (or followed).

    For each server: how and where it goes, the candidate hosts and why
    the others are out.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        api = hosts.client(self)
        api.require(PLAN_VERSION, 'evacuation plans')
        return plan_rows(api.get(
            common.path('hosts', parsed_args.host, 'evacuation-plan')))


class EvacuateHost(ServersMove):
    """Disable a source host and move its servers off it, as planned.

    A conductor makes the plan first: when a server has no way off the
    host (no capacity, its server group, its availability zone, its
    status) nothing is changed and the host says why, unless a choice is
    given for that server. --plan shows the plan without changing
    anything; --wait follows the operations. A failed host resumes at the
    failed step when asked again.
    """

    target = host_targets.EVACUATED
    can_leave = True


class ReassignHost(ServersMove):
    """Hand a source host over to the destination cloud.

    Evacuate it, remove it from the source, power and provision it, and
    wait for it in the destination. The host needs power and provision
    drivers and a destination cloud. A conductor does it; --wait follows
    its operations. A failed host resumes at the failed step when asked
    again.
    """

    target = host_targets.IN_DESTINATION
