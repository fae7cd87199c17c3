"""The database fixtures of the db tests (SQLite, MariaDB, PostgreSQL),
for the commands that read a database in this process."""

from pumphouse.tests.unit.db.conftest import _conf  # noqa: F401
from pumphouse.tests.unit.db.conftest import _servers  # noqa: F401
from pumphouse.tests.unit.db.conftest import db_backend  # noqa: F401
from pumphouse.tests.unit.db.conftest import migrated_db  # noqa: F401
