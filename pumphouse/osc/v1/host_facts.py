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

"""``openstack migration host register|set``: a source host's hardware
facts (power and provision drivers with their info, NIC MACs, how it
goes to the destination).

Driver info is stored encrypted and its secrets are never shown again.
The BMC password (the power driver's ``password``) can be asked for on
the terminal, read from a file or standard input, or taken from
``$OS_MIGRATION_POWER_PASSWORD``; a whole info can come from a YAML or
JSON file (``-``: standard input). ``--power-info password=...`` still
works, but every user sees it in the process list.
"""

import os

from osc_lib import exceptions

from pumphouse.common import driver_info
from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import hosts
from pumphouse.osc.v1 import secrets

#: The BMC password: the ``password`` of the power driver's info.
BMC_PASSWORD = secrets.Secret('power_password', 'BMC password',
                              'OS_MIGRATION_POWER_PASSWORD')
#: The key of the power driver's info that holds the BMC password.
PASSWORD_KEY = 'password'  # noqa: S105 (a key's name)


def read_info(pairs: list[str], path: str | None, what: str,
              stdin=None) -> dict:
    """A driver's info from a YAML/JSON file (``-``: ``stdin``) and
    ``KEY=VALUE`` arguments (which win); a clear error for an unreadable
    file or a bad pair."""
    try:
        info = driver_info.load_file(path, what, stdin) if path else {}
        info.update(driver_info.parse_pairs(pairs, what))
    except driver_info.InfoError as e:
        raise exceptions.CommandError(str(e)) from None
    return info


def add_fact_options(parser) -> None:
    """The options of a host's hardware facts (register and set)."""
    parser.add_argument('--destination', metavar='<cloud>',
                        help='The cloud the host goes to.')
    for what in hosts.DRIVERS:
        parser.add_argument(f'--{what}-driver', metavar='<driver>',
                            help=f'The {what} driver (e.g. '
                                 + ('ipmi' if what == 'power'
                                    else 'ironic') + ').')
        parser.add_argument(f'--{what}-info', action='append',
                            default=[], metavar='<key=value>',
                            help=f'An item of the {what} driver info; '
                                 'repeatable. VALUE is read as JSON '
                                 'when it parses (secrets such as a '
                                 'password always as a string). A secret '
                                 'given here is visible to every user in '
                                 'the process list and kept in the shell '
                                 'history: prefer '
                                 + ('--power-password-prompt, -file, '
                                    '-stdin, $OS_MIGRATION_POWER_PASSWORD '
                                    'or ' if what == 'power' else '')
                                 + f'--{what}-info-file.')
        parser.add_argument(f'--{what}-info-file', metavar='<file>',
                            help=f'The {what} driver info as a YAML or '
                                 'JSON mapping ("-": standard input), '
                                 'which keeps secrets off the command '
                                 f'line; --{what}-info items win over it.')
    BMC_PASSWORD.add_options(parser)
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


def _power_password(parsed_args, info: dict, stdin) -> None:
    """Put the BMC password into the power info: from its options, else
    (for credentials without a password) from the environment."""
    password = BMC_PASSWORD.read(parsed_args, stdin, environment=False)
    if password is not None:
        if any(pair.partition('=')[0] == PASSWORD_KEY
               for pair in parsed_args.power_info):
            raise exceptions.CommandError(
                'the BMC password is given twice: by --power-info '
                f'{PASSWORD_KEY}=... and by {BMC_PASSWORD.flag}-*')
        info[PASSWORD_KEY] = password
    elif info.get('username') and PASSWORD_KEY not in info:
        password = os.environ.get(BMC_PASSWORD.env)
        if password:
            info[PASSWORD_KEY] = password


def facts_body(parsed_args, stdin=None) -> dict:
    """The request body part the fact options give (``stdin``: where
    ``-`` files, ``--power-password-stdin`` and the prompt read)."""
    secrets.one_stdin_reader([
        *(f'--{what}-info-file {secrets.STDIN}' for what in hosts.DRIVERS
          if getattr(parsed_args, f'{what}_info_file') == secrets.STDIN),
        BMC_PASSWORD.stdin_option(parsed_args)])
    if BMC_PASSWORD.given(parsed_args) and not parsed_args.power_driver:
        raise exceptions.CommandError(
            f'{BMC_PASSWORD.flag}-* needs --power-driver')
    body: dict = {}
    if parsed_args.destination:
        body['destination'] = parsed_args.destination
    for what in hosts.DRIVERS:
        driver = getattr(parsed_args, f'{what}_driver')
        info = read_info(getattr(parsed_args, f'{what}_info'),
                         getattr(parsed_args, f'{what}_info_file'), what,
                         stdin)
        if info and not driver:
            raise exceptions.CommandError(
                f'--{what}-info needs --{what}-driver')
        if driver:
            if what == 'power':
                _power_password(parsed_args, info, stdin)
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


class RegisterHost(common.ShowOne):
    """Register a source host's hardware and its way to the destination.

    The hardware: power and provision drivers with their info, NIC MACs,
    and how the host goes to the destination. Driver info is stored
    encrypted; its secrets (the BMC password) are never shown again. Keep
    them off the command line: give the BMC password with
    --power-password-prompt, --power-password-file, --power-password-stdin
    or $OS_MIGRATION_POWER_PASSWORD, or whole infos with --power-info-file
    and --provision-info-file.
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
                **facts_body(parsed_args, self.app.stdin)}
        return hosts.host_fields(hosts.client(self).post('/hosts', body))


class SetHost(common.ShowOne):
    """Change a registered host's hardware facts (what is given only).

    Refused while the host is being worked on. A driver is given with its
    whole info: with --power-driver, give the BMC password again (as for
    host register).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        add_fact_options(parser)
        return parser

    def take_action(self, parsed_args):
        body = facts_body(parsed_args, self.app.stdin)
        if not body:
            raise exceptions.CommandError('nothing to change: give at '
                                          'least one option')
        return hosts.host_fields(hosts.client(self).patch(
            common.path('hosts', parsed_args.host), body))
