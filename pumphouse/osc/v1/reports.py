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

"""``openstack migration report show``."""

from pumphouse.osc.v1 import common

COLUMNS = ('resource_type', 'name', 'source_id', 'destination_id',
           'problem', 'differences')


class ShowReport(common.Lister):
    """The verification report: what differs or was not migrated.

    An empty list means every resource was found equal.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migration', metavar='<migration>')
        return parser

    def take_action(self, parsed_args):
        report = common.client(self).get(
            common.path('migrations', parsed_args.migration, 'report'))
        rows = []
        for entry in report.get('not_migrated', []):
            rows.append([entry.get('resource_type'), entry.get('name'),
                         entry.get('source_id'), None,
                         entry.get('state') or 'not migrated',
                         common.cell(entry.get('error'))])
        for entry in report.get('differences', []):
            rows.append([entry.get('resource_type'), entry.get('name'),
                         entry.get('source_id'),
                         entry.get('destination_id'),
                         'missing' if entry.get('missing') else 'differs',
                         common.cell(entry.get('differences'))])
        return COLUMNS, rows
