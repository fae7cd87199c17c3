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

"""The SQLite database of the embedded mode on disk."""

import os
import pathlib
import stat
from collections.abc import Iterator

import pytest

from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import schema


@pytest.fixture
def sqlite_path(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    path = tmp_path / 'pumphouse.sqlite'
    CONF.set_override('connection', f'sqlite:///{path}', group='database')
    db_api.reset_facade()
    try:
        yield path
    finally:
        db_api.reset_facade()
        CONF.clear_override('connection', group='database')


def test_database_files_are_the_owners_only(sqlite_path) -> None:
    umask = os.umask(0o022)
    try:
        schema.upgrade()
        db_api.create_cloud({'name': 'c', 'config': {}})
        files = [p for p in sqlite_path.parent.iterdir()
                 if p.name.startswith(sqlite_path.name)]
        assert sqlite_path in files
        for path in files:  # -wal and -shm too
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        os.umask(umask)


def test_an_existing_file_is_used_as_it_is(sqlite_path) -> None:
    sqlite_path.touch(mode=0o640)
    schema.upgrade()
    assert stat.S_IMODE(sqlite_path.stat().st_mode) == 0o640
    assert db_api.list_clouds() == []
