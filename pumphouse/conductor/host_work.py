"""The host operations a conductor works on.

Like migrations: a cast (``reassign_host``) reaches any live conductor,
which reserves the host and runs its flow on a worker thread; the
take-over resumes the hosts with a target whose conductor is gone (or is
this one, restarted), at the step that was under way.
"""

import threading
from concurrent import futures

import futurist
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import host_api
from pumphouse.hosts import flow

LOG = log.getLogger(__name__)


class HostWork:
    """Reserves hosts and runs their flows on a bounded thread pool."""

    def __init__(self, conductor: str) -> None:
        self.conductor = conductor
        self._executor: futurist.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._working: dict[str, futures.Future | None] = {}

    def start(self) -> None:
        self._executor = futurist.ThreadPoolExecutor(
            max_workers=CONF.hosts.workers)

    def stop(self) -> list[futures.Future]:
        """Take no more hosts; the futures still running."""
        with self._lock:
            executor, self._executor = self._executor, None
            running = [f for f in self._working.values() if f is not None]
        if executor is not None:
            executor.shutdown(wait=False)
        return running

    def take_over(self) -> list[str]:
        """Resume hosts under way that no live conductor works on."""
        live = db_api.list_live_conductors()
        taken = []
        for host in host_api.list_hosts(pending=True):
            if host.conductor in live and host.conductor != self.conductor:
                continue
            if self.start_work(host.uuid, live=live):
                LOG.info('Conductor %(me)s takes over host %(host)s on its '
                         'way to %(target)s (it was %(was)s)',
                         {'me': self.conductor, 'host': host.name,
                          'target': host.target,
                          'was': host.conductor or 'with no conductor'})
                taken.append(host.uuid)
        return taken

    def start_work(self, host_uuid: str,
                   live: list[str] | None = None) -> bool:
        with self._lock:
            if self._executor is None or host_uuid in self._working:
                return False
            if len(self._working) >= CONF.hosts.workers:
                return False
            self._working[host_uuid] = None
        try:
            host = host_api.reserve_host(
                host_uuid, self.conductor,
                db_api.list_live_conductors() if live is None else live)
        except (exception.HostNotFound, exception.HostBusy) as e:
            LOG.info('Conductor %(me)s leaves host %(uuid)s: %(err)s',
                     {'me': self.conductor, 'uuid': host_uuid, 'err': e})
            self._forget(host_uuid)
            return False
        except Exception:
            self._forget(host_uuid)
            raise
        if host.target is None:
            self._finish(host_uuid)
            return False
        with self._lock:
            if self._executor is None:
                self._working.pop(host_uuid, None)
                return False
            self._working[host_uuid] = self._executor.submit(
                self._work, host_uuid)
        return True

    def _work(self, host_uuid: str) -> None:
        def should_stop() -> bool:
            return host_api.get_host(host_uuid).conductor != self.conductor
        try:
            flow.run(host_uuid, conductor=self.conductor,
                     should_stop=should_stop)
        except exception.HostStepFailed as e:
            LOG.warning('Host %(uuid)s stopped: %(err)s',
                        {'uuid': host_uuid, 'err': e})
        except Exception:
            LOG.exception('Host %s stopped', host_uuid)
        finally:
            self._finish(host_uuid)

    def _finish(self, host_uuid: str) -> None:
        try:
            host_api.release_host(host_uuid, self.conductor)
        except Exception:
            LOG.exception('Could not release host %s', host_uuid)
        self._forget(host_uuid)

    def _forget(self, host_uuid: str) -> None:
        with self._lock:
            self._working.pop(host_uuid, None)
