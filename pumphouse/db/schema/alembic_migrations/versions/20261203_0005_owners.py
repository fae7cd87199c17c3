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

"""Owners of work: conductors and command-line processes; hosts' public
driver info

The ``conductors`` table becomes ``owners`` with a ``kind``, so that a
command-line process working on a migration or a host is known as alive
without being taken for a conductor. Its rows are heartbeats only: every
live process registers again within a heartbeat interval, so nothing is
carried over. The columns naming who works on a migration or a host are
renamed ``owner``.

Hosts keep what may be shown of their driver info (``power_public``,
``provision_public``), as their driver describes it, so that the API shows
it without loading drivers; conductors fill it in for hosts registered
before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_PRECISE_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                               'mysql')
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}


def upgrade() -> None:
    op.drop_table('conductors')
    op.create_table(
        'owners',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('online', sa.Boolean(), nullable=False),
        sa.Column('heartbeat_at', _PRECISE_DATETIME, nullable=False),
        sa.UniqueConstraint('name', name='uniq_owners0name'),
        **_TABLE_ARGS)
    for table in ('migrations', 'hosts'):
        with op.batch_alter_table(table) as batch:
            batch.alter_column('conductor', new_column_name='owner',
                               existing_type=sa.String(255),
                               existing_nullable=True)
            if table == 'hosts':
                batch.add_column(sa.Column('power_public', _LONG_TEXT,
                                           nullable=True))
                batch.add_column(sa.Column('provision_public', _LONG_TEXT,
                                           nullable=True))
