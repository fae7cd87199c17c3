"""JSON schemas of /v1/hosts."""

from pumphouse.api.schemas import common
from pumphouse.hosts import states

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
         'pattern': r'^[^\s/]+$'}
_MAC = {'type': 'string',
        'pattern': '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$'}
_DRIVER = {
    'type': 'object',
    'properties': {'driver': {'type': 'string', 'minLength': 1,
                              'maxLength': 64},
                   'info': {'type': 'object'}},
    'required': ['driver'],
    'additionalProperties': False,
}
_OPTIONS = {
    'type': 'object',
    'properties': {
        'to_destination': {'type': 'boolean'},
        'aggregate': _STR,
        'cold_fallback': {'type': 'boolean'},
        'migration_options': {'type': 'object'},
    },
    'additionalProperties': False,
}

register_request = {
    'type': 'object',
    'properties': {
        'name': _NAME,
        'source': _STR,
        'destination': _STR,
        'power': _DRIVER,
        'provision': _DRIVER,
        'macs': {'type': 'array', 'items': _MAC, 'maxItems': 64,
                 'uniqueItems': True},
        'options': _OPTIONS,
    },
    'required': ['name', 'source'],
    'additionalProperties': False,
}

update_request = {
    'type': 'object',
    'properties': {k: register_request['properties'][k]
                   for k in ('destination', 'power', 'provision', 'macs',
                             'options')},
    'minProperties': 1,
    'additionalProperties': False,
}

delete_query = {
    'type': 'object',
    'properties': {'force': {'type': 'string', 'enum': ['true', 'false']}},
    'additionalProperties': False,
}

state_request = {
    'type': 'object',
    'properties': {
        'target': {'type': 'string', 'enum': list(states.TARGETS)},
        'to_destination': {'type': 'boolean'},
    },
    'required': ['target'],
    'additionalProperties': False,
}

list_query = common.list_query(['id', 'name', 'state', 'created_at',
                                 'updated_at'], source=_STR)

operations_query = {
    'type': 'object',
    'properties': {'after': {'type': 'string', 'pattern': '^[0-9]{1,18}$'},
                   'limit': common.LIMIT},
    'additionalProperties': False,
}

_PUBLIC_DRIVER = {
    'type': ['object', 'null'],
    'properties': {'driver': {'type': 'string'},
                   'info': {'type': 'object'}},
    'required': ['driver', 'info'],
    'additionalProperties': False,
}
_NULLABLE_STR = {'type': ['string', 'null']}

host = {
    'type': 'object',
    'properties': {
        'uuid': common.UUID,
        'name': {'type': 'string'},
        'source': _NULLABLE_STR,
        'destination': _NULLABLE_STR,
        'state': {'type': 'string', 'enum': list(states.STATES)},
        'target': {'type': ['string', 'null']},
        'failed_step': _NULLABLE_STR,
        'last_error': _NULLABLE_STR,
        'conductor': _NULLABLE_STR,
        'power': _PUBLIC_DRIVER,
        'provision': _PUBLIC_DRIVER,
        'macs': {'type': 'array', 'items': {'type': 'string'}},
        'options': {'type': 'object'},
        'created_at': common.TIMESTAMP,
        'updated_at': common.TIMESTAMP,
        'links': common.LINKS,
    },
    'required': ['uuid', 'name', 'state', 'target', 'power', 'provision',
                 'links'],
    'additionalProperties': False,
}

host_list = common.paged_list('hosts', host)

operation = {
    'type': 'object',
    'properties': {
        'id': {'type': 'integer'},
        'step': {'type': 'string'},
        'state': {'type': 'string'},
        'level': {'type': 'string'},
        'message': _NULLABLE_STR,
        'conductor': _NULLABLE_STR,
        'created_at': common.TIMESTAMP,
    },
    'required': ['id', 'step', 'state', 'level', 'message'],
    'additionalProperties': False,
}

operation_list = {
    'type': 'object',
    'properties': {'operations': {'type': 'array', 'items': operation}},
    'required': ['operations'],
    'additionalProperties': False,
}
