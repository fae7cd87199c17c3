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

"""``openstack migration plan show``: the items of a plan, also as a
Graphviz DOT graph (``-f dot``), and its estimated time on stderr."""

from pumphouse.common import durations
from pumphouse.osc.v1 import common

COLUMNS = ('id', 'resource_type', 'source_name', 'source_id', 'action',
           'state', 'destination_id', 'depends_on', 'error')
DOT = 'dot'


class ShowPlan(common.Lister):
    """Show the plan of a migration and its pre-checks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migration', metavar='<migration>')
        for action in parser._actions:
            if action.dest == 'formatter':
                action.choices = list(action.choices) + [DOT]
                action.help = (action.help or '') + ' (dot: Graphviz)'
        return parser

    def run(self, parsed_args):
        if parsed_args.formatter != DOT:
            return super().run(parsed_args)
        # Not a cliff formatter: the API renders the graph.
        self.app.stdout.write(common.client(self).get_text(
            common.path('migrations', parsed_args.migration, 'plan'),
            format=DOT))
        return 0

    def take_action(self, parsed_args):
        plan = common.client(self).get(
            common.path('migrations', parsed_args.migration, 'plan'))
        if 'estimate' in plan:  # not from an API of an older release
            # Beside the table, not in it: -f json|csv stay item rows.
            text = durations.estimate_text(plan['estimate'])
            self.app.stderr.write(f'Estimated time: {text}\n')
        columns = [c for c in COLUMNS
                   if any(c in item for item in plan['items'])] or COLUMNS
        return columns, [[common.cell(item.get(c)) for c in columns]
                         for item in plan['items']]
