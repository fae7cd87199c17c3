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

"""Hosts and their operations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}


def upgrade() -> None:
    op.create_table(
        'hosts',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('source_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=False),
        sa.Column('destination_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=True),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('target', sa.String(32), nullable=True),
        sa.Column('failed_step', sa.String(32), nullable=True),
        sa.Column('options', _LONG_TEXT, nullable=False),
        sa.Column('power_driver', sa.String(64), nullable=True),
        sa.Column('power_info', _LONG_TEXT, nullable=True),
        sa.Column('provision_driver', sa.String(64), nullable=True),
        sa.Column('provision_info', _LONG_TEXT, nullable=True),
        sa.Column('macs', _LONG_TEXT, nullable=False),
        sa.Column('conductor', sa.String(255), nullable=True),
        sa.Column('last_error', _LONG_TEXT, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        sa.UniqueConstraint('source_cloud_id', 'name',
                            name='uniq_hosts0source_cloud_name'),
        sa.Index('hosts_state_idx', 'state'),
        **_TABLE_ARGS)
    op.create_table(
        'host_operations',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('host_id', sa.Integer(),
                  sa.ForeignKey('hosts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('step', sa.String(32), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('level', sa.String(16), nullable=False),
        sa.Column('message', _LONG_TEXT, nullable=True),
        sa.Column('conductor', sa.String(255), nullable=True),
        sa.Index('host_operations_host_id_idx', 'host_id', 'id'),
        **_TABLE_ARGS)
