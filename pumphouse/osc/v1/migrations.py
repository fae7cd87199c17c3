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

"""``openstack migration create|list|show|start|cancel|resume|delete``."""

import collections.abc
import typing

from osc_lib import exceptions
from osc_lib.command import command

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import wait

KINDS = ('project', 'domain', 'server', 'host', 'resources', 'stack')
#: The microversion that brought stack workloads.
STACK_VERSION = (1, 4)
SHOW_FIELDS = ('uuid', 'name', 'state', 'source', 'destination', 'workload',
               'strategies', 'supplementary', 'options', 'items', 'checks',
               'estimate', 'time',
               'last_error', 'conductor', 'project_id', 'user_id',
               'created_at', 'started_at', 'finished_at',
               'report_available', 'passwords_available')
#: Fields shown in words in a table (themselves with -f json|yaml).
WORDED = {'estimate': common.EstimateColumn, 'time': common.TimeColumn}
LIST_COLUMNS = ('uuid', 'name', 'state', 'source', 'destination',
                'workload', 'created_at')
PLANNED = 'planned'
COMPLETED = 'completed'
FAILED = 'failed'
CANCELLED = 'cancelled'
#: The states a migration stays in until someone starts it again.
SETTLED = (PLANNED, COMPLETED, FAILED, CANCELLED)
#: The states a started migration ends in.
FINISHED = (COMPLETED, FAILED, CANCELLED)


def migration_fields(migration: dict) -> tuple:
    names, values = common.show(migration, [f for f in SHOW_FIELDS
                                            if f in migration])
    return names, tuple(
        WORDED[name](migration[name]) if name in WORDED else value
        for name, value in zip(names, values, strict=True))


def wait_for(api, uuid: str, done: collections.abc.Callable[[dict], bool],
             timeout: int, out: typing.TextIO) -> dict:
    """Poll a migration until ``done(migration)``, drawing a progress bar
    with the time elapsed and left on ``out`` (stderr) as its items
    finish; a CommandError once ``timeout`` seconds (0: none) have
    passed."""
    deadline = wait.Deadline(timeout)
    shown = 0
    while True:
        migration = api.get(common.path('migrations', uuid))
        items = migration.get('items') or {}
        by_state = items.get('by_state', {})
        finished = sum(by_state.get(s, 0) for s in ('done', 'skipped'))
        bar = common.progress_bar(
            finished, items.get('total', 0), migration['state'],
            time=migration.get('time'))
        # Spaces over what a longer line before left.
        out.write('\r' + bar.ljust(shown))
        shown = len(bar)
        out.flush()
        if done(migration):
            out.write('\n')
            return migration
        if deadline.passed():
            out.write('\n')
            raise exceptions.CommandError(
                f'migration {uuid} is still {migration["state"]} after '
                f'{timeout}s; it goes on: watch it with "openstack '
                f'migration show {uuid}"')
        deadline.sleep()


def ended_as(migration: dict, expected: str) -> dict:
    """The migration if its state is ``expected``; a CommandError with
    its state and last error otherwise."""
    if migration['state'] != expected:
        raise exceptions.CommandError(
            f'migration {migration["uuid"]} is {migration["state"]}, not '
            f'{expected}: '
            f'{migration.get("last_error") or "see its events"}')
    return migration


def _add_overrides(parser) -> None:
    parser.add_argument('--override-check', action='append', default=[],
                        dest='override_checks', metavar='<name>',
                        help='Start even though this pre-check failed (its '
                             'name or category); repeatable.')


class CreateMigration(common.ShowOne):
    """Plan a migration: discover the workload and plan it (dry run)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--source', required=True, metavar='<cloud>')
        parser.add_argument('--destination', required=True,
                            metavar='<cloud>')
        parser.add_argument('kind', choices=KINDS,
                            help='What the names are (stack: Heat stacks, '
                                 "adopted by the destination's Heat; "
                                 'migration API 1.4).')
        parser.add_argument('names', nargs='+', metavar='<name>',
                            help='Names or ids (TYPE=ID for resources).')
        parser.add_argument('--name', metavar='<name>',
                            help='A name for the migration.')
        parser.add_argument('--domain', metavar='<domain>',
                            help='Domain of the projects, or of the '
                                 '--project of a stack workload.')
        parser.add_argument('--project', metavar='<project>',
                            help='Project (name or id) the stacks of a '
                                 'stack workload are looked up in.')
        parser.add_argument('--host', action='append', default=[],
                            dest='hosts', metavar='<host>',
                            help='Only the servers of the projects on this '
                                 'source host; repeatable.')
        parser.add_argument('--strategy', action='append', default=[],
                            metavar='<type=strategy>')
        parser.add_argument('--supplementary', choices=('depend', 'all'))
        parser.add_argument('--on-conflict',
                            choices=('fail', 'reuse', 'rename'))
        parser.add_argument('--rename-suffix', metavar='<suffix>')
        parser.add_argument('--password-mode',
                            choices=('reset', 'copy_hash'))
        parser.add_argument('--stop-mode', choices=('suspend', 'stop'))
        parser.add_argument('--data-mode', choices=('image', 'snapshot'))
        parser.add_argument('--cutover', choices=('keep', 'stop', 'delete'))
        _add_overrides(parser)
        wait.add_wait_option(parser, 'the plan is ready (with a progress '
                                     'bar on stderr)')
        return parser

    def take_action(self, parsed_args):
        workload = {'kind': parsed_args.kind, 'names': parsed_args.names}
        if parsed_args.domain:
            workload['domain'] = parsed_args.domain
        if parsed_args.hosts:
            workload['hosts'] = parsed_args.hosts
        if parsed_args.project:
            if parsed_args.kind != 'stack':
                raise exceptions.CommandError(
                    '--project names the project of the stacks of a stack '
                    'workload; for a whole project write: project '
                    '<project>')
            workload['project'] = parsed_args.project
        options = {}
        for key, option in (('on_conflict', 'conflict_resolution'),
                            ('rename_suffix', 'rename_suffix'),
                            ('password_mode', 'password_mode'),
                            ('stop_mode', 'server_stop_mode'),
                            ('data_mode', 'server_data_mode'),
                            ('cutover', 'server_cutover')):
            if getattr(parsed_args, key):
                options[option] = getattr(parsed_args, key)
        if parsed_args.override_checks:
            options['override_checks'] = sorted(set(
                parsed_args.override_checks))
        body = {'source': parsed_args.source,
                'destination': parsed_args.destination,
                'workload': workload,
                'strategies': common.pairs(parsed_args.strategy,
                                           '--strategy'),
                'options': options}
        if parsed_args.name:
            body['name'] = parsed_args.name
        if parsed_args.supplementary:
            body['supplementary'] = parsed_args.supplementary
        api = common.client(self)
        if parsed_args.kind == 'stack':
            api.require(STACK_VERSION, 'stack workloads')
        migration = api.post('/migrations', body)
        timeout = wait.requested(parsed_args)
        if timeout is not None:
            migration = ended_as(
                wait_for(api, migration['uuid'],
                         lambda m: m['state'] in SETTLED, timeout,
                         self.app.stderr), PLANNED)
        return migration_fields(migration)


class ListMigration(common.Lister):
    """List migrations (yours, or every one for an admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--state', metavar='<state>')
        return parser

    def take_action(self, parsed_args):
        found = common.client(self).list_all(
            '/migrations', 'migrations', state=parsed_args.state)
        return LIST_COLUMNS, [[common.cell(m.get(c)) for c in LIST_COLUMNS]
                              for m in found]


class _OneMigration:
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migration', metavar='<migration>',
                            help='UUID of the migration.')
        return parser


class ShowMigration(_OneMigration, common.ShowOne):
    """Show a migration: state, counts of items, pre-checks."""

    def take_action(self, parsed_args):
        return migration_fields(common.client(self).get(
            common.path('migrations', parsed_args.migration)))


class StartMigration(_OneMigration, common.ShowOne):
    """Apply a planned migration (then it is verified)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_overrides(parser)
        wait.add_wait_option(parser, 'the migration is completed (with a '
                                     'progress bar on stderr)')
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        body = {'target': 'running'}
        if parsed_args.override_checks:
            body['override_checks'] = sorted(set(
                parsed_args.override_checks))
        migration = api.put(common.path('migrations', parsed_args.migration,
                                        'state'),
                            body)
        timeout = wait.requested(parsed_args)
        if timeout is not None:
            migration = ended_as(
                wait_for(api, migration['uuid'],
                         lambda m: m['state'] in FINISHED, timeout,
                         self.app.stderr), COMPLETED)
        return migration_fields(migration)


class ResumeMigration(StartMigration):
    """Continue a failed, cancelled or interrupted migration."""


class CancelMigration(_OneMigration, common.ShowOne):
    """Stop a migration before its next resource (resume it later).

    The migration is cancelled at once; the conductor working on it
    finishes the resources it is migrating, then lets go of it. --wait
    waits for that.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        wait.add_wait_option(parser, 'no conductor works on the migration '
                                     'any more')
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        migration = api.put(
            common.path('migrations', parsed_args.migration, 'state'),
            {'target': CANCELLED})
        timeout = wait.requested(parsed_args)
        if timeout is not None:
            # Started again meanwhile, the migration is not ours to wait
            # for any more.
            migration = ended_as(
                wait_for(api, migration['uuid'],
                         lambda m: (m['state'] != CANCELLED or
                                    not m.get('conductor')),
                         timeout, self.app.stderr), CANCELLED)
        return migration_fields(migration)


class DeleteMigration(command.Command):
    """Delete migrations that are not being worked on."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migrations', metavar='<migration>', nargs='+')
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        for uuid in parsed_args.migrations:
            api.delete(common.path('migrations', uuid))
