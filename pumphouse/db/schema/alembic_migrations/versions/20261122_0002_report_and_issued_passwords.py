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

"""Verification report of a migration; passwords issued to migrated users

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def upgrade() -> None:
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('report', _LONG_TEXT, nullable=True))

    op.create_table(
        'issued_passwords',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('migration_id', sa.Integer(),
                  sa.ForeignKey('migrations.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('user_source_id', sa.String(255), nullable=False),
        sa.Column('user_destination_id', sa.String(255), nullable=False),
        sa.Column('user_name', sa.String(255), nullable=False),
        sa.Column('domain_name', sa.String(255), nullable=True),
        sa.Column('secret', _LONG_TEXT, nullable=False),
        sa.UniqueConstraint('migration_id', 'user_source_id',
                            name='uniq_issued_passwords0user'),
        **_TABLE_ARGS)
