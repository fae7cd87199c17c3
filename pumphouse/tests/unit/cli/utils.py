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

"""Migrations in the test database, made without clouds."""

import io

import fixtures

from pumphouse.db import api as db_api
from pumphouse.db import migration_api


def make_clouds() -> tuple:
    """Two registered clouds named after clouds.yaml entries."""
    return tuple(db_api.create_cloud({'name': name,
                                      'config': {'cloud': name},
                                      'credentials': None})
                 for name in ('source', 'destination'))


def make_migration(state: str = 'planned', items: list[dict] | None = None,
                   **values):
    """A stored migration and its plan items (``key`` defaults to the
    source id, ``depends_on`` to nothing)."""
    source, destination = make_clouds()
    migration = migration_api.create_migration(dict({
        'project_id': 'local', 'source_cloud_id': source.id,
        'destination_cloud_id': destination.id,
        'workload': {'workload': {'kind': 'project', 'names': ['web']},
                     'strategies': {}, 'supplementary': 'depend'},
        'options': {'conflict_resolution': 'fail'}, 'state': state},
        **values))
    migration_api.add_plan_items(migration.id, [
        dict({'key': i['source_id'], 'depends_on': [],
              'state': 'pending', 'details': {}}, **i)
        for i in items or []])
    return migration


PROJECT = {'resource_type': 'identity.project', 'source_id': 'p1',
           'source_name': 'web', 'action': 'create'}
USER = {'resource_type': 'identity.user', 'source_id': 'u1',
        'source_name': 'alice', 'action': 'create', 'depends_on': ['p1']}


class Terminal(io.StringIO):
    """Standard input as if typed on a terminal."""

    def isatty(self) -> bool:
        return True


class Console(fixtures.Fixture):
    """Captures stdout and stderr and feeds stdin (not a terminal unless
    ``terminal``)."""

    def __init__(self, stdin: str = '', terminal: bool = False) -> None:
        super().__init__()
        self.stdin = (Terminal if terminal else io.StringIO)(stdin)

    def _setUp(self) -> None:
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        for name, stream in (('stdin', self.stdin), ('stdout', self.stdout),
                             ('stderr', self.stderr)):
            self.useFixture(fixtures.MonkeyPatch(f'sys.{name}', stream))

