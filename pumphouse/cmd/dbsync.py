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

"""pumphouse-dbsync: Pumphouse's database schema and credential key.

``upgrade`` also creates the credential key file when it is missing and
the database holds no secret yet, so a deployment tool runs one command
before starting the services; ``rotate-key`` re-encrypts every stored
secret with a new key.
"""

import os
import sys

from oslo_config import cfg

from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import service
from pumphouse.conf import CONF
from pumphouse.db import schema
from pumphouse.db import secret_api


def _create_key_file() -> None:
    """The deployment's key file, made here when there is none yet.

    Not when the database already holds secrets: they were encrypted with
    the deployment's key, which a new one could not decrypt.
    """
    path = CONF.credentials.key_file
    if not os.path.lexists(path):
        stored = secret_api.count()
        if stored:
            raise exception.CredentialKeyMissing(
                path=path,
                remedy=f'The database holds {stored} secrets encrypted '
                       "with this deployment's key, which a new key could "
                       'not decrypt: copy the key file from another node '
                       'of the deployment (or restore it from a backup) '
                       'instead of creating one.')
        if crypto.ensure_key_file(path):
            print(f'Created the credential key file {path}')
    crypto.check_key_file(path)


def _upgrade() -> None:
    schema.upgrade(CONF.command.revision)
    _create_key_file()
    print(f'Database is at revision {schema.current()}')


def _rotate_key() -> None:
    crypto.check_key_file()
    schema.check_current()
    path = CONF.credentials.key_file
    result = secret_api.rotate_key(path)
    print(f'Re-encrypted {result.rewritten} stored secrets with a new key; '
          f'{path} holds only the new key now. Copy it to every other API '
          'and conductor node of this deployment.')
    for where in result.unreadable:
        print(f'Warning: the secret of {where} could not be decrypted with '
              'any key of the key file (it was stored with a key the file '
              'no longer held) and was left as it was.', file=sys.stderr)


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
                        '--revision) and create the credential key file '
                        'if there is none and no secret is stored yet.')
    parser.add_argument('--revision', default='head')
    parser.set_defaults(func=_upgrade)

    parser = subparsers.add_parser(
        'rotate-key',
        help='Re-encrypt every stored secret (cloud credentials, host '
             'power and provision info, issued passwords) with a new '
             'credential key, one row at a time; the old keys stay in the '
             '[credentials] key_file until all is done, then the file '
             'holds the new key only. Services on this node follow the new '
             'file by themselves; stop those of the other nodes during the '
             'rotation and copy the file to them afterwards. Safe to run '
             'again after an interruption.')
    parser.set_defaults(func=_rotate_key)

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
    service.prepare_service(sys.argv, init_rpc=False, key_file=False)
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
