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

"""Alembic environment: runs migrations on Pumphouse's engine."""

from alembic import context

from pumphouse.db import api as db_api
from pumphouse.db import models

target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    with db_api.get_engine().begin() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
