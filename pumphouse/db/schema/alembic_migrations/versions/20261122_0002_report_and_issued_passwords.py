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
