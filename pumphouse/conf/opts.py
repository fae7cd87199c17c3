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

"""Entry points of oslo-config-generator."""

from oslo_config import cfg
from oslo_policy import opts as policy_opts

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


def list_opts() -> list[tuple[str | None, list[cfg.Opt]]]:
    """The options Pumphouse defines itself, by group.

    [database] is oslo.db's with Pumphouse's default connection; the other
    libraries' options ([keystone_authtoken], [oslo_messaging_*],
    [oslo_policy], [oslo_reports], logging) come from their own
    namespaces in ``tools/config/pumphouse-config-generator.conf``.
    """
    return [
        ('DEFAULT', default.opts),
        (api.opt_group.name, api.opts),
        (clouds.opt_group.name, clouds.opts),
        (conductor.opt_group.name, conductor.opts),
        (credentials.opt_group.name, credentials.opts),
        ('database', database.list_opts()),
        (estimate.opt_group.name, estimate.opts),
        (hardware.opt_group.name, hardware.opts),
        (identity.opt_group.name, identity.opts),
        (timeouts.opt_group.name, timeouts.opts),
        (hosts.opt_group.name, hosts.opts),
        (notifications.opt_group.name, notifications.opts),
        (upgrade_levels.opt_group.name, upgrade_levels.opts),
    ]


def update_opt_defaults() -> None:
    """Defaults of library options that differ for Pumphouse."""
    policy_opts.set_defaults(cfg.CONF, policy_file='policy.yaml')
    api.set_middleware_defaults()
