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

"""JSON schemas of /v1/hosts."""

from pumphouse.api.schemas import common
from pumphouse.hosts import evacuation_plan
from pumphouse.hosts import states

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_MAC = {'type': 'string',
        'pattern': r'^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}\Z'}
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
        'name': common.HOST_NAME,
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
    'examples': [{'name': 'compute-1', 'source': 'old-cloud',
                  'destination': 'new-cloud',
                  'macs': ['52:54:00:12:34:56'],
                  'power': {'driver': 'ipmi', 'info': {
                      'address': '192.0.2.10', 'username': 'admin',
                      'password': 'secret'}}}],
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

#: The operator's choice for servers an evacuation cannot place, by
#: server id or name (1.2).
_CHOICES = {
    'type': 'object',
    'maxProperties': 1000,
    'propertyNames': {'minLength': 1, 'maxLength': 255},
    'additionalProperties': {'type': 'string',
                             'enum': list(evacuation_plan.CHOICES)},
}

state_request_1_2 = dict(state_request, properties=dict(
    state_request['properties'], servers=_CHOICES))

plan_request = {
    'type': 'object',
    'properties': {
        'target': {'type': 'string', 'enum': [states.EVACUATED,
                                              states.IN_DESTINATION]},
        'to_destination': {'type': 'boolean'},
        'servers': _CHOICES,
    },
    'additionalProperties': False,
}

list_query = common.list_query(['id', 'name', 'state', 'created_at',
                                 'updated_at'], source=_STR)

operations_query = {
    'type': 'object',
    'properties': {'after': {'type': 'string', 'pattern': r'^[0-9]{1,18}\Z'},
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
        'info_error': _NULLABLE_STR,
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

_STRINGS = {'type': 'array', 'items': {'type': 'string'}}
_RULED = {
    'type': 'object',
    'properties': {'host': {'type': 'string'}, 'rule': {'type': 'string'},
                   'reason': {'type': 'string'}},
    'required': ['rule', 'reason'],
    'additionalProperties': False,
}
_NULLABLE_OBJECT = {'type': ['object', 'null']}

plan_server = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string'},
        'name': _NULLABLE_STR,
        'status': {'type': 'string'},
        'method': _NULLABLE_STR,
        'resources': {'type': 'object',
                      'additionalProperties': {'type': 'integer'}},
        'availability_zone': _NULLABLE_STR,
        'server_group': _NULLABLE_OBJECT,
        'volumes': {'type': 'array', 'items': {'type': 'object'}},
        'candidates': _STRINGS,
        'excluded': {'type': 'array', 'items': _RULED},
        'target': _NULLABLE_STR,
        'choice': {'type': ['string', 'null'],
                   'enum': [*evacuation_plan.CHOICES, None]},
        'action': {'type': 'string', 'enum': [
            *evacuation_plan.CHOICES, evacuation_plan.MOVE,
            evacuation_plan.BLOCKED]},
        'reason': _NULLABLE_STR,
        'notes': _STRINGS,
    },
    'required': ['id', 'status', 'candidates', 'excluded', 'target',
                 'action'],
    'additionalProperties': False,
}

plan_host = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'zone': _NULLABLE_STR,
        'status': _NULLABLE_STR,
        'state': _NULLABLE_STR,
        'out': {'type': 'array', 'items': _RULED},
        'free': _NULLABLE_OBJECT,
        'free_after': _NULLABLE_OBJECT,
        'servers': _STRINGS,
    },
    'required': ['name', 'out'],
    'additionalProperties': False,
}

evacuation_plan_view = {
    'type': 'object',
    'properties': {
        'host': {'type': 'string'},
        'target': {'type': 'string'},
        'created_at': {'type': 'string'},
        'feasible': {'type': 'boolean'},
        'servers': {'type': 'array', 'items': plan_server},
        'hosts': {'type': 'array', 'items': plan_host},
        'notes': _STRINGS,
        'links': common.LINKS,
    },
    'required': ['host', 'feasible', 'servers', 'hosts'],
    'additionalProperties': False,
}
