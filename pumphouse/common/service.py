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

"""Start-up of Pumphouse processes: configuration, logging, signals.

A service (:func:`run`) stops on SIGTERM or SIGINT and reloads its
configuration files on SIGHUP: the options marked mutable (``debug``,
the timeouts and retries, ``[notifications] notification_level``,
``[upgrade_levels] conductor``...) take their new values at once, the
others keep theirs until a restart (oslo.config logs both). Guru
Meditation Reports (:func:`setup_reports`) print the threads' stacks and
the configuration on SIGUSR2, or when ``[oslo_reports]
file_event_handler`` is touched.
"""

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
from oslo_reports import guru_meditation_report as gmr
from oslo_reports import opts as gmr_opts
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import url as sa_url

from pumphouse import version
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: The files of an embedded state directory, under [DEFAULT] state_path.
EMBEDDED_DATABASE = 'pumphouse.sqlite'
EMBEDDED_KEY_FILE = 'credentials.key'

_QUIET_LIBRARIES = ['keystoneauth=WARN', 'stevedore=WARN',
                    'openstack=WARN', 'urllib3=WARN', 'amqp=WARN',
                    'oslo_policy=WARN', 'cheroot=WARN', 'alembic=WARN',
                    'keystonemiddleware=WARN', 'pecan=WARN']


def prepare_service(argv: Sequence[str] | None = None,
                    defaults: dict | None = None,
                    init_rpc: bool = True,
                    key_file: bool = True) -> None:
    """Parse options, set up logging and the key file, start RPC.

    ``defaults`` maps ``(group, option)`` to a default the command wants to
    change before the configuration files are read, e.g. the embedded mode
    of ``pumphouse serve``. ``key_file``: see :func:`prepare_key_file`
    (False for a command that sees to it itself).
    """
    log.register_options(CONF)
    rpc.register_opts(CONF)
    gmr_opts.set_defaults(CONF)
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
    if key_file:
        prepare_key_file()
    if init_rpc:
        rpc.init(CONF, binary=os.path.basename(argv[0]) if argv else None)


def _same_file(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def is_embedded() -> bool:
    """Whether this process works on an embedded state directory.

    That is the ``pumphouse`` command's own state: the SQLite database at
    its default place under ``[DEFAULT] state_path``. A configured
    ``[database] connection`` (another SQLite file, MariaDB, PostgreSQL)
    is a deployment's, which only ``pumphouse-dbsync`` changes.
    """
    try:
        url = sa_url.make_url(CONF.database.connection)
    except sa_exc.ArgumentError:
        return False
    return (url.get_backend_name() == 'sqlite' and bool(url.database)
            and _same_file(url.database,
                           os.path.join(CONF.state_path, EMBEDDED_DATABASE)))


def prepare_key_file() -> bool:
    """See that the credential key file is there and usable.

    An embedded state directory gets one created on first use (when
    ``[credentials] key_file`` is left at its place in that directory);
    anywhere else a missing file is an error (CredentialKeyMissing): the
    deployment's one key must be copied to every node, never made anew by
    a process that happens to start first. Returns True when the file was
    created.
    """
    created = False
    if is_embedded() and _same_file(
            CONF.credentials.key_file,
            os.path.join(CONF.state_path, EMBEDDED_KEY_FILE)):
        created = crypto.ensure_key_file()
    crypto.check_key_file()
    return created


class Service(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def setup_reports(service_name: str, signals: bool = True) -> None:
    """Guru Meditation Reports (oslo.reports) for this process.

    A report (the version, every thread's stack, the processes, the
    configuration with its secret options masked) goes to standard error,
    or to a file in ``[oslo_reports] log_dir``, on SIGUSR2 (with
    ``signals``; not in a WSGI server, whose signals are its own) or,
    when ``[oslo_reports] file_event_handler`` names a file, each time
    that file is modified.
    """
    gmr_opts.set_defaults(CONF)
    gmr.TextGuruMeditation.setup_autorun(
        version, service_name=service_name, conf=CONF,
        setup_signal=signals)


def reload_config() -> None:
    """Read the configuration files again (SIGHUP): mutable options take
    their new values, the others keep theirs until a restart; a file
    that cannot be read leaves the configuration as it was."""
    LOG.info('Reloading the configuration files')
    try:
        CONF.mutate_config_files()
    except (cfg.Error, OSError) as e:
        LOG.error('Could not reload the configuration, which stays as it '
                  'was: %s', e)


def run(services: Sequence[Service]) -> int:
    """Start the services, wait for SIGTERM or SIGINT, stop them; reload
    the configuration on SIGHUP."""
    stop = threading.Event()
    hangup = threading.Event()
    wake = threading.Event()

    def _signalled(signum, frame):
        LOG.info('Received %s, stopping', signal.Signals(signum).name)
        stop.set()
        wake.set()

    def _hungup(signum, frame):
        # Reloaded by the loop below, outside the handler: a handler runs
        # between two bytecodes of whatever the main thread was doing.
        hangup.set()
        wake.set()

    previous = {signum: signal.signal(signum, handler)
                for signum, handler in ((signal.SIGTERM, _signalled),
                                        (signal.SIGINT, _signalled),
                                        (signal.SIGHUP, _hungup))}
    started = []
    try:
        for service in services:
            service.start()
            started.append(service)
        while not stop.is_set():
            wake.wait(1)
            wake.clear()
            if hangup.is_set() and not stop.is_set():
                hangup.clear()
                reload_config()
    finally:
        for service in reversed(started):
            service.stop()
        rpc.cleanup()
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
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
