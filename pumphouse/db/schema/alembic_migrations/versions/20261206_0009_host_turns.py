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

"""Turns of source hosts shared by every migration

``host_turns`` holds the turns of the source hosts whose servers are being
moved now: ``[conductor] max_servers_per_host`` slots per host and source
cloud, whichever migration takes them (:mod:`pumphouse.db.host_turn_api`).
A new table only: the code of the previous release neither reads nor
writes it (its migrations bound a host per migration only, as before).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}


def upgrade() -> None:
    op.create_table(
        'host_turns',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('source_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'),
                  nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('migration_id', sa.Integer(),
                  sa.ForeignKey('migrations.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('holder', sa.String(255), nullable=True),
        sa.UniqueConstraint('source_cloud_id', 'host', 'slot',
                            name='uniq_host_turns0host_slot'),
        **_TABLE_ARGS)
