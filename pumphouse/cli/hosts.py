"""``pumphouse host ...``: free source hypervisors and hand them to the
destination cloud, from the command line (the flow runs in this
process; run the same command again to resume after an interruption or a
failure)."""

import argparse
import json
import sys

from pumphouse.cli import clouds
from pumphouse.cli import errors
from pumphouse.cli import local
from pumphouse.cli import output
from pumphouse.common import driver_info
from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import inventory
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
    body: dict = {'name': args.host,
                  'source': clouds.ensure_cloud(args.source).name,
                  'macs': args.macs, 'options': {}}
    if args.destination:
        body['destination'] = clouds.ensure_cloud(args.destination).name
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


def _go(args: argparse.Namespace, target: str) -> int:
    try:
        host = _find(args)
    except exception.HostNotFound:
        if target != states.EVACUATED or not args.source:
            raise
        # Evacuating needs no hardware facts: register the name.
        body = {'name': args.host, 'source': clouds.ensure_cloud(
            args.source).name}
        if getattr(args, 'destination', None):
            body['destination'] = clouds.ensure_cloud(args.destination).name
        host = inventory.register(body)
    values = {}
    if getattr(args, 'destination', None):
        values['destination_cloud_id'] = clouds.ensure_cloud(
            args.destination).id
    if getattr(args, 'to_destination', False):
        values['options'] = dict(host.options or {}, to_destination=True)
    print(f'Host {host.name}: {host.state} -> {target}', flush=True)
    with local.LocalConductor() as here:
        try:
            host = here.host(host.uuid, target=target, values=values,
                             emit=_progress)
        except exception.HostStepFailed as e:
            print(f'Error: {e}', file=sys.stderr)
            print('Fix the cause and run the same command again: it '
                  'resumes at step '
                  f'{host_api.get_host(host.uuid).failed_step}.',
                  file=sys.stderr)
            return errors.FAILED
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
                 cloud_names.get(h.destination_cloud_id) or '-', h.state,
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
    if args.format == 'json':
        print(json.dumps(view, indent=2, ensure_ascii=False))
        return errors.OK
    for key in ('name', 'uuid', 'source', 'destination', 'state',
                'target', 'failed_step', 'last_error'):
        print(f'{key + ":":<13}{view[key] if view[key] is not None else "-"}')
    for what in ('power', 'provision'):
        driver = view[what]
        print(f'{what + ":":<13}' + (
            f'{driver["driver"]} {json.dumps(driver["info"])}'
            if driver else '-'))
    print(f'{"macs:":<13}{", ".join(view["macs"]) or "-"}')
    print(f'{"options:":<13}{json.dumps(view["options"])}')
    for op in view['operations']:
        print(f'  {op["created_at"]} {op["level"]:<7} {op["step"]}: '
              f'{op["message"]}')
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
            ('evacuate', evacuate_command, 'Disable the host and move its '
             'servers off it.'),
            ('reassign', reassign_command, 'Evacuate, remove, power, '
             'provision the host and wait for it in the destination.')):
        command = add(name, func, help_text)
        name_and_source(command)
        command.add_argument('--destination', metavar='CLOUD')
        command.add_argument('--to-destination', action='store_true',
                             help='Move the servers to the destination '
                                  'cloud instead of other source hosts.')

    command = add('enable', enable_command, 'Put a disabled or evacuated '
                  'host back into the source\'s scheduling.')
    name_and_source(command)

    command = add('forget', forget_command, 'Forget a registered host.')
    name_and_source(command)
    command.add_argument('--force', action='store_true',
                         help='Forget a host half-way (its recorded step '
                              'is lost).')
