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

"""JSON schemas of /v1/migrations."""

from pumphouse.api.schemas import common
from pumphouse.engine import planner
from pumphouse.engine import selection
from pumphouse.engine import states

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_NULLABLE_STR = {'type': ['string', 'null']}
_ID = {'type': 'string', 'pattern': r'^[0-9]{1,18}\Z'}

#: Names of pre-checks (``quota:demo:network.port``) or categories
#: (``quota``) the operator overrides.
CHECK_NAMES = {'type': 'array', 'maxItems': 100, 'uniqueItems': True,
               'items': {'type': 'string', 'minLength': 1, 'maxLength': 512,
                         'pattern': common.WORD}}

options = {
    'type': 'object',
    'properties': {
        'conflict_resolution': {'type': 'string',
                                'enum': list(planner.RESOLUTIONS)},
        'rename_suffix': {'type': 'string', 'minLength': 1,
                          'maxLength': 64, 'pattern': common.WORD},
        'password_mode': {'type': 'string',
                          'enum': ['reset', 'copy_hash']},
        'apply_workers': {'type': 'integer', 'minimum': 1, 'maximum': 64},
        'override_checks': CHECK_NAMES,
        'server_stop_mode': {'type': 'string',
                             'enum': ['suspend', 'stop']},
        'server_data_mode': {'type': 'string',
                             'enum': ['image', 'snapshot']},
        'server_cutover': {'type': 'string',
                           'enum': ['keep', 'stop', 'delete']},
    },
    'additionalProperties': False,
}

#: The workload of microversions 1.0 to 1.3: no ``stack`` kind, no
#: ``project``.
_WORKLOAD_1_0 = dict(
    selection.WORKLOAD_SCHEMA,
    properties={
        **{name: schema for name, schema
           in selection.WORKLOAD_SCHEMA['properties'].items()
           if name != 'project'},
        'kind': {'type': 'string', 'enum': [
            kind for kind in selection.WORKLOAD_KINDS if kind != 'stack']},
    })

create_request = {
    'type': 'object',
    'properties': {
        'name': common.NAME,
        'source': _STR,
        'destination': _STR,
        'workload': _WORKLOAD_1_0,
        'strategies': selection.STRATEGIES_SCHEMA,
        'supplementary': {'type': 'string',
                          'enum': list(selection.SUPPLEMENTARY_MODES)},
        'options': options,
    },
    'required': ['source', 'destination', 'workload'],
    'additionalProperties': False,
    'examples': [{'name': 'demo-project', 'source': 'old-cloud',
                  'destination': 'new-cloud',
                  'workload': {'kind': 'project', 'names': ['demo']}}],
}

#: 1.4: the ``stack`` workload kind and the workload's ``project``.
create_request_1_4 = dict(
    create_request,
    properties=dict(create_request['properties'],
                    workload=selection.WORKLOAD_SCHEMA),
    examples=[*create_request['examples'],
              {'name': 'web-stacks', 'source': 'old-cloud',
               'destination': 'new-cloud',
               'workload': {'kind': 'stack', 'names': ['web', 'db'],
                            'project': 'demo', 'domain': 'Default'}}])

state_request = {
    'type': 'object',
    'properties': {
        'target': {'type': 'string',
                   'enum': [states.RUNNING, states.PLANNING,
                            states.CANCELLED]},
        'override_checks': CHECK_NAMES,
    },
    'required': ['target'],
    'additionalProperties': False,
}

list_query = common.list_query(
    ['id', 'name', 'state', 'created_at', 'updated_at'],
    state={'type': 'string', 'enum': list(states.STATES)})

plan_query = {
    'type': 'object',
    'properties': {'format': {'type': 'string', 'enum': ['json', 'dot']}},
    'additionalProperties': False,
}

events_query = {
    'type': 'object',
    'properties': {'after': _ID, 'limit': common.LIMIT},
    'additionalProperties': False,
}

_COUNTS = {'type': 'object', 'additionalProperties': {'type': 'integer'}}

#: Pre-check results as a migration and its plan show them.
checks = {'type': 'array', 'items': {
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'category': {'type': 'string'},
        'status': {'type': 'string', 'enum': ['passed', 'warning', 'failed']},
        'message': {'type': 'string'},
        'needed': {'type': 'integer'},
        'available': {'type': 'integer'},
        'overridden': {'type': 'boolean'},
    },
    'required': ['name', 'category', 'status', 'message'],
    'additionalProperties': False}}

_SECONDS = {'type': ['integer', 'null'], 'minimum': 0}
_RANGE = {'type': 'array', 'items': {'type': 'number', 'minimum': 0},
          'minItems': 2, 'maxItems': 2}

#: How long the plan was expected to take when it was made
#: (pumphouse.engine.estimate); null for a plan made before estimates.
estimate = {
    'type': ['object', 'null'],
    'description': 'How long the plan should take, from `low_s` to '
                   '`high_s` seconds, and what that comes from: `basis` '
                   '`history` (learnt from earlier migrations between the '
                   'same clouds), `defaults` (the [estimate] ranges) or '
                   '`partial`; `limited_by` the bound that decided it '
                   '(`workers`, `transfers`, `host`, `critical_path`); '
                   '`calibration` (null if none) how the latest completed '
                   'migrations between the same clouds corrected it: '
                   'each one\'s actual apply time over the estimate the '
                   'same costs give for its own plan (`ratios`, newest '
                   'first), the median `scale` the middle of the model\'s '
                   'range (`model_low_s` to `model_high_s`) is scaled by, '
                   'and the `range` of ratios `low_s` and `high_s` come '
                   'from; '
                   '`per_type` the items, bytes and work seconds of each '
                   'resource type; `costs` what one item of each type and '
                   'action costs (fixed seconds, transfer rate in bytes '
                   'per second).',
    'properties': {
        'made_at': {'type': 'string'},
        'low_s': {'type': 'integer', 'minimum': 0},
        'high_s': {'type': 'integer', 'minimum': 0},
        'basis': {'type': 'string',
                  'enum': ['history', 'partial', 'defaults']},
        'limited_by': {'type': 'object',
                       'additionalProperties': {'type': 'string'}},
        'calibration': {
            'type': ['object', 'null'],
            'properties': {
                'migrations': {'type': 'integer', 'minimum': 1},
                'scale': {'type': 'number', 'minimum': 0},
                'range': _RANGE,
                'ratios': {'type': 'array',
                           'items': {'type': 'number', 'minimum': 0}},
                'model_low_s': {'type': 'integer', 'minimum': 0},
                'model_high_s': {'type': 'integer', 'minimum': 0}},
            'required': ['migrations', 'scale', 'range']},
        'items': {'type': 'integer'},
        'bytes': {'type': 'integer'},
        'history': {'type': 'object',
                    'properties': {'migrations': {'type': 'integer'},
                                   'items': {'type': 'integer'}}},
        'parallelism': {'type': 'object',
                        'additionalProperties': {'type': 'integer'}},
        'per_type': {'type': 'object', 'additionalProperties': {
            'type': 'object',
            'properties': {'items': {'type': 'integer'},
                           'bytes': {'type': 'integer'},
                           'work_low_s': {'type': 'number'},
                           'work_high_s': {'type': 'number'},
                           'basis': {'type': 'string'}}}},
        'costs': {'type': 'object', 'additionalProperties': {
            'type': 'object',
            'properties': {'fixed_s': _RANGE,
                           'rate_bps': {'oneOf': [_RANGE,
                                                  {'type': 'null'}]},
                           'basis': {'type': 'string'},
                           'samples': {'type': 'integer'}}}},
    },
    'required': ['low_s', 'high_s', 'basis'],
}

#: A migration's time: elapsed and left (pumphouse.engine.estimate).
timing = {
    'type': 'object',
    'description': 'Seconds since the migration started (`elapsed_s`, to '
                   'its end once it is over) and the seconds left, from '
                   '`remaining_low_s` to `remaining_high_s`: the items not '
                   'done yet re-estimated, scaled by `scale` (how much '
                   'longer than estimated the `observed_items` done so '
                   'far took; null until enough are done). Null while it '
                   'is being planned.',
    'properties': {
        'elapsed_s': _SECONDS,
        'remaining_low_s': _SECONDS,
        'remaining_high_s': _SECONDS,
        'scale': {'type': ['number', 'null']},
        'observed_items': {'type': 'integer'},
    },
    'required': ['elapsed_s', 'remaining_low_s', 'remaining_high_s',
                 'scale', 'observed_items'],
    'additionalProperties': False,
}

migration = {
    'type': 'object',
    'properties': {
        'uuid': common.UUID,
        'name': _NULLABLE_STR,
        'project_id': {'type': 'string'},
        'user_id': _NULLABLE_STR,
        'source': common.UUID,
        'destination': common.UUID,
        'workload': selection.WORKLOAD_SCHEMA,
        'strategies': selection.STRATEGIES_SCHEMA,
        'supplementary': {'type': 'string'},
        'options': {'type': 'object'},
        'state': {'type': 'string', 'enum': list(states.STATES)},
        'conductor': _NULLABLE_STR,
        'last_error': _NULLABLE_STR,
        'created_at': common.TIMESTAMP,
        'updated_at': common.TIMESTAMP,
        'started_at': common.TIMESTAMP,
        'finished_at': common.TIMESTAMP,
        # Only when one migration is shown:
        'items': {
            'type': 'object',
            'properties': {'total': {'type': 'integer'},
                           'by_state': _COUNTS, 'by_action': _COUNTS},
            'required': ['total', 'by_state', 'by_action'],
            'additionalProperties': False,
        },
        'passwords_available': {'type': 'integer'},
        'report_available': {'type': 'boolean'},
        'checks': checks,
        'estimate': estimate,
        'time': timing,
        'links': common.LINKS,
    },
    'required': ['uuid', 'name', 'project_id', 'user_id', 'source',
                 'destination', 'workload', 'strategies', 'supplementary',
                 'options', 'state', 'conductor', 'last_error', 'created_at',
                 'updated_at', 'started_at', 'finished_at', 'links'],
    'additionalProperties': False,
}

migration_list = common.paged_list('migrations', migration)

plan_item = {
    'type': 'object',
    'properties': {
        'id': {'type': 'integer'},
        'resource_type': {'type': 'string'},
        'source_id': {'type': 'string'},
        'source_name': _NULLABLE_STR,
        'action': {'type': 'string', 'enum': list(planner.ACTIONS)},
        'state': {'type': 'string'},
        'destination_id': _NULLABLE_STR,
        'depends_on': {'type': 'array', 'items': {'type': 'integer'}},
        'attempts': {'type': 'integer'},
        'error': _NULLABLE_STR,
        'bytes_done': {'type': 'integer', 'minimum': 0},
        'bytes_total': {'type': ['integer', 'null'], 'minimum': 0},
        'differences': {'type': 'object'},
        'note': {'type': 'string'},
        'renamed_from': _NULLABLE_STR,
    },
    'required': ['id', 'resource_type', 'source_id', 'source_name',
                 'action', 'state', 'destination_id', 'depends_on',
                 'attempts', 'error', 'bytes_done', 'bytes_total'],
    'additionalProperties': False,
}

plan = {
    'type': 'object',
    'properties': {'items': {'type': 'array', 'items': plan_item},
                   'checks': checks,
                   'estimate': estimate},
    'required': ['items', 'checks', 'estimate'],
    'additionalProperties': False,
}

event = {
    'type': 'object',
    'properties': {
        'id': {'type': 'integer'},
        'created_at': common.TIMESTAMP,
        'level': {'type': 'string'},
        'event_type': {'type': 'string'},
        'message': {'type': 'string'},
        'plan_item_id': {'type': ['integer', 'null']},
        'conductor': _NULLABLE_STR,
    },
    'required': ['id', 'created_at', 'level', 'event_type', 'message',
                 'plan_item_id', 'conductor'],
    'additionalProperties': False,
}

event_list = common.paged_list('events', event)

_REPORT_ENTRY = {
    'type': 'object',
    'properties': {
        'resource_type': {'type': 'string'},
        'source_id': {'type': 'string'},
        'name': _NULLABLE_STR,
        'destination_id': _NULLABLE_STR,
    },
    'required': ['resource_type', 'source_id', 'name', 'destination_id'],
}

report = {
    'type': 'object',
    'properties': {
        'checked': {'type': 'integer'},
        'differences': {'type': 'array', 'items': _REPORT_ENTRY},
        'not_migrated': {'type': 'array', 'items': _REPORT_ENTRY},
    },
    'required': ['checked', 'differences', 'not_migrated'],
}

passwords = {
    'type': 'object',
    'properties': {
        'passwords': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'user_id': {'type': 'string'},
                    'source_user_id': {'type': 'string'},
                    'name': {'type': 'string'},
                    'domain_name': _NULLABLE_STR,
                    'password': {'type': 'string'},
                },
                'required': ['user_id', 'source_user_id', 'name',
                             'domain_name', 'password'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['passwords'],
    'additionalProperties': False,
}
