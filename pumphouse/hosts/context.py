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

"""What a host step works with: the host, its clouds and its log."""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from oslo_log import log

from pumphouse.common import cloud_config
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import views

LOG = log.getLogger(__name__)
T = TypeVar('T')

#: ``emit(step, message, level)``: where a command line prints progress.
Emit = Callable[[str, str, str], None] | None
#: ``run_migration(uuid)``: drives a migration to its end for the host's
#: owner (see :mod:`pumphouse.conductor.host_work`).
RunMigration = Callable[[str], object] | None


class HostContext:
    """One step's view of a host; connections are made when first used.

    ``conductor`` names the owner running the step (a conductor or a
    command-line process).
    """

    def __init__(self, host, step: str, conductor: str | None = None,
                 emit: Emit = None,
                 run_migration: RunMigration = None) -> None:
        self.host = host
        self.step = step
        self.conductor = conductor
        self.run_migration = run_migration
        self._emit = emit
        self._connections: dict[int, object] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.host.name

    @property
    def options(self) -> dict:
        return dict(self.host.options or {})

    def _connect(self, cloud_id: int):
        if cloud_id not in self._connections:
            cloud = next(c for c in db_api.list_clouds() if c.id == cloud_id)
            self._connections[cloud_id] = cloud_config.connect(
                cloud.config, cloud.credentials, name=cloud.name)
        return self._connections[cloud_id]

    @property
    def source(self):
        return self._connect(self.host.source_cloud_id)

    @property
    def destination(self):
        if self.host.destination_cloud_id is None:
            raise exception.HostStepFailed(
                step=self.step, host=self.name,
                reason='the host has no destination cloud; register it '
                       'with one')
        return self._connect(self.host.destination_cloud_id)

    def _info(self, kind: str) -> dict:
        token = getattr(self.host, f'{kind}_info')
        if not token:
            return {}
        return crypto.decrypt(token,
                              **views.unreadable_info([kind], self.name))

    def power_info(self) -> dict:
        return self._info('power')

    def provision_info(self) -> dict:
        return self._info('provision')

    def set_option(self, key: str, value) -> None:
        """Remember something for later steps and for a resume."""
        self.update_option(key, lambda _old: value)

    def update_option(self, key: str, change: Callable) -> None:
        """Set option ``key`` to ``change(its value or None)``; safe from
        the threads of one step."""
        with self._lock:
            current = host_api.get_host(self.host.uuid).options or {}
            options = dict(current, **{key: change(current.get(key))})
            self.host = host_api.update_host(self.host.uuid,
                                             {'options': options})

    def event(self, message: str, level: str = 'INFO') -> None:
        """A line of the host's log (never pass a secret)."""
        LOG.log(getattr(log, level, log.INFO),
                'Host %(host)s, %(step)s: %(message)s',
                {'host': self.name, 'step': self.step, 'message': message})
        host_api.add_operation(self.host.id, self.step, 'info', message,
                               level=level, conductor=self.conductor)
        if self._emit is not None:
            self._emit(self.step, message, level)

    def fail(self, reason: str) -> exception.HostStepFailed:
        return exception.HostStepFailed(step=self.step, host=self.name,
                                        reason=reason)

    def wait(self, what: str, poll: Callable[[], T | None],
             timeout: float) -> T:
        """Poll until ``poll`` answers something; fail after ``timeout``
        seconds saying what was awaited."""
        deadline = time.monotonic() + timeout
        while True:
            found = poll()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise self.fail(f'timed out after {timeout:.0f}s waiting '
                                f'for {what}')
            time.sleep(CONF.hosts.poll_interval)
