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

"""Plan items keep their times; migrations their estimate

``plan_items.started_at`` and ``finished_at`` are when an item's run
began and when it was done; ``work_seconds`` the time between, less what
it waited for a data transfer slot or its source host's turn. Later
plans between the same clouds learn from them how long items take
(:mod:`pumphouse.engine.estimate`). ``migrations.estimate`` is the
estimate the plan made. All nullable: the code of the previous release
neither reads nor writes them, and items it finishes during a rolling
upgrade simply have no times (history ignores them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
_PRECISE_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                               'mysql')


def upgrade() -> None:
    with op.batch_alter_table('plan_items') as batch:
        batch.add_column(sa.Column('started_at', _PRECISE_DATETIME,
                                   nullable=True))
        batch.add_column(sa.Column('finished_at', _PRECISE_DATETIME,
                                   nullable=True))
        batch.add_column(sa.Column('work_seconds', sa.Float(),
                                   nullable=True))
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('estimate', _LONG_TEXT, nullable=True))
