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

"""Initial schema: clouds, migrations, plan items, mappings, events, conductors

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}
# TEXT holds only 64 KiB on MySQL/MariaDB.
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
_PRECISE_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                               'mysql')


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade() -> None:
    op.create_table(
        'clouds',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', _LONG_TEXT, nullable=True),
        sa.Column('config', _LONG_TEXT, nullable=False),
        sa.Column('credentials', _LONG_TEXT, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_clouds0uuid'),
        sa.UniqueConstraint('name', name='uniq_clouds0name'),
        **_TABLE_ARGS)

    op.create_table(
        'migrations',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('source_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=False),
        sa.Column('destination_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=False),
        sa.Column('workload', _LONG_TEXT, nullable=False),
        sa.Column('options', _LONG_TEXT, nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('conductor', sa.String(255), nullable=True),
        sa.Column('last_error', _LONG_TEXT, nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_migrations0uuid'),
        sa.Index('migrations_project_id_idx', 'project_id'),
        sa.Index('migrations_state_idx', 'state'),
        **_TABLE_ARGS)

    op.create_table(
        'plan_items',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('migration_id', sa.Integer(),
                  sa.ForeignKey('migrations.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('resource_type', sa.String(64), nullable=False),
        sa.Column('source_id', sa.String(255), nullable=False),
        sa.Column('source_name', sa.String(255), nullable=True),
        sa.Column('action', sa.String(16), nullable=False),
        sa.Column('depends_on', _LONG_TEXT, nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('destination_id', sa.String(255), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', _LONG_TEXT, nullable=True),
        sa.Column('bytes_done', sa.BigInteger(), nullable=False),
        sa.Column('bytes_total', sa.BigInteger(), nullable=True),
        sa.Column('details', _LONG_TEXT, nullable=True),
        sa.UniqueConstraint('migration_id', 'resource_type', 'source_id',
                            name='uniq_plan_items0migration_resource'),
        **_TABLE_ARGS)

    op.create_table(
        'mappings',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('source_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=False),
        sa.Column('destination_cloud_id', sa.Integer(),
                  sa.ForeignKey('clouds.id'), nullable=False),
        sa.Column('resource_type', sa.String(64), nullable=False),
        sa.Column('source_id', sa.String(255), nullable=False),
        sa.Column('destination_id', sa.String(255), nullable=False),
        sa.Column('migration_id', sa.Integer(),
                  sa.ForeignKey('migrations.id', ondelete='SET NULL'),
                  nullable=True),
        sa.UniqueConstraint('source_cloud_id', 'destination_cloud_id',
                            'resource_type', 'source_id',
                            name='uniq_mappings0source_resource'),
        sa.Index('mappings_destination_id_idx', 'destination_id'),
        **_TABLE_ARGS)

    op.create_table(
        'events',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('migration_id', sa.Integer(),
                  sa.ForeignKey('migrations.id', ondelete='CASCADE'),
                  nullable=True),
        sa.Column('plan_item_id', sa.Integer(),
                  sa.ForeignKey('plan_items.id', ondelete='CASCADE'),
                  nullable=True),
        sa.Column('level', sa.String(16), nullable=False),
        sa.Column('event_type', sa.String(64), nullable=False),
        sa.Column('message', _LONG_TEXT, nullable=False),
        sa.Column('conductor', sa.String(255), nullable=True),
        sa.Index('events_migration_id_idx', 'migration_id', 'id'),
        **_TABLE_ARGS)

    op.create_table(
        'conductors',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('hostname', sa.String(255), nullable=False),
        sa.Column('online', sa.Boolean(), nullable=False),
        sa.Column('heartbeat_at', _PRECISE_DATETIME, nullable=False),
        sa.UniqueConstraint('hostname', name='uniq_conductors0hostname'),
        **_TABLE_ARGS)
