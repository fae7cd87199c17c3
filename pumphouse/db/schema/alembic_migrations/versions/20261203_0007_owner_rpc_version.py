"""Owners announce the RPC API version they serve

``owners.rpc_version`` is the conductor RPC API version (``X.Y``) a
conductor serves, recorded when it registers and with every heartbeat, so
that ``pumphouse-status upgrade check`` can tell whether the live
conductors understand what this release's API sends. Command-line owners
serve no RPC and leave it empty, as do conductors of earlier releases
until they are restarted with this one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('owners') as batch:
        batch.add_column(sa.Column('rpc_version', sa.String(32),
                                   nullable=True))
