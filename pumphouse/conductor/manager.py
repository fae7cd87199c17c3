"""Server side of the conductor RPC API: the endpoints, and the migrations
this conductor works on.

Migration work arrives as casts (``plan_migration``, ``run_migration``)
sent to any live conductor, or is found by the take-over
(:meth:`ConductorManager.take_over_migrations`): migrations in an active
state whose conductor is gone, that no conductor picked up, or that this
very conductor had before it was restarted. Either way the conductor
reserves the migration (so no other conductor works on it), runs the
engine on a worker thread, so the RPC thread returns at once, and releases
the reservation when the engine returns.
"""

import threading
from concurrent import futures

import futurist
import oslo_messaging as messaging
from oslo_log import log
from oslo_utils import timeutils

from pumphouse.common import exception
from pumphouse.conductor import cloud_check
from pumphouse.conductor import host_work
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import migration_api
from pumphouse.engine import runner
from pumphouse.engine import states

LOG = log.getLogger(__name__)

_EXPECTED = runner.EXPECTED_ERRORS


class ConductorManager:
    """The RPC endpoints of a conductor; see rpcapi for the history."""

    RPC_API_VERSION = rpcapi.ConductorAPI.RPC_API_VERSION

    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host: str) -> None:
        self.host = host
        self._executor: futurist.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        # Migrations this conductor works on -> their engine's future
        # (None while being reserved).
        self._working: dict[str, futures.Future | None] = {}
        self.hosts = host_work.HostWork(host)

    def init_host(self) -> None:
        """Get ready for migration work (before the RPC server starts)."""
        self._executor = futurist.ThreadPoolExecutor(
            max_workers=CONF.conductor.workers)
        self.hosts.start()

    def del_host(self) -> None:
        """Take no more work; wait a while for the migrations under way.

        What is still running after ``graceful_shutdown_timeout`` is left:
        the conductor is marked offline next, so the others take it over.
        """
        with self._lock:
            executor, self._executor = self._executor, None
            running = [f for f in self._working.values() if f is not None]
        running += self.hosts.stop()
        if executor is None:
            return
        _done, left = futures.wait(
            running, timeout=CONF.conductor.graceful_shutdown_timeout)
        if left:
            LOG.warning('Conductor %(host)s stops with %(count)d '
                        'migration(s) under way; the other conductors '
                        'take them over', {'host': self.host,
                                           'count': len(left)})
        executor.shutdown(wait=False)

    @messaging.expected_exceptions(exception.CloudNotFound)
    def validate_cloud(self, context, cloud_uuid: str) -> dict:
        cloud = db_api.get_cloud(cloud_uuid)
        LOG.info('Validating cloud %(name)s (%(uuid)s)',
                 {'name': cloud.name, 'uuid': cloud.uuid})
        result = cloud_check.check(cloud)
        LOG.info('Cloud %(name)s is %(state)s%(reason)s',
                 {'name': cloud.name,
                  'state': 'valid' if result['valid'] else 'not valid',
                  'reason': '' if result['valid']
                  else f": {result['reason']}"})
        result['conductor'] = self.host
        return result

    def plan_migration(self, context, migration_uuid: str) -> None:
        """Discover and plan a migration in ``planning`` (1.1)."""
        self.start_work(migration_uuid, (states.PLANNING,))

    def run_migration(self, context, migration_uuid: str) -> None:
        """Apply and verify a migration in ``running`` (1.1)."""
        self.start_work(migration_uuid, (states.RUNNING,))

    def reassign_host(self, context, host_uuid: str) -> None:
        """Take a host to its target (1.2)."""
        self.hosts.start_work(host_uuid)

    def take_over_hosts(self) -> list[str]:
        return self.hosts.take_over()

    def take_over_migrations(self) -> list[str]:
        """Resume the active migrations no live conductor works on.

        Those of a conductor that stopped heart-beating, those with no
        conductor (a cast that reached none, or that a busy conductor
        turned down) and this conductor's own after a restart. Returns the
        UUIDs of the migrations taken.
        """
        live = db_api.list_live_conductors()
        taken = []
        for migration in migration_api.list_migrations(
                states=states.ACTIVE_STATES):
            owner = migration.conductor
            if owner in live and owner != self.host:
                continue
            if owner is None:
                reason = 'no conductor had it'
            elif owner == self.host:
                reason = 'it had it before it was restarted'
            else:
                reason = f'conductor {owner} stopped heart-beating'
            if self.start_work(migration.uuid, states.ACTIVE_STATES,
                               live=live, reason=reason):
                taken.append(migration.uuid)
        return taken

    def start_work(self, migration_uuid: str, expected: tuple[str, ...],
                   live: list[str] | None = None,
                   reason: str | None = None) -> bool:
        """Reserve a migration and work on it in the background.

        Nothing happens (False) when this conductor already works on it or
        has no free worker, when another live conductor has it, or when it
        is no longer in one of the ``expected`` states.
        """
        with self._lock:
            if self._executor is None or migration_uuid in self._working:
                return False
            if len(self._working) >= CONF.conductor.workers:
                LOG.info('Every worker of conductor %(host)s is busy; '
                         'migration %(uuid)s is left for the take-over',
                         {'host': self.host, 'uuid': migration_uuid})
                return False
            self._working[migration_uuid] = None
        try:
            migration = migration_api.reserve_migration(
                migration_uuid, self.host,
                db_api.list_live_conductors() if live is None else live)
        except (exception.MigrationNotFound, exception.MigrationBusy) as e:
            LOG.info('Conductor %(host)s leaves migration %(uuid)s: %(err)s',
                     {'host': self.host, 'uuid': migration_uuid, 'err': e})
            self._forget(migration_uuid)
            return False
        except Exception:
            self._forget(migration_uuid)
            raise
        if migration.state not in expected:
            LOG.info('Migration %(uuid)s is %(state)s: nothing to do',
                     {'uuid': migration_uuid, 'state': migration.state})
            self._finish(migration_uuid)
            return False
        if reason:
            message = (f'Conductor {self.host} takes the migration over '
                       f'({migration.state}): {reason}')
            LOG.info('%(message)s: %(uuid)s',
                     {'message': message, 'uuid': migration_uuid})
            migration_api.add_event(migration.id, 'takeover', message,
                                    level='WARNING', conductor=self.host)
        workers = int(migration.options.get('apply_workers')
                      or CONF.conductor.apply_workers)
        with self._lock:
            if self._executor is None:  # stopping meanwhile
                self._working.pop(migration_uuid, None)
                return False
            self._working[migration_uuid] = self._executor.submit(
                self._work, migration_uuid, migration.state, workers)
        return True

    def _work(self, migration_uuid: str, state: str, workers: int) -> None:
        try:
            if state == states.PLANNING:
                runner.plan(migration_uuid)
            elif state == states.RUNNING:
                runner.run(migration_uuid, workers=workers, owner=self.host)
            else:
                self._verify_again(migration_uuid)
        except Exception as e:
            LOG.warning('Migration %(uuid)s stopped: %(err)s',
                        {'uuid': migration_uuid, 'err': e},
                        exc_info=not isinstance(e, _EXPECTED))
            self._fail_if_active(migration_uuid, e)
        finally:
            self._finish(migration_uuid)

    def _verify_again(self, migration_uuid: str) -> None:
        """Verify a migration whose verification was interrupted."""
        migration = migration_api.get_migration(migration_uuid)
        migration_api.add_event(migration.id, 'verify',
                                'Verification was interrupted; verifying '
                                'again', level='WARNING',
                                conductor=self.host)
        runner.verify(migration_uuid)

    def _fail_if_active(self, migration_uuid: str, error: Exception) -> None:
        """Mark failed a migration the engine left in an active state.

        Otherwise the take-over would resume it again and again.
        """
        try:
            migration = migration_api.get_migration(migration_uuid)
            if migration.state not in states.ACTIVE_STATES:
                return
            message = (str(error) or type(error).__name__)[:4000]
            migration_api.update_migration(
                migration_uuid, {'state': states.FAILED,
                                 'last_error': message,
                                 'finished_at': timeutils.utcnow()},
                expected_state=migration.state)
            migration_api.add_event(migration.id, 'failed', message,
                                    level='ERROR', conductor=self.host)
        except Exception:
            LOG.exception('Could not mark migration %s failed',
                          migration_uuid)

    def _finish(self, migration_uuid: str) -> None:
        try:
            migration_api.release_migration(migration_uuid, self.host)
        except Exception:
            # Left reserved by a live conductor until it restarts or dies;
            # then its take-over or another's resumes it.
            LOG.exception('Could not release migration %s', migration_uuid)
        self._forget(migration_uuid)

    def _forget(self, migration_uuid: str) -> None:
        with self._lock:
            self._working.pop(migration_uuid, None)
