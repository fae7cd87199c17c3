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

"""The argument parser of ``pumphouse``.

Each command's own options are argparse's; the options of oslo.config and
oslo.log that matter on a command line (``--config-file``,
``--config-dir``, ``--debug``, ``--log-file``, ``--log-dir``) are declared
here too, so that argparse knows how many values each takes, and are
handed on to oslo.config by :func:`oslo_argv`. Commands that run a service
(``serve``) keep passing everything after their name to oslo.config.
"""

import argparse

from pumphouse import version
from pumphouse.cli import hosts
from pumphouse.cli import migrate
from pumphouse.cli import passwords
from pumphouse.cli import status
from pumphouse.engine import planner
from pumphouse.engine import render
from pumphouse.engine import selection

PASSWORD_MODES = ('reset', 'copy_hash')


def strategy(value: str) -> tuple[str, str]:
    """``TYPE=STRATEGY`` as a pair (an argparse type)."""
    resource_type, sep, name = value.partition('=')
    if not sep or not resource_type or not name:
        raise argparse.ArgumentTypeError(
            f'expected TYPE=STRATEGY (e.g. identity.user=all), not {value!r}')
    return resource_type, name


def positive_int(value: str) -> int:
    """A whole number of at least 1 (an argparse type)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f'expected a whole number of at least 1, not {value!r}')
    return number


#: Where the options given before the command are kept, apart from the
#: same options given after it (argparse would let one replace the other).
_BEFORE = 'before_command_'


def _service_options(dest_prefix: str = '') -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False,
                                     argument_default=argparse.SUPPRESS)
    group = parent.add_argument_group('configuration and logging')

    def add(*flags, **kwargs):
        name = flags[-1].lstrip('-').replace('-', '_')
        group.add_argument(*flags, dest=dest_prefix + name, **kwargs)

    add('--config-file', action='append', metavar='PATH',
        help='A configuration file (may be repeated); by default '
             '~/.pumphouse/pumphouse.conf, /etc/pumphouse/pumphouse.conf, '
             'if they exist.')
    add('--config-dir', action='append', metavar='DIR',
        help='A directory of *.conf files read after the files.')
    add('-d', '--debug', action='store_true',
        help='Log at debug level and show tracebacks.')
    add('--log-file', metavar='PATH', help='Also log to this file.')
    add('--log-dir', metavar='DIR', help='Directory of --log-file.')
    return parent


def option_values(args: argparse.Namespace, name: str) -> list:
    """Values of a configuration option given before and after the
    command, in that order."""
    values = []
    for dest in (_BEFORE + name, name):
        value = getattr(args, dest, None)
        if isinstance(value, list):
            values += value
        elif value is not None:
            values.append(value)
    return values


def oslo_argv(args: argparse.Namespace) -> list[str]:
    """The oslo.config command line for the options given to ``args``."""
    argv = []
    for option in ('config_file', 'config_dir', 'log_file', 'log_dir'):
        values = option_values(args, option)
        if option in ('log_file', 'log_dir'):
            values = values[-1:]  # the last one given wins
        for value in values:
            argv += ['--' + option.replace('_', '-'), value]
    if any(option_values(args, 'debug')):
        argv.append('--debug')
    return argv


def _add_workload(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--source', required=True, metavar='CLOUD',
                        help='Source cloud: a clouds.yaml entry (registered '
                             'on first use) or a registered cloud.')
    parser.add_argument('--destination', required=True, metavar='CLOUD',
                        help='Destination cloud, named the same way.')
    parser.add_argument('kind', choices=selection.WORKLOAD_KINDS,
                        help='What the names are: projects (with their '
                             'sub-projects), domains, servers, source '
                             'hypervisor hosts (all their servers), '
                             'TYPE=ID resources, or Heat stacks (their '
                             'resources, and the stacks adopted by the '
                             "destination's Heat).")
    parser.add_argument('names', nargs='+', metavar='NAME',
                        help='Names or ids (TYPE=ID for resources).')
    parser.add_argument('--domain', metavar='DOMAIN',
                        help='Domain (name or id) of the named projects, '
                             'or of the --project of a stack workload.')
    parser.add_argument('--project', metavar='PROJECT',
                        help='Project (name or id) the stacks of a stack '
                             'workload are looked up in.')
    parser.add_argument('--host', action='append', default=[],
                        dest='hosts', metavar='HOST',
                        help='Only the servers of the named projects that '
                             'run on this source hypervisor host; may be '
                             'repeated.')
    parser.add_argument('--strategy', action='append', type=strategy,
                        default=[], metavar='TYPE=STRATEGY',
                        help='Strategy of a resource type (all, tenant, '
                             'specific, public, used, user, depend); may '
                             'be repeated.')
    parser.add_argument('--supplementary',
                        choices=selection.SUPPLEMENTARY_MODES,
                        default='depend',
                        help='What supplementary types take: only what the '
                             'workload needs (depend) or everything (all).')
    parser.add_argument('--on-conflict', choices=planner.RESOLUTIONS,
                        default='fail',
                        help='What to do where the destination has a '
                             'different resource of the same name.')
    parser.add_argument('--rename-suffix', metavar='SUFFIX',
                        help='Suffix of renamed resources (--on-conflict '
                             'rename); default "-migrated". Write '
                             '--rename-suffix=-new for one that starts '
                             'with "-".')
    parser.add_argument('--password-mode', choices=PASSWORD_MODES,
                        help='Passwords of created users; default '
                             '[identity] password_mode.')
    parser.add_argument('--name', help='A name for the migration.')
    parser.add_argument('--stop-mode', choices=('suspend', 'stop'),
                        help='How a source server is quiesced before it is '
                             'copied (default suspend).')
    parser.add_argument('--data-mode', choices=('image', 'snapshot'),
                        help='What a destination server boots from: its '
                             'original image (default) or a snapshot of '
                             'the source server\'s disk.')
    parser.add_argument('--cutover', choices=('keep', 'stop', 'delete'),
                        help='What becomes of a source server once its copy '
                             'is ACTIVE (default keep: resumed).')
    _add_override_check(parser)


def _add_override_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--override-check', action='append', default=[],
                        dest='override_checks', metavar='NAME',
                        help='Start even though this pre-check of the plan '
                             'failed: a check name as the plan shows it '
                             '(quota:demo:network.port) or a category '
                             '(quota, capacity, addresses, cidr_overlap); '
                             'may be repeated.')


def _add_migration(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('migration', metavar='MIGRATION',
                        help='Migration id (see "pumphouse list").')


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--workers', type=positive_int, default=4,
                        metavar='N', help='Resources migrated in parallel.')
    parser.add_argument('--yes', action='store_true',
                        help='Do not ask for confirmation (required when '
                             'standard input is not a terminal).')


def _commands(sub, common) -> None:
    def add(name, func, help_text, description=None):
        command = sub.add_parser(name, parents=[common], help=help_text,
                                 description=description or help_text)
        command.set_defaults(func=func)
        return command

    command = add('plan', migrate.plan_command,
                  'Discover a workload in the source and show what '
                  'migrating it would do.')
    _add_workload(command)
    command.add_argument('--format', choices=tuple(render.FORMATS),
                         default='table', help='How the plan is shown.')

    command = add('migrate', migrate.migrate_command,
                  'Plan a workload, ask, migrate it and verify it.')
    _add_workload(command)
    _add_run_options(command)
    command.add_argument('--dry-run', action='store_true',
                         help='Stop after showing the plan.')
    command.add_argument('--format', choices=tuple(render.FORMATS),
                         help='Also show the whole plan in this format.')

    command = add('resume', migrate.resume_command,
                  'Continue a planned, interrupted, failed or cancelled '
                  'migration.')
    _add_migration(command)
    _add_run_options(command)
    _add_override_check(command)

    command = add('verify', migrate.verify_command,
                  'Compare a migration\'s destination resources with the '
                  'source again.')
    _add_migration(command)

    command = add('show', status.show_command,
                  'Show a migration: state, clouds, workload, counts and '
                  'plan.')
    _add_migration(command)
    command.add_argument('--format', choices=tuple(render.FORMATS),
                         default='table')

    add('list', status.list_command, 'List the migrations, newest last.')

    command = add('mappings', status.mappings_command,
                  'List what source resources became in destinations.')
    command.add_argument('--type', dest='resource_type', metavar='TYPE')
    command.add_argument('--source-id', metavar='ID')
    command.add_argument('--source', metavar='CLOUD')
    command.add_argument('--destination', metavar='CLOUD')

    command = add('events', status.events_command,
                  'Show the progress log of a migration.')
    _add_migration(command)

    command = add('passwords', passwords.passwords_command,
                  'Write the passwords issued to created users to a new '
                  'file (mode 0600), once: they are then erased.')
    _add_migration(command)
    command.add_argument('--output', required=True, metavar='FILE',
                         help='A file that does not exist yet.')
    command.add_argument('--format', choices=passwords.FORMATS,
                         help='File format; by default yaml for *.yaml and '
                              '*.yml, csv otherwise.')

    hosts.add_commands(sub, common)


def build_parser(passthrough: dict[str, str] | None = None
                 ) -> argparse.ArgumentParser:
    """The whole parser; ``passthrough`` maps more commands (``serve``)
    whose arguments oslo.config parses to their help text."""
    parser = argparse.ArgumentParser(
        prog='pumphouse', parents=[_service_options(_BEFORE)],
        description='Move workloads between OpenStack clouds. The '
                    'configuration and logging options may come before or '
                    'after the command.')
    parser.add_argument('--version', action='version',
                        version=f'pumphouse {version.version_string()}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    for name, help_text in (passthrough or {}).items():
        sub.add_parser(name, help=help_text, add_help=False)
    _commands(sub, _service_options())
    return parser
