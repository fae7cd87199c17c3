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

"""Configuration options of Pumphouse, one module per option group."""

from oslo_config import cfg

from pumphouse.conf import api
from pumphouse.conf import clouds
from pumphouse.conf import conductor
from pumphouse.conf import credentials
from pumphouse.conf import database
from pumphouse.conf import default
from pumphouse.conf import estimate
from pumphouse.conf import hardware
from pumphouse.conf import hosts
from pumphouse.conf import identity
from pumphouse.conf import notifications
from pumphouse.conf import timeouts
from pumphouse.conf import upgrade_levels

CONF = cfg.CONF

default.register_opts(CONF)
api.register_opts(CONF)
clouds.register_opts(CONF)
conductor.register_opts(CONF)
credentials.register_opts(CONF)
database.register_opts(CONF)
estimate.register_opts(CONF)
identity.register_opts(CONF)
hardware.register_opts(CONF)
timeouts.register_opts(CONF)
hosts.register_opts(CONF)
notifications.register_opts(CONF)
upgrade_levels.register_opts(CONF)
