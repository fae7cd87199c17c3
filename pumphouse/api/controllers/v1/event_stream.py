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

"""``GET /v1/migrations/{migration}/event-stream`` (microversion 1.3):
a migration's events and progress, live, as server-sent events.

The stream sends the events stored after ``after`` (or the
``Last-Event-ID`` header a reconnecting client sends), then, about every
second, the new ones and a ``progress`` snapshot whenever it changed
(item counts by state and action, bytes moved of images and volumes, the
items running and failed; its time, elapsed and left, which changes all
the time, at most every :data:`TIME_REFRESH` seconds on its own). It
ends, with an ``end`` event, once the migration is not being worked on
and nothing new came, or after ``timeout`` seconds: a client reconnects
with the last id it saw. A stream holds one thread of the API process:
at most ``[api] threads / 2`` are open at once, one more is answered 429
with ``Retry-After``.

A browser's ``EventSource`` cannot send ``X-Auth-Token``; the web UI reads
the stream with ``fetch``, which can.
"""

import collections
import json
import threading
import time
from collections.abc import Iterator

import pecan
import webob

from pumphouse.api import method
from pumphouse.api import validation
from pumphouse.api.controllers.v1 import migration_views as views
from pumphouse.api.schemas import validator
from pumphouse.api.schemas.v1 import event_stream as schemas
from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.db import migration_api
from pumphouse.engine import states

#: The first microversion with the stream.
STREAM_VERSION = (1, 3)
MEDIA_TYPE = 'text/event-stream'
#: Seconds between two looks at the database.
POLL_INTERVAL = 1.0
#: Seconds of silence after which a comment keeps proxies from closing.
KEEPALIVE = 15.0
#: Milliseconds a client waits before it reconnects.
RETRY_MS = 2000
#: How many running and failed items a snapshot names.
LISTED_ITEMS = 50
DEFAULT_TIMEOUT = 60
#: Seconds after which a snapshot whose only change is its time (elapsed,
#: left) is sent again.
TIME_REFRESH = 10.0


class TooManyStreams(exception.PumphouseException):
    _msg_fmt = ('%(count)s event streams are open on this API process, as '
                'many as it serves at once; try again in a moment, or '
                'read GET /v1/migrations/{migration}/events.')
    code = 429


class _StreamSlots:
    """How many streams this process holds open at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.busy = 0

    @staticmethod
    def limit() -> int:
        return max(1, CONF.api.threads // 2)

    def check(self) -> None:
        """TooManyStreams (429) when every slot is taken."""
        with self._lock:
            if self.busy >= self.limit():
                raise TooManyStreams(count=self.busy)

    def take(self) -> None:
        with self._lock:
            self.busy += 1

    def give_back(self) -> None:
        with self._lock:
            self.busy -= 1


slots = _StreamSlots()


def frame(event: str, data, ident: int | None = None) -> bytes:
    """One server-sent event (its JSON ``data`` on one line)."""
    lines = []
    if ident is not None:
        lines.append(f'id: {ident}')
    lines.append(f'event: {event}')
    text = json.dumps(validator.scrub(data), ensure_ascii=False,
                      separators=(',', ':'))
    lines.append(f'data: {text}')
    return ('\n'.join(lines) + '\n\n').encode('utf-8')


def _brief(item) -> dict:
    return {'id': item.id, 'resource_type': item.resource_type,
            'source_name': item.source_name, 'state': item.state,
            'bytes_done': item.bytes_done or 0,
            'bytes_total': item.bytes_total, 'error': item.error}


def progress(migration, items) -> dict:
    """What the progress page shows of a migration at this moment."""
    running = [i for i in items if i.state == 'running']
    failed = [i for i in items if i.state == 'failed']
    sized = [i for i in items if i.bytes_total]
    return {
        'state': migration.state,
        'last_error': migration.last_error,
        'started_at': views.timestamp(migration.started_at),
        'finished_at': views.timestamp(migration.finished_at),
        'report_available': bool(migration.report),
        'items': {
            'total': len(items),
            'by_state': dict(collections.Counter(i.state for i in items)),
            'by_action': dict(collections.Counter(i.action
                                                  for i in items))},
        'bytes_done': sum(i.bytes_done or 0 for i in sized),
        'bytes_total': sum(i.bytes_total for i in sized),
        'running': [_brief(i) for i in running[:LISTED_ITEMS]],
        'failed': [_brief(i) for i in failed[:LISTED_ITEMS]],
        'time': views.time_view(migration, items),
    }


def _steady(snapshot: dict) -> dict:
    """A snapshot without its time, which changes every second."""
    return {key: value for key, value in snapshot.items() if key != 'time'}


def frames(migration_id: int, uuid: str, after: int | None,
           timeout: float) -> Iterator[bytes]:
    """The frames of the stream of one migration."""
    yield f'retry: {RETRY_MS}\n\n'.encode()
    deadline = time.monotonic() + timeout
    last_sent = time.monotonic()
    last_progress = None
    last_progress_at = 0.0
    while True:
        try:
            events = migration_api.list_events(
                migration_id, after_id=after, limit=CONF.api.max_limit)
            migration = migration_api.get_migration(uuid)
        except exception.MigrationNotFound:
            yield frame('end', {'reason': 'deleted', 'state': None}, after)
            return
        for event in events:
            after = event.id
            yield frame('event', views.event_view(event), event.id)
        snapshot = progress(migration,
                            migration_api.list_plan_items(migration_id))
        if last_progress is None or _steady(snapshot) != _steady(
                last_progress) or (
                snapshot['time'] != last_progress['time'] and
                time.monotonic() - last_progress_at >= TIME_REFRESH):
            last_progress = snapshot
            yield frame('progress', snapshot, after)
            last_sent = last_progress_at = time.monotonic()
        elif events:
            last_sent = time.monotonic()
        if len(events) == CONF.api.max_limit:
            continue  # more are waiting: no pause
        if migration.state not in states.ACTIVE_STATES and not events:
            yield frame('end', {'reason': 'idle', 'state': migration.state},
                        after)
            return
        if time.monotonic() >= deadline:
            yield frame('end', {'reason': 'timeout',
                                'state': migration.state}, after)
            return
        if time.monotonic() - last_sent >= KEEPALIVE:
            last_sent = time.monotonic()
            yield b': keep-alive\n\n'
        time.sleep(POLL_INTERVAL)


def stream(migration_id: int, uuid: str, after: int | None,
           timeout: float) -> Iterator[bytes]:
    """The body of a stream response, holding a slot while it is read.

    A generator: Pecan peeks at its first frame (to tell an empty body)
    and the WSGI server sends each frame as it comes. Its slot is given
    back when it ends, or when it is closed or dropped unread (a client
    gone, a HEAD request).
    """
    slots.take()
    try:
        yield from frames(migration_id, uuid, after, timeout)
    finally:
        slots.give_back()


class EventStreamMixin:
    """The ``event-stream`` child of a migration's controller (which has
    ``ident`` and ``get_authorized(ident, action)``, the migration if
    the caller may do ``action`` on it)."""

    @pecan.expose(generic=True, route='event-stream')
    def event_stream(self):
        method.not_allowed()

    @event_stream.when(method='GET', content_type=MEDIA_TYPE)
    @validation.response_body(schemas.frames, media_types={
        MEDIA_TYPE: schemas.server_sent_event})
    @validation.query_schema(schemas.stream_query)
    @method.expose(min_version=STREAM_VERSION, errors={
        429: 'as many event streams as this API process serves are open; '
             'try again in a moment.'})
    def get_event_stream(self):
        """A migration's events and progress as server-sent events, until
        it is idle or ``timeout`` seconds have passed."""
        params = validation.query()
        migration = self.get_authorized(self.ident, 'events')
        after = params.get('after') or pecan.request.headers.get(
            'Last-Event-ID')
        try:
            after = int(after) if after not in (None, '') else None
        except ValueError:
            raise exception.InvalidParameterValue(
                reason='Last-Event-ID must be an event id') from None
        timeout = int(params.get('timeout', DEFAULT_TIMEOUT))
        slots.check()
        response = webob.Response(
            content_type=MEDIA_TYPE, charset='UTF-8',
            app_iter=stream(migration.id, migration.uuid, after, timeout))
        response.cache_control = 'no-store'
        # Proxies (nginx) would hold the stream back.
        response.headers['X-Accel-Buffering'] = 'no'
        return response
