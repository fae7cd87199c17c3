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

"""Serving the API with cheroot's threaded WSGI server."""

import ipaddress
import threading

from cheroot import wsgi
from oslo_config import cfg
from oslo_log import log

from pumphouse.api import app
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_authentication() -> None:
    """Refuse (cfg.Error) to serve without authentication on an address
    other hosts can reach, unless ``[api] allow_insecure_noauth``."""
    host = CONF.api.host_ip
    if (CONF.api.auth_strategy != 'noauth' or _is_loopback(host)
            or CONF.api.allow_insecure_noauth):
        return
    raise cfg.Error(
        f'[api] auth_strategy = noauth would make anyone who reaches '
        f'{host} an administrator of Pumphouse and of its clouds. Listen '
        'on a loopback address ([api] host_ip = 127.0.0.1 or ::1), use '
        'auth_strategy = keystone, or, on a network where every host is '
        'trusted, set [api] allow_insecure_noauth = true.')


class APIService:
    """The API on ``[api] host_ip``:``[api] port`` in a pool of threads."""

    def __init__(self) -> None:
        check_authentication()
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def bind_addr(self) -> tuple[str, int]:
        return self._server.bind_addr

    def start(self) -> None:
        self._server = wsgi.Server(
            (CONF.api.host_ip, CONF.api.port), app.setup_app(),
            numthreads=CONF.api.threads, server_name='pumphouse-api',
            request_queue_size=CONF.api.backlog)
        # cheroot reads headers of any size unless told.
        self._server.max_request_header_size = (
            CONF.api.max_request_header_size)
        # cheroot keeps 10 idle keep-alive connections, closing the others
        # after each response.
        self._server.keep_alive_conn_limit = CONF.api.keepalive_connections
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve,
                                        name='api-server', daemon=True)
        self._thread.start()
        host, port = self._server.bind_addr[:2]
        LOG.info('API listening on http://%(host)s:%(port)s/',
                 {'host': host, 'port': port})

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        LOG.info('API stopped')
