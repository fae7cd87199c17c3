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

"""The conductor service: RPC server, registration, heartbeat, take-over."""

import threading

import oslo_messaging as messaging
from oslo_log import log

from pumphouse import notifications
from pumphouse.common import exception
from pumphouse.common import rpc
from pumphouse.conductor import manager
from pumphouse.conductor import rpcapi
from pumphouse.conductor import task_manager
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


class ConductorService:
    """Registers the conductor as an owner, serves RPC and heart-beats
    until stopped.

    A take-over thread resumes the work that needs a conductor: at start
    what this conductor had before a crash, then every ``[conductor]
    takeover_interval`` what owners that are gone had too.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name or CONF.host
        self.owner = task_manager.Owner(
            self.name, task_manager.CONDUCTOR,
            rpc_version=manager.ConductorManager.RPC_API_VERSION)
        self.manager = manager.ConductorManager(self.name)
        notifications.setup()
        self._server = None
        self._stop = threading.Event()
        self._takeover_thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            self.owner.start()
        except exception.ConductorAlreadyRegistered:
            # As in ironic: most likely this very conductor, restarted
            # before its old heartbeat went stale.
            LOG.warning('A live conductor named %s is registered; taking '
                        'the registration over. If another conductor runs '
                        'under this name, give one of them another '
                        '[DEFAULT] host.', self.name)
            self.owner.start(take_over_name=True)
        self.manager.start()
        target = messaging.Target(topic=rpcapi.TOPIC, server=self.name)
        self._server = rpc.get_server(target, [self.manager])
        self._server.start()
        self._stop.clear()
        self._takeover_thread = threading.Thread(
            target=self._takeover_loop, name='conductor-takeover',
            daemon=True)
        self._takeover_thread.start()
        LOG.info('Conductor %s started', self.name)

    def _takeover_loop(self) -> None:
        # At once first: after a crash, this conductor's own work.
        while not self._stop.is_set():
            try:
                self.manager.take_over()
            except Exception:
                LOG.exception('Take-over of conductor %s failed', self.name)
            self._stop.wait(CONF.conductor.takeover_interval)

    def stop(self) -> None:
        """Stop: the work under way is told first (no item or host step
        starts while the RPC server and the take-over wind down; a
        request arriving meanwhile finds no worker and is left for the
        take-over), then waited for (see
        :meth:`ConductorManager.begin_stop`);
        the registration goes last."""
        self._stop.set()
        running = self.manager.begin_stop()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
            self._server = None
        if self._takeover_thread is not None:
            self._takeover_thread.join()
            self._takeover_thread = None
        self.manager.wait_stopped(running)
        self.owner.stop()
        LOG.info('Conductor %s stopped', self.name)
