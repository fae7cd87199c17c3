"""Hosts keep their evacuation plan

``hosts.evacuation_plan`` holds the plan an evacuation follows: for each
server of the host, where it goes (or why it cannot go anywhere) and what
the operator chose for it. It is made before the host is disabled and
followed by whoever resumes or takes the host over. Hosts from before have
none: the next evacuation makes one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def upgrade() -> None:
    with op.batch_alter_table('hosts') as batch:
        batch.add_column(sa.Column('evacuation_plan', _LONG_TEXT,
                                   nullable=True))
