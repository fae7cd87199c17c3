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

"""``openstack migration host list|show|delete``: source hypervisors and
their way to the destination cloud (migration API 1.1).

The other host commands live beside this module: registering a host and
changing its hardware facts (:mod:`.host_facts`), giving it a target and
following it there (:mod:`.host_targets`), its evacuation and evacuation
plan (:mod:`.host_evacuation`).
"""

from osc_lib.command import command

from pumphouse.common import masking
from pumphouse.osc.v1 import common

#: The microversion that brought /v1/hosts.
MIN_VERSION = (1, 1)
LIST_COLUMNS = ('uuid', 'name', 'source', 'destination', 'state', 'target')
LONG_COLUMNS = LIST_COLUMNS + ('failed_step', 'power_driver',
                               'provision_driver')
SHOW_FIELDS = ('uuid', 'name', 'source', 'destination', 'state', 'target',
               'failed_step', 'last_error', 'info_error', 'conductor',
               'macs', 'options', 'created_at', 'updated_at')
#: The hardware drivers of a host.
DRIVERS = ('power', 'provision')


def client(cmd):
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


class ListHost(common.Lister):
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
        found = client(self).list_all('/hosts', 'hosts',
                                      source=parsed_args.source)
        return columns, [_row(h, columns) for h in found]


class ShowHost(common.ShowOne):
    """Show a registered host (never the secrets of its drivers)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>', help='Name or UUID.')
        return parser

    def take_action(self, parsed_args):
        return host_fields(client(self).get(
            common.path('hosts', parsed_args.host)))


class DeleteHost(command.Command):
    """Forget registered hosts (refused while a conductor works on one)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('hosts', metavar='<host>', nargs='+',
                            help='Names or UUIDs.')
        return parser

    def take_action(self, parsed_args):
        api = client(self)
        for host in parsed_args.hosts:
            api.delete(common.path('hosts', host))
