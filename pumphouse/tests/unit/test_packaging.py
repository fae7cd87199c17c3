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

"""A wheel built from a source tree without git metadata (an unpacked
sdist, a vendored copy) has every file the service needs at run time:
the database migrations and the web UI."""

import configparser
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

import pumphouse

REPO = pathlib.Path(pumphouse.__file__).parent.parent
#: What a build reads from the source tree besides the package.
BUILD_FILES = ('setup.cfg', 'setup.py', 'pyproject.toml', 'README.rst',
               'requirements.txt', 'MANIFEST.in')


def _copy_without_git(target: pathlib.Path) -> None:
    for name in BUILD_FILES:
        shutil.copy2(REPO / name, target / name)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    for directory in ('pumphouse', 'etc'):
        shutil.copytree(REPO / directory, target / directory, ignore=ignore)


@pytest.mark.slow
def test_wheel_without_git_ships_the_database_migrations(tmp_path):
    pytest.importorskip('pbr')
    pytest.importorskip('setuptools')
    source = tmp_path / 'source'
    source.mkdir()
    _copy_without_git(source)
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(source / 'setup.cfg')
    # Without git, pbr takes the version from the environment, as
    # distribution packagers give it.
    env = {**os.environ,
           'PBR_VERSION': setup_cfg.get('metadata', 'version')}
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--no-cache-dir', '-q',
         '-w', str(tmp_path / 'wheel'), str(source)],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    [wheel] = (tmp_path / 'wheel').glob('pumphouse-*.whl')
    shipped = set(zipfile.ZipFile(wheel).namelist())
    schema = REPO / 'pumphouse' / 'db' / 'schema'
    needed = {str(p.relative_to(REPO)) for p in schema.rglob('*')
              if p.is_file() and '__pycache__' not in p.parts}
    assert {'pumphouse/db/schema/alembic.ini',
            'pumphouse/db/schema/alembic_migrations/script.py.mako'} <= needed
    assert any('/versions/' in n for n in needed)
    # The web UI's files, served by the API from the package.
    static = REPO / 'pumphouse' / 'api' / 'static'
    ui_files = {str(p.relative_to(REPO)) for p in static.rglob('*')
                if p.is_file()}
    assert {'pumphouse/api/static/index.html',
            'pumphouse/api/static/js/main.js',
            'pumphouse/api/static/css/ui.css'} <= ui_files
    needed |= ui_files
    assert sorted(needed - shipped) == []
