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

"""``openstack migration mapping list|show``."""

from osc_lib import exceptions

from pumphouse.osc.v1 import common

COLUMNS = ('resource_type', 'source_id', 'destination_id', 'migration',
           'source_cloud', 'destination_cloud', 'updated_at')


def _filters(parser) -> None:
    parser.add_argument('--source', metavar='<cloud>',
                        help='Source cloud (name or UUID).')
    parser.add_argument('--destination', metavar='<cloud>',
                        help='Destination cloud (name or UUID).')


def _query(parsed_args, **extra) -> dict:
    return {'source_cloud': parsed_args.source,
            'destination_cloud': parsed_args.destination, **extra}


class ListMapping(common.Lister):
    """What source resources became in the destinations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--type', dest='resource_type',
                            metavar='<type>', help='e.g. identity.user')
        parser.add_argument('--source-id', metavar='<id>')
        _filters(parser)
        return parser

    def take_action(self, parsed_args):
        found = common.client(self).list_all(
            '/mappings', 'mappings', field='id', **_query(
                parsed_args, type=parsed_args.resource_type,
                source_id=parsed_args.source_id))
        return COLUMNS, [[common.cell(m.get(c)) for c in COLUMNS]
                         for m in found]


class ShowMapping(common.ShowOne):
    """The destination id of one source resource."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('resource_type', metavar='<type>')
        parser.add_argument('source_id', metavar='<source-id>')
        _filters(parser)
        return parser

    def take_action(self, parsed_args):
        found = common.client(self).get('/mappings', **_query(
            parsed_args, type=parsed_args.resource_type,
            source_id=parsed_args.source_id))['mappings']
        if not found:
            raise exceptions.CommandError(
                f'no mapping of {parsed_args.resource_type} '
                f'{parsed_args.source_id}')
        if len(found) > 1:
            raise exceptions.CommandError(
                f'{len(found)} mappings of {parsed_args.resource_type} '
                f'{parsed_args.source_id} (one per pair of clouds); name '
                '--source and --destination')
        return common.show(found[0], list(COLUMNS))
