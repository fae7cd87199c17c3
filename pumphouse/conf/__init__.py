"""Configuration options of Pumphouse, one module per option group."""

from oslo_config import cfg

from pumphouse.conf import api
from pumphouse.conf import clouds
from pumphouse.conf import conductor
from pumphouse.conf import credentials
from pumphouse.conf import database
from pumphouse.conf import default
from pumphouse.conf import hardware
from pumphouse.conf import hosts
from pumphouse.conf import identity
from pumphouse.conf import timeouts

CONF = cfg.CONF

default.register_opts(CONF)
api.register_opts(CONF)
clouds.register_opts(CONF)
conductor.register_opts(CONF)
credentials.register_opts(CONF)
database.register_opts(CONF)
identity.register_opts(CONF)
hardware.register_opts(CONF)
timeouts.register_opts(CONF)
hosts.register_opts(CONF)
