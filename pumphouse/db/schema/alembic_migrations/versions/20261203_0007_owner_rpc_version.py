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
