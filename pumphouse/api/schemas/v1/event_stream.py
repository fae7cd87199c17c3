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

"""JSON schemas of a migration's event stream (``/event-stream``)."""

from pumphouse.api.schemas.v1 import migrations

_NULLABLE_STR = {'type': ['string', 'null']}
_COUNTS = {'type': 'object', 'additionalProperties': {'type': 'integer'}}

stream_query = {
    'type': 'object',
    'properties': {
        'after': {'type': 'string', 'pattern': r'^[0-9]{1,18}\Z',
                  'description': 'Send the events after this id (else '
                                 'after the Last-Event-ID header; else '
                                 'all).'},
        'timeout': {'type': 'string',
                    'pattern': r'^([1-9][0-9]?|[12][0-9]{2}|300)\Z',
                    'description': 'Seconds the stream stays open at most '
                                   '(1 to 300; 60).'},
    },
    'additionalProperties': False,
}

_ITEM = {
    'type': 'object',
    'properties': {
        'id': {'type': 'integer'},
        'resource_type': {'type': 'string'},
        'source_name': _NULLABLE_STR,
        'state': {'type': 'string'},
        'bytes_done': {'type': 'integer'},
        'bytes_total': {'type': ['integer', 'null']},
        'error': _NULLABLE_STR,
    },
    'required': ['id', 'resource_type', 'source_name', 'state',
                 'bytes_done', 'bytes_total', 'error'],
    'additionalProperties': False,
}

#: The data of a ``progress`` event.
progress = {
    'type': 'object',
    'properties': {
        'state': {'type': 'string'},
        'last_error': _NULLABLE_STR,
        'started_at': _NULLABLE_STR,
        'finished_at': _NULLABLE_STR,
        'report_available': {'type': 'boolean'},
        'items': {
            'type': 'object',
            'properties': {'total': {'type': 'integer'},
                           'by_state': _COUNTS, 'by_action': _COUNTS},
            'required': ['total', 'by_state', 'by_action'],
            'additionalProperties': False},
        'bytes_done': {'type': 'integer'},
        'bytes_total': {'type': 'integer'},
        'running': {'type': 'array', 'items': _ITEM},
        'failed': {'type': 'array', 'items': _ITEM},
        'time': migrations.timing,
    },
    'required': ['state', 'last_error', 'started_at', 'finished_at',
                 'report_available', 'items', 'bytes_done', 'bytes_total',
                 'running', 'failed', 'time'],
    'additionalProperties': False,
}

#: One server-sent event of the stream (``text/event-stream``), its
#: fields as a client parses them.
server_sent_event = {
    'type': 'object',
    'description': 'A server-sent event: `event` (an event as in '
                   '/events, with its id), `progress` (a progress '
                   'snapshot) or `end` (why the stream ends, after which '
                   'a client reconnects with Last-Event-ID if it wants '
                   'more); `data` is JSON (see `event_stream.frames`).',
    'properties': {
        'event': {'type': 'string', 'enum': ['event', 'progress', 'end']},
        'data': {'type': 'string'},
        'id': {'type': 'string', 'pattern': r'^[0-9]*\Z'},
        'retry': {'type': ['integer', 'string']},
    },
}

#: What the frames of a stream carry, by event name.
frames = {
    'type': 'object',
    'description': 'The data of the frames of a text/event-stream (never '
                   'sent as JSON): `event` frames carry an event, '
                   '`progress` frames a progress snapshot, `end` frames '
                   'why the stream ends.',
    'properties': {
        'event': migrations.event,
        'progress': progress,
        'end': {'type': 'object',
                'properties': {
                    'reason': {'type': 'string',
                               'enum': ['idle', 'timeout', 'deleted']},
                    'state': _NULLABLE_STR},
                'required': ['reason', 'state']},
    },
}
