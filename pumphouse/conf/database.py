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

"""Options of the [database] group (oslo.db).

The connection defaults to an SQLite file under ``state_path``, the embedded
default of the ``pumphouse`` command; a deployed service points it at MySQL,
MariaDB (with ``?charset=utf8mb4``) or PostgreSQL.
"""

import copy

from oslo_config import cfg
from oslo_db import options as db_options

DEFAULT_CONNECTION = 'sqlite:///$state_path/pumphouse.sqlite'


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def list_opts() -> list[cfg.Opt]:
    """oslo.db's options with Pumphouse's default, for the sample."""
    opts = copy.deepcopy(db_options.database_opts)
    cfg.set_defaults(opts, connection=DEFAULT_CONNECTION)
    return opts
