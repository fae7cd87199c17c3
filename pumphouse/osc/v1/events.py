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

"""``openstack migration event list [--follow]``."""

import time

from pumphouse.osc.v1 import common
from pumphouse.osc.v1 import migrations

COLUMNS = ('id', 'created_at', 'level', 'event_type', 'message')


class ListEvent(common.Lister):
    """The progress log of a migration, oldest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migration', metavar='<migration>')
        parser.add_argument('--follow', action='store_true',
                            help='Keep printing new events until the '
                                 'migration settles (or --timeout).')
        parser.add_argument('--timeout', type=int, default=3600,
                            metavar='<seconds>')
        parser.add_argument('--interval', type=float, default=2.0,
                            metavar='<seconds>', help=argparse_help())
        return parser

    def take_action(self, parsed_args):
        api = common.client(self)
        path = common.path('migrations', parsed_args.migration)
        if not parsed_args.follow:
            events = api.list_all(f'{path}/events', 'events',
                                  cursor='after', field='id')
            return COLUMNS, [[common.cell(e.get(c)) for c in COLUMNS]
                             for e in events]
        deadline = time.monotonic() + parsed_args.timeout
        after = None
        while True:
            events = api.list_all(f'{path}/events', 'events',
                                  cursor='after', field='id', after=after)
            for event in events:
                self.app.stdout.write(
                    f'{event["created_at"]} {event["level"]:<7} '
                    f'{event["event_type"]}: {event["message"]}\n')
                after = event['id']
            self.app.stdout.flush()
            state = api.get(path)['state']
            if state in migrations.SETTLED and not events:
                return COLUMNS, []
            if time.monotonic() >= deadline:
                return COLUMNS, []
            time.sleep(parsed_args.interval)

    def produce_output(self, parsed_args, column_names, data):
        if parsed_args.follow:
            return 0
        return super().produce_output(parsed_args, column_names, data)


def argparse_help() -> str:
    return 'Seconds between two polls with --follow (default 2).'
