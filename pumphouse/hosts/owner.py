"""A process that works on hosts outside a conductor (the command line)
shows it is alive the way conductors do, so that no conductor's take-over
runs the same host (or its evacuation migration) at the same time, and
one does take it over if the process dies."""

import contextlib
import os
import socket
import threading
from collections.abc import Iterator

from oslo_log import log

from pumphouse.conf import CONF
from pumphouse.db import api as db_api

LOG = log.getLogger(__name__)


@contextlib.contextmanager
def heartbeating(kind: str = 'cli') -> Iterator[str]:
    """A live owner name (registered and heart-beating) for the block."""
    name = f'{kind}-{socket.gethostname()}-{os.getpid()}'
    db_api.register_conductor(name, update_existing=True)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(CONF.conductor.heartbeat_interval):
            try:
                db_api.touch_conductor(name)
            except Exception:
                LOG.exception('Heartbeat of %s failed', name)

    thread = threading.Thread(target=beat, name='owner-heartbeat',
                              daemon=True)
    thread.start()
    try:
        yield name
    finally:
        stop.set()
        thread.join(5)
        db_api.unregister_conductor(name)
