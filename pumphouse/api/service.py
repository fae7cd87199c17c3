"""Serving the API with cheroot's threaded WSGI server."""

import threading

from cheroot import wsgi
from oslo_log import log

from pumphouse.api import app
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


class APIService:
    """The API on ``[api] host_ip``:``[api] port`` in a pool of threads."""

    def __init__(self) -> None:
        self._server: wsgi.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def bind_addr(self) -> tuple[str, int]:
        return self._server.bind_addr

    def start(self) -> None:
        self._server = wsgi.Server(
            (CONF.api.host_ip, CONF.api.port), app.setup_app(),
            numthreads=CONF.api.threads, server_name='pumphouse-api')
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
