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

"""``pumphouse host ...``: free source hypervisors and hand them to the
destination cloud, from the command line (the flow runs in this
process; run the same command again to resume after an interruption or a
failure).

Before a host's servers move, its evacuation plan is made here and shown
(``--dry-run`` stops there); a plan that leaves a server without a way off
the host changes nothing and exits 1 with the reasons, unless the operator
chooses for that server (``--to-destination SERVER``, ``--leave SERVER``,
``--override SERVER``).
"""

import argparse
import json
import sys

from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import hosts as schemas
from pumphouse.cli import clouds
from pumphouse.cli import errors
from pumphouse.cli import local
from pumphouse.cli import migrate
from pumphouse.cli import output
from pumphouse.common import driver_info
from pumphouse.common import evacuation_choices
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import evacuation_plan
from pumphouse.hosts import inventory
from pumphouse.hosts import plan_source
from pumphouse.hosts import states
from pumphouse.hosts import views


def _find(args: argparse.Namespace):
    return host_api.get_host(args.host, source_cloud_id=clouds.cloud_id(
        getattr(args, 'source', None)))


def _info(pairs: list[str], path: str | None, what: str) -> dict:
    try:
        info = driver_info.load_file(path, what) if path else {}
    except driver_info.InfoError as e:
        raise errors.CommandError(f'Cannot read {what} info file: {e}',
                                  errors.USAGE) from None
    try:
        info.update(driver_info.parse_pairs(pairs, what))
    except driver_info.InfoError as e:
        raise errors.CommandError(f'--{what}-info takes KEY=VALUE: {e}',
                                  errors.USAGE) from None
    return info


def register_command(args: argparse.Namespace) -> int:
    body: dict = {'name': args.host, 'source': args.source,
                  'macs': args.macs, 'options': {}}
    if args.destination:
        body['destination'] = args.destination
    for what in ('power', 'provision'):
        driver = getattr(args, f'{what}_driver')
        info = _info(getattr(args, f'{what}_info'),
                     getattr(args, f'{what}_info_file'), what)
        if info and not driver:
            raise errors.CommandError(f'--{what}-info needs '
                                      f'--{what}-driver', errors.USAGE)
        if driver:
            body[what] = {'driver': driver, 'info': info}
    if args.aggregate:
        body['options']['aggregate'] = args.aggregate
    if args.to_destination:
        body['options']['to_destination'] = True
    # The API's schema, before anything is stored (clouds.yaml entries
    # included).
    validator.validate(body, schemas.register_request)
    body['source'] = clouds.ensure_cloud(args.source).name
    if args.destination:
        body['destination'] = clouds.ensure_cloud(args.destination).name
    existing = host_api.find_host(
        args.host, clouds.ensure_cloud(args.source).id)
    if existing is None:
        host = inventory.register(body)
        print(f'Registered host {host.name} ({host.uuid}).')
        return errors.OK
    changes = {k: v for k, v in body.items()
               if k in ('destination', 'power', 'provision', 'options')}
    if args.macs:
        changes['macs'] = args.macs
    host = inventory.update(existing.uuid, changes)
    print(f'Updated host {host.name} ({host.uuid}).')
    return errors.OK


def _progress(step: str, message: str, level: str) -> None:
    marker = '' if level == 'INFO' else f'{level}: '
    print(f'[{step}] {marker}{message}', flush=True)


def _choices(args: argparse.Namespace) -> tuple[dict[str, str], bool]:
    """The operator's choice for each server named on the command line,
    and whether every server goes to the destination cloud."""
    try:
        return evacuation_choices.read(args)
    except evacuation_choices.ConflictingChoices as e:
        raise errors.CommandError(str(e), errors.USAGE) from None


def _plan(args: argparse.Namespace, host, target: str,
          options: dict) -> dict | None:
    """Make and show the evacuation plan; None when ``--dry-run`` ends
    here. Raises CommandError when it cannot go ahead (nothing changed)."""
    states.check_target(host.name, host.state, target, host.failed_step)
    try:
        plan = plan_source.make(
            host, choices=options.get(plan_source.CHOICES_OPTION) or {},
            target=target,
            all_to_destination=bool(options.get('to_destination')))
    except exception.Invalid as e:
        raise errors.CommandError(f'Error: {e}', errors.USAGE) from None
    if args.format == 'json':
        print(json.dumps(plan, indent=2, ensure_ascii=False), flush=True)
    else:
        print(output.evacuation_plan_text(plan), flush=True)
    message = evacuation_plan.blocking_message(plan)
    if message:
        raise errors.CommandError(
            f'Host {host.name} cannot be evacuated: {message} (options '
            '--to-destination SERVER, --leave SERVER, --override SERVER). '
            'Nothing was changed.')
    if args.dry_run:
        print('Dry run: nothing was changed.', file=sys.stderr)
        return None
    migrate.require_terminal_or_yes(args, 'evacuate the host')
    moving = sum(1 for s in plan['servers']
                 if s['action'] != evacuation_plan.LEAVE)
    if not args.yes and not migrate.confirm(
            f'Disable host {host.name} and move {moving} server(s) off it '
            'as planned?'):
        raise errors.CommandError('Nothing was changed.')
    return plan


def _go(args: argparse.Namespace, target: str) -> int:
    try:
        host = _find(args)
    except exception.HostNotFound:
        if target != states.EVACUATED or not args.source:
            raise
        # Evacuating needs no hardware facts: register the name.
        validator.validate({'name': args.host, 'source': args.source},
                           schemas.register_request)
        body = {'name': args.host, 'source': clouds.ensure_cloud(
            args.source).name}
        if getattr(args, 'destination', None):
            body['destination'] = clouds.ensure_cloud(args.destination).name
        host = inventory.register(body)
    values = {}
    if getattr(args, 'destination', None):
        values['destination_cloud_id'] = clouds.ensure_cloud(
            args.destination).id
    choices, every = _choices(args)
    options = dict(host.options or {})
    if every:
        options['to_destination'] = True
    if choices:
        # Replaces earlier choices; none given, they are kept (run the
        # same command again to resume).
        options[plan_source.CHOICES_OPTION] = choices
    if options != dict(host.options or {}):
        values['options'] = options
    if target != states.IN_SOURCE and states.evacuates(
            host.state, target, host.failed_step):
        if (every or evacuation_plan.TO_DESTINATION in choices.values()) \
                and values.get('destination_cloud_id',
                               host.destination_cloud_id) is None:
            raise errors.CommandError(
                f'Host {host.name} has no destination cloud to move servers '
                'to: give --destination CLOUD.', errors.USAGE)
        plan = _plan(args, host, target, options)
        if plan is None:
            return errors.OK
        values['evacuation_plan'] = plan
    elif getattr(args, 'dry_run', False):
        print(f'Host {host.name} is {host.state}: its servers have been '
              'moved off it already; nothing to plan.')
        return errors.OK
    print(f'Host {host.name}: {host.state} -> {target}', flush=True)
    with local.LocalConductor() as here:
        try:
            host = here.host(host.uuid, target=target, values=values,
                             emit=_progress)
        except exception.EvacuationInfeasible as e:
            print(f'Error: {e}', file=sys.stderr)
            return errors.FAILED
        except exception.HostStepFailed as e:
            step = host_api.get_host(host.uuid).failed_step
            raise errors.CommandError(
                f'Error: {str(e).rstrip(".")}. Once the cause is fixed, '
                f'the same command resumes at step {step}.') from None
    if host.state != target:
        print(f'Host {host.name} is {host.state}, not {target}: '
              'servers were left on it as chosen.')
        return errors.OK
    print(f'Host {host.name} is {host.state}.')
    return errors.OK


def evacuate_command(args: argparse.Namespace) -> int:
    return _go(args, states.EVACUATED)


def reassign_command(args: argparse.Namespace) -> int:
    return _go(args, states.IN_DESTINATION)


def enable_command(args: argparse.Namespace) -> int:
    return _go(args, states.IN_SOURCE)


def list_command(args: argparse.Namespace) -> int:
    if args.source:
        clouds.ensure_cloud(args.source)
        rows = [[h['name'], h['service_status'] or '-',
                 h['service_state'] or '-', h['servers'],
                 h['state'] or 'not registered', h['uuid'] or '']
                for h in inventory.discover(args.source)]
        header = ['host', 'nova-compute', 'up/down', 'servers', 'state',
                  'id']
    else:
        cloud_names = {c.id: c.name for c in db_api.list_clouds()}
        rows = [[h.name, cloud_names.get(h.source_cloud_id),
                 cloud_names.get(h.destination_cloud_id) or '-',
                 h.state + (' (info unreadable: see host show)'
                            if views.info_error(h) else ''),
                 h.target or '-', h.uuid]
                for h in host_api.list_hosts()]
        header = ['host', 'source', 'destination', 'state', 'target', 'id']
    if not rows:
        print('No hosts.')
        return errors.OK
    print(output.table(header, rows))
    return errors.OK


def show_command(args: argparse.Namespace) -> int:
    host = _find(args)
    view = views.view(host)
    view['operations'] = [views.operation_view(o)
                          for o in host_api.list_operations(host.id)]
    view['evacuation_plan'] = host.evacuation_plan or None
    if args.format == 'json':
        print(json.dumps(view, indent=2, ensure_ascii=False))
        return errors.OK
    for key in ('name', 'uuid', 'source', 'destination', 'state',
                'target', 'failed_step', 'last_error'):
        print(f'{key + ":":<13}{view[key] if view[key] is not None else "-"}')
    if view['info_error']:
        print(f'{"info_error:":<13}{view["info_error"]}')
    for what in ('power', 'provision'):
        driver = view[what]
        print(f'{what + ":":<13}' + (
            f'{driver["driver"]} {json.dumps(driver["info"])}'
            if driver else '-'))
    print(f'{"macs:":<13}{", ".join(view["macs"]) or "-"}')
    print(f'{"options:":<13}{json.dumps(view["options"])}')
    if view['evacuation_plan']:
        print(f'{"evacuation:":<13}'
              f'{evacuation_plan.summary(view["evacuation_plan"])} '
              '("host plan" shows it)')
    for op in view['operations']:
        print(f'  {op["created_at"]} {op["level"]:<7} {op["step"]}: '
              f'{op["message"]}')
    return errors.OK


def plan_command(args: argparse.Namespace) -> int:
    host = _find(args)
    if not host.evacuation_plan:
        raise errors.CommandError(
            f'Host {host.name} has no evacuation plan yet: "pumphouse host '
            f'evacuate {host.name} --dry-run" makes one.')
    if args.format == 'json':
        print(json.dumps(host.evacuation_plan, indent=2, ensure_ascii=False))
    else:
        print(output.evacuation_plan_text(host.evacuation_plan))
    return errors.OK


def forget_command(args: argparse.Namespace) -> int:
    host = _find(args)
    host_api.delete_host(host.uuid, only_in=None if args.force
                         else states.FORGETTABLE)
    print(f'Forgot host {host.name}.')
    return errors.OK


def add_commands(sub, common) -> None:
    """``host`` and its sub-commands."""
    host = sub.add_parser('host', help='Free source hypervisors and hand '
                          'them to the destination cloud.',
                          description='Free source hypervisors and hand '
                          'them to the destination cloud.')
    host_sub = host.add_subparsers(dest='host_command', metavar='COMMAND',
                                   required=True)

    def add(name, func, help_text):
        command = host_sub.add_parser(name, parents=[common],
                                      help=help_text, description=help_text)
        command.set_defaults(func=func)
        return command

    def name_and_source(command, source_required=False):
        command.add_argument('host', metavar='HOST',
                             help='Hypervisor host name (as nova-compute '
                                  'reports it) or registered id.')
        command.add_argument('--source', metavar='CLOUD',
                             required=source_required,
                             help='The source cloud.')

    command = add('list', list_command, 'List registered hosts; with '
                  '--source, the source cloud\'s compute hosts.')
    command.add_argument('--source', metavar='CLOUD')

    command = add('show', show_command, 'Show a host and its log.')
    name_and_source(command)
    command.add_argument('--format', choices=('text', 'json'),
                         default='text')

    command = add('register', register_command,
                  'Register a host\'s hardware: power and provision '
                  'drivers with their info, NIC MACs (again: update '
                  'what is given).')
    name_and_source(command, source_required=True)
    command.add_argument('--destination', metavar='CLOUD')
    for what in ('power', 'provision'):
        command.add_argument(f'--{what}-driver', metavar='DRIVER')
        command.add_argument(f'--{what}-info', action='append', default=[],
                             metavar='KEY=VALUE',
                             help='May be repeated; VALUE is read as JSON '
                                  'when it parses.')
        command.add_argument(f'--{what}-info-file', metavar='FILE',
                             help='YAML or JSON mapping (keeps passwords '
                                  'off the command line).')
    command.add_argument('--mac', dest='macs', action='append', default=[],
                         metavar='MAC')
    command.add_argument('--aggregate', metavar='NAME',
                         help='Destination host aggregate to join.')
    command.add_argument('--to-destination', action='store_true',
                         help='Evacuate by migrating the servers to the '
                              'destination cloud.')

    for name, func, help_text in (
            ('evacuate', evacuate_command, 'Plan the evacuation of the '
             'host, show the plan, then disable the host and move its '
             'servers off it as planned.'),
            ('reassign', reassign_command, 'Evacuate (as planned), remove, '
             'power, provision the host and wait for it in the '
             'destination.')):
        command = add(name, func, help_text)
        name_and_source(command)
        command.add_argument('--destination', metavar='CLOUD')
        evacuation_choices.add_options(command, metavar='SERVER',
                                       repeat='may be repeated',
                                       can_leave=name == 'evacuate')
        command.add_argument('--dry-run', action='store_true',
                             help='Show the evacuation plan and stop: '
                                  'nothing is changed.')
        command.add_argument('--yes', action='store_true',
                             help='Do not ask for confirmation (required '
                                  'when standard input is not a '
                                  'terminal).')
        command.add_argument('--format', choices=('text', 'json'),
                             default='text',
                             help='How the evacuation plan is shown.')

    command = add('plan', plan_command, 'Show the evacuation plan a '
                  'host\'s evacuation follows (or followed).')
    name_and_source(command)
    command.add_argument('--format', choices=('text', 'json'),
                         default='text')

    command = add('enable', enable_command, 'Put a disabled or evacuated '
                  'host back into the source\'s scheduling.')
    name_and_source(command)

    command = add('forget', forget_command, 'Forget a registered host.')
    name_and_source(command)
    command.add_argument('--force', action='store_true',
                         help='Forget a host half-way (its recorded step '
                              'is lost).')
