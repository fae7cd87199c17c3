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

"""pumphouse-dbsync: create and upgrade Pumphouse's database schema.

``upgrade`` also creates the credential key file when it is missing, so a
deployment tool runs one command before starting the services.
"""

import sys

from oslo_config import cfg

from pumphouse.common import crypto
from pumphouse.common import service
from pumphouse.conf import CONF
from pumphouse.db import schema


def _upgrade() -> None:
    schema.upgrade(CONF.command.revision)
    if crypto.ensure_key_file():
        print(f'Created the credential key file {CONF.credentials.key_file}')
    print(f'Database is at revision {schema.current()}')


def _current() -> None:
    current = schema.current()
    head = schema.head()
    state = 'up to date' if current == head else f'latest is {head}'
    print(f'{current or "empty (no schema)"} ({state})')


def _revision() -> None:
    schema.revision(CONF.command.message,
                       autogenerate=CONF.command.autogenerate)


def _add_parsers(subparsers) -> None:
    parser = subparsers.add_parser(
        'upgrade', help='Upgrade the schema to the latest revision (or to '
                        '--revision) and create the credential key file.')
    parser.add_argument('--revision', default='head')
    parser.set_defaults(func=_upgrade)

    parser = subparsers.add_parser(
        'current', help='Show the revision the database is at.')
    parser.set_defaults(func=_current)

    parser = subparsers.add_parser(
        'revision', help='Write a new revision file (for developers).')
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true',
                        help='Compare the models with the database.')
    parser.set_defaults(func=_revision)


command_opt = cfg.SubCommandOpt('command', title='Command',
                                help='Available commands',
                                handler=_add_parsers)


@service.exit_on_error
def main() -> int:
    CONF.register_cli_opt(command_opt)
    service.prepare_service(sys.argv, init_rpc=False, create_key=False)
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
