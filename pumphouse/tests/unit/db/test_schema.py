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

"""Which database revisions a service starts on (SQLite): the head, one
revision ahead during a rolling upgrade (with a warning), nothing
else."""

import alembic
import sqlalchemy as sa

from pumphouse.common import exception
from pumphouse.db import api as db_api
from pumphouse.db import schema
from pumphouse.tests import base


def set_revision(revision: str) -> None:
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text('UPDATE alembic_version SET version_num = '
                             ':revision'), {'revision': revision})


def ahead(count: int) -> str:
    return f'{int(schema.head()) + count:04d}'


class TestCheckCompatible(base.TestCase):

    def test_at_the_head(self):
        self.assertIsNone(schema.check_compatible())

    def test_one_revision_ahead_starts_with_a_warning(self):
        set_revision(ahead(1))
        with self.assertLogs('pumphouse.db.schema', 'WARNING') as logs:
            warning = schema.check_compatible()
        self.assertIn(f'revision {ahead(1)}, one newer than this code '
                      f'({schema.head()})', warning)
        self.assertIn('rolling upgrade', logs.output[0])

    def test_two_revisions_ahead_refuse(self):
        set_revision(ahead(2))
        error = self.assertRaises(exception.DatabaseTooNew,
                                  schema.check_compatible)
        self.assertIn(f'revision {ahead(2)}, which is 2 revisions newer '
                      'than this code', str(error))
        self.assertIn('Install the release that upgraded the database',
                      str(error))

    def test_an_unknown_revision_refuses(self):
        set_revision('ae1027a6acf')
        error = self.assertRaises(exception.DatabaseTooNew,
                                  schema.check_compatible)
        self.assertIn('ae1027a6acf, which this release does not know',
                      str(error))

    def test_behind_refuses(self):
        set_revision('0005')
        error = self.assertRaises(exception.DatabaseNotUpgraded,
                                  schema.check_compatible)
        self.assertIn('run "pumphouse-dbsync upgrade"', str(error))

    def test_empty_refuses(self):
        with db_api.get_engine().begin() as conn:
            conn.execute(sa.text('DELETE FROM alembic_version'))
        self.assertRaises(exception.DatabaseNotUpgraded,
                          schema.check_compatible)

    def test_configured_database_of_the_pumphouse_command(self):
        set_revision(ahead(1))
        with self.assertLogs('pumphouse.db.schema', 'WARNING'):
            schema.upgrade_if_embedded(False)
        set_revision('0005')
        self.assertRaises(exception.ConfiguredDatabaseNotUpgraded,
                          schema.upgrade_if_embedded, False)

    def test_embedded_database_ahead_is_not_upgraded(self):
        set_revision(ahead(1))
        with self.assertLogs('pumphouse.db.schema', 'WARNING'):
            schema.upgrade_if_embedded(True)
        self.assertEqual(ahead(1), schema.current())
        set_revision(ahead(2))
        self.assertRaises(exception.DatabaseTooNew,
                          schema.upgrade_if_embedded, True)


class TestRevisionNumbers(base.TestCase):
    """How far ahead a database is can only be told if revisions are
    numbered one after the other, without branches."""

    def test_revisions_are_numbered_in_sequence(self):
        script = alembic.script.ScriptDirectory.from_config(schema._config())
        revisions = list(script.walk_revisions())
        self.assertEqual([schema.head()], list(script.get_heads()))
        for revision in revisions:
            self.assertRegex(revision.revision, r'^[0-9]{4}$')
            expected = (None if revision.revision == '0001'
                        else f'{int(revision.revision) - 1:04d}')
            self.assertEqual(expected, revision.down_revision,
                             revision.revision)

    def test_next_revision_id(self):
        self.assertEqual(ahead(1), schema.next_revision_id())

    def test_revisions_ahead(self):
        self.assertEqual(1, schema.revisions_ahead(ahead(1)))
        self.assertEqual(3, schema.revisions_ahead(ahead(3)))
        self.assertIsNone(schema.revisions_ahead('0001'))
        self.assertIsNone(schema.revisions_ahead('ae1027a6acf'))
