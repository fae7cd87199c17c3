"""The conductor service: RPC server, registration, heartbeat, take-over."""

import threading

import oslo_messaging as messaging
from oslo_log import log

from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conductor import manager
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)


class ConductorService:
    """Registers the conductor, serves RPC and heart-beats until stopped.

    A take-over thread resumes the migrations that need a conductor: at
    start those this conductor had before a crash, then every
    ``[conductor] takeover_interval`` those of dead conductors too.
    """

    def __init__(self, host: str | None = None) -> None:
        self.host = host or CONF.host
        self.manager = manager.ConductorManager(self.host)
        self._server = None
        self._stop = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None
        self._takeover_thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            db_api.register_conductor(self.host)
        except exception.ConductorAlreadyRegistered:
            # As in ironic: most likely this very conductor, restarted
            # before its old heartbeat went stale.
            LOG.warning('A live conductor named %s is registered; taking '
                        'the registration over. If another conductor runs '
                        'under this name, give one of them another '
                        '[DEFAULT] host.', self.host)
            db_api.register_conductor(self.host, update_existing=True)
        self.manager.init_host()
        target = messaging.Target(topic=rpcapi.TOPIC, server=self.host)
        self._server = rpc.get_server(target, [self.manager])
        self._server.start()
        self._stop.clear()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name='conductor-heartbeat',
            daemon=True)
        self._heartbeat_thread.start()
        self._takeover_thread = threading.Thread(
            target=self._takeover_loop, name='conductor-takeover',
            daemon=True)
        self._takeover_thread.start()
        LOG.info('Conductor %s started', self.host)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(CONF.conductor.heartbeat_interval):
            try:
                db_api.touch_conductor(self.host)
            except Exception:
                # The database may be briefly away; keep trying: a missed
                # beat only matters after heartbeat_timeout.
                LOG.exception('Heartbeat of conductor %s failed', self.host)

    def _takeover_loop(self) -> None:
        # At once first: after a crash, this conductor's own migrations.
        while not self._stop.is_set():
            try:
                self.manager.take_over_migrations()
                self.manager.take_over_hosts()
            except Exception:
                LOG.exception('Take-over of conductor %s failed', self.host)
            self._stop.wait(CONF.conductor.takeover_interval)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
            self._server = None
        for thread in (self._heartbeat_thread, self._takeover_thread):
            if thread is not None:
                thread.join()
        self._heartbeat_thread = self._takeover_thread = None
        self.manager.del_host()
        try:
            db_api.unregister_conductor(self.host)
        except Exception:
            LOG.exception('Could not mark conductor %s offline', self.host)
        LOG.info('Conductor %s stopped', self.host)
