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

"""``passwords``: hand the passwords issued to created users out, once.

They go to a new file only its owner can read (created with ``O_EXCL``
and mode 0600, never over an existing file), and are then erased from
the database. No password is ever printed or logged.
"""

import argparse
import csv
import os
from typing import TextIO

import yaml

from pumphouse.cli import errors
from pumphouse.common import crypto
from pumphouse.db import migration_api

FORMATS = ('csv', 'yaml')
FIELDS = ('user_name', 'domain_name', 'user_id', 'password')
#: What an issued password that cannot be decrypted is called.
UNREADABLE = {'what': 'An issued password',
              'remedy': 'Restore the key file it was stored with, or reset '
                        "the user's password in the destination cloud."}


def file_format(path: str, chosen: str | None) -> str:
    """The chosen format, else yaml for *.yaml/*.yml, else csv."""
    if chosen:
        return chosen
    return 'yaml' if path.lower().endswith(('.yaml', '.yml')) else 'csv'


def create_private_file(path: str) -> int:
    """A new file only its owner can read and write, as a descriptor."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise errors.CommandError(
            f'{path} exists; refusing to overwrite it: name a new '
            'file.') from None
    os.fchmod(fd, 0o600)  # whatever the umask
    return fd


def entries(rows) -> list[dict]:
    """Issued-password rows as the file's entries, decrypted."""
    return [{'user_name': row.user_name, 'domain_name': row.domain_name,
             'user_id': row.user_destination_id,
             'password': crypto.decrypt(row.secret,
                                        **UNREADABLE)['password']}
            for row in rows]


def write(stream: TextIO, file_format_name: str,
          found: list[dict]) -> None:
    """Write ``found`` as CSV (with a header) or as a YAML list."""
    if file_format_name == 'yaml':
        yaml.safe_dump(found, stream, default_flow_style=False,
                       sort_keys=False)
        return
    writer = csv.DictWriter(stream, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(found)


def passwords_command(args: argparse.Namespace) -> int:
    """Write the waiting passwords of a migration to ``args.output``."""
    migration = migration_api.get_migration(args.migration)
    chosen = file_format(args.output, args.format)
    if not migration_api.count_issued_passwords(migration.id):
        raise errors.CommandError(
            f'No passwords are waiting for migration {migration.uuid}: they '
            'are handed out once, and only users it created with password '
            'mode reset get one.')
    fd = create_private_file(args.output)
    rows = []
    try:
        with os.fdopen(fd, 'w', newline='') as stream:
            rows = migration_api.pop_issued_passwords(migration.id)
            if not rows:
                raise errors.CommandError(
                    'Another command fetched the passwords meanwhile.')
            write(stream, chosen, entries(rows))
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        # Nothing is lost: what was taken goes back, the file goes away.
        migration_api.put_back_issued_passwords(migration.id, rows)
        os.unlink(args.output)
        raise
    print(f'Wrote {len(rows)} password(s) to {args.output} (mode 0600); '
          'pumphouse no longer keeps them.')
    return errors.OK
