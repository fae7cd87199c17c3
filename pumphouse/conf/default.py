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

"""Options of the [DEFAULT] group."""

import socket

import platformdirs
from oslo_config import cfg

opts = [
    cfg.StrOpt(
        'host',
        default=socket.gethostname(),
        sample_default='localhost',
        help='Name of this node. Conductors register and heart-beat under '
             'this name, so it must be unique among the conductors that '
             'share one database.'),
    cfg.StrOpt(
        'state_path',
        default=platformdirs.user_state_dir('pumphouse'),
        sample_default='$XDG_STATE_HOME/pumphouse',
        help='Directory where Pumphouse keeps its local state: the SQLite '
             'database of the embedded mode and the credential key.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)
