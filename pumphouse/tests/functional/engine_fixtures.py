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

"""The engine in the test process, on a temporary SQLite state."""

import configparser
import contextlib
import uuid

from oslo_config import fixture as config_fixture

from pumphouse.cli import local
from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import schema
from pumphouse.tests.functional import fixtures


@contextlib.contextmanager
def engine_state(tmp_path):
    """CONF, a migrated SQLite database and both harness clouds."""
    if CONF._args is None:
        CONF([], project='pumphouse', default_config_files=[])
    conf = config_fixture.Config(CONF)
    conf.setUp()
    try:
        conf.config(state_path=str(tmp_path))
        conf.config(connection=f'sqlite:///{tmp_path}/engine.sqlite',
                    group='database')
        conf.config(clouds_yaml=[str(fixtures.clouds_yaml_path())],
                    group='clouds')
        db_api.reset_facade()
        crypto.reset_cache()
        crypto.ensure_key_file()
        schema.upgrade()
        for name in ('source', 'destination'):
            config, secret = cloud_config.split_registration(
                {'name': name, 'cloud': name})
            db_api.create_cloud({'name': name, 'config': config,
                                 'credentials': secret})
        yield conf
    finally:
        db_api.reset_facade()
        crypto.reset_cache()
        conf.cleanUp()


def keystone_db_url(cloud: str) -> str:
    """The harness Keystone's database, from its keystone.conf."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(fixtures.REPO / '.minicloud' / cloud / 'keystone' /
                'keystone.conf')
    return parser['database']['connection']


def unique(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex[:8]}'


def run(migration_uuid: str, workers: int = 4):
    """Start (or resume) a planned migration and apply it as the command
    line does: held by this process's own owner, through its
    dispatcher."""
    with local.LocalConductor() as here:
        return here.migration(migration_uuid, start=True, workers=workers)
