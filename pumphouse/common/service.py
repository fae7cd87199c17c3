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

"""Start-up of Pumphouse processes: configuration, logging, signals."""

import functools
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Protocol

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log

from pumphouse import version
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

_QUIET_LIBRARIES = ['keystoneauth=WARN', 'stevedore=WARN',
                    'openstack=WARN', 'urllib3=WARN', 'amqp=WARN',
                    'oslo_policy=WARN', 'cheroot=WARN', 'alembic=WARN',
                    'keystonemiddleware=WARN', 'pecan=WARN']


def prepare_service(argv: Sequence[str] | None = None,
                    defaults: dict | None = None,
                    init_rpc: bool = True,
                    create_key: bool = True) -> None:
    """Parse options, set up logging and the key file, start RPC.

    ``defaults`` maps ``(group, option)`` to a default the command wants to
    change before the configuration files are read, e.g. the embedded mode
    of ``pumphouse serve``.
    """
    log.register_options(CONF)
    rpc.register_opts(CONF)
    log.set_defaults(default_log_levels=log.get_default_log_levels()
                     + _QUIET_LIBRARIES)
    for (group, name), value in (defaults or {}).items():
        CONF.set_default(name, value, group=group)
    argv = list(sys.argv if argv is None else argv)
    CONF(argv[1:], project='pumphouse',
         version=version.version_string())
    log.setup(CONF, 'pumphouse')
    # oslo.config converts values when they are read: read them all now so
    # that a bad value stops the start-up, not a request hours later.
    CONF.log_opt_values(LOG, log.DEBUG)
    os.makedirs(CONF.state_path, mode=0o700, exist_ok=True)
    if create_key:
        crypto.ensure_key_file()
    if init_rpc:
        rpc.init(CONF)


class Service(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def run(services: Sequence[Service]) -> int:
    """Start the services, wait for SIGTERM or SIGINT, stop them."""
    stop = threading.Event()

    def _signalled(signum, frame):
        LOG.info('Received %s, stopping', signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _signalled)
    signal.signal(signal.SIGINT, _signalled)
    started = []
    try:
        for service in services:
            service.start()
            started.append(service)
        while not stop.wait(1):
            pass
    finally:
        for service in reversed(started):
            service.stop()
        rpc.cleanup()
    return 0


def exit_on_error(func):
    """Turn a start-up error into one line on stderr and exit status 1."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except cfg.Error as e:
            sys.exit(f'Configuration error: {e}')
        except db_exc.DBConnectionError as e:
            sys.exit(f'Cannot connect to the database: {e.inner_exception}')
        except (exception.PumphouseException, db_exc.DBError,
                OSError) as e:
            LOG.debug('Start-up failed', exc_info=True)
            sys.exit(f'Error: {e}')
    return wrapper
