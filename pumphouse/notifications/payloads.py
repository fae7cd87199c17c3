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

"""The payloads of the versioned notifications and their JSON schemas.

A payload is wrapped as nova's and ironic's versioned payloads are, so
that their consumers read it the same way::

    {"pumphouse_object.name": "MigrationStatePayload",
     "pumphouse_object.namespace": "pumphouse",
     "pumphouse_object.version": "1.0",
     "pumphouse_object.data": {...}}

A payload type's fields and their JSON schemas are in :data:`PAYLOADS`;
the documentation's tables are made from them. Adding a field is a minor
version (1.0 -> 1.1), changing or removing one a major version; a unit
test holds a fingerprint of each schema and fails until the version is
bumped with it. The fields are facts a consumer may show anyone who may
see the migration or host: no credentials, no driver info, error texts
with any credentials masked.
"""

import dataclasses
import datetime

from pumphouse.common import masking

NAMESPACE = 'pumphouse'
PREFIX = f'{NAMESPACE}_object'

_UUID = {'type': 'string',
         'pattern': '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                    '[0-9a-f]{12}$'}
_TIME = {'type': ['string', 'null'], 'format': 'date-time'}
_TEXT = {'type': ['string', 'null']}


def _nullable(schema: dict) -> dict:
    """``schema`` or null (an enum gets null among its values)."""
    schema = dict(schema)
    kind = schema.get('type')
    if isinstance(kind, str):
        schema['type'] = [kind, 'null']
    if 'enum' in schema:
        schema['enum'] = [*schema['enum'], None]
    return schema


def _cloud(nullable: bool = False) -> dict:
    schema = {
        'type': 'object',
        'properties': {
            'uuid': dict(_UUID, description='The cloud\'s UUID.'),
            'name': {'type': 'string',
                     'description': 'The name it is registered under.'}},
        'required': ['uuid', 'name'],
        'additionalProperties': False,
    }
    return _nullable(schema) if nullable else schema


@dataclasses.dataclass(frozen=True)
class Field:
    """A field of a payload: its JSON schema (with a description)."""

    schema: dict
    description: str

    def json_schema(self) -> dict:
        return dict(self.schema, description=self.description)


@dataclasses.dataclass(frozen=True)
class PayloadType:
    """A versioned payload: its name, version and fields."""

    name: str
    version: str
    description: str
    fields: dict[str, Field]

    def data_schema(self) -> dict:
        return {
            'type': 'object',
            'properties': {name: field.json_schema()
                           for name, field in self.fields.items()},
            'required': list(self.fields),
            'additionalProperties': False,
        }

    def schema(self) -> dict:
        """The JSON schema of the whole payload (the wrapper and its
        data); a consumer of this major version accepts every minor
        one."""
        major = self.version.split('.')[0]
        return {
            '$schema': 'https://json-schema.org/draft/2020-12/schema',
            'title': self.name,
            'description': self.description,
            'type': 'object',
            'properties': {
                f'{PREFIX}.name': {'const': self.name},
                f'{PREFIX}.namespace': {'const': NAMESPACE},
                f'{PREFIX}.version': {'type': 'string',
                                      'pattern': rf'^{major}\.[0-9]+$'},
                f'{PREFIX}.data': self.data_schema(),
            },
            'required': [f'{PREFIX}.name', f'{PREFIX}.namespace',
                         f'{PREFIX}.version', f'{PREFIX}.data'],
            'additionalProperties': False,
        }

    def wrap(self, data: dict) -> dict:
        return {f'{PREFIX}.name': self.name,
                f'{PREFIX}.namespace': NAMESPACE,
                f'{PREFIX}.version': self.version,
                f'{PREFIX}.data': data}


def _state_fields(states: tuple[str, ...], what: str) -> dict[str, Field]:
    state = {'type': 'string', 'enum': list(states)}
    return {
        'old_state': Field(_nullable(state),
                           f'The state the {what} left; null when it was '
                           'just created.'),
        'new_state': Field(state, f'The state the {what} is in now.'),
    }


def migration_state_type() -> PayloadType:
    """``MigrationStatePayload``, of ``migration.state.update``."""
    # Imported here: the states are the engine's, the payloads' module
    # must stay importable by the documentation alone.
    from pumphouse.engine import states  # noqa: PLC0415

    return PayloadType(
        name='MigrationStatePayload', version='1.0',
        description='A migration changed state (or was created).',
        fields={
            'uuid': Field(_UUID, 'The migration\'s UUID.'),
            'name': Field(_TEXT, 'Its name, if it was given one.'),
            'project_id': Field({'type': 'string'},
                                'The project that owns the migration.'),
            'user_id': Field(_TEXT, 'The user who created it.'),
            'source': Field(_cloud(), 'The source cloud.'),
            'destination': Field(_cloud(), 'The destination cloud.'),
            **_state_fields(states.STATES, 'migration'),
            'conductor': Field(_TEXT, 'The conductor (or command) that '
                                      'holds the migration, if any.'),
            'last_error': Field(_TEXT, 'Why it failed, when it did '
                                       '(credentials masked).'),
            'created_at': Field(_TIME, 'When it was created (UTC, ISO '
                                       '8601).'),
            'updated_at': Field(_TIME, 'When it last changed (UTC).'),
            'started_at': Field(_TIME, 'When it was first started (UTC).'),
            'finished_at': Field(_TIME, 'When it last finished or was '
                                        'cancelled (UTC).'),
        })


def host_state_type() -> PayloadType:
    """``HostStatePayload``, of ``host.state.update``."""
    from pumphouse.hosts import states  # noqa: PLC0415

    target = {'type': 'string', 'enum': list(states.TARGETS)}
    step = {'type': 'string',
            'enum': [s for s, _from, _to in states.STEPS] + [states.ENABLE]}
    return PayloadType(
        name='HostStatePayload', version='1.0',
        description='A hypervisor host changed state (or was registered).',
        fields={
            'uuid': Field(_UUID, 'The host\'s UUID.'),
            'name': Field({'type': 'string'},
                          'Its name (the hypervisor\'s host name).'),
            'source': Field(_cloud(), 'The source cloud.'),
            'destination': Field(_cloud(nullable=True),
                                 'The destination cloud; null when none is '
                                 'registered yet.'),
            **_state_fields(states.STATES, 'host'),
            'target': Field(_nullable(target), 'Where the host is on its '
                                                'way to; null when it is '
                                                'not on its way.'),
            'failed_step': Field(_nullable(step), 'The step that failed, '
                                                  'when it is failed.'),
            'conductor': Field(_TEXT, 'The conductor (or command) that '
                                      'holds the host, if any.'),
            'power_driver': Field(_TEXT, 'The name of its power driver '
                                         '(never its info).'),
            'provision_driver': Field(_TEXT, 'The name of its provision '
                                             'driver (never its info).'),
            'last_error': Field(_TEXT, 'Why its last step failed, when it '
                                       'did (credentials masked).'),
            'created_at': Field(_TIME, 'When it was registered (UTC, ISO '
                                       '8601).'),
            'updated_at': Field(_TIME, 'When it last changed (UTC).'),
        })


def _type_text(schema: dict) -> str:
    kind = schema.get('type', 'any')
    kinds = kind if isinstance(kind, list) else [kind]
    text = ' or '.join(kinds)
    if schema.get('format') == 'date-time':
        text = text.replace('string', 'date-time string')
    return text


def field_rows(payload_type: PayloadType) -> list[tuple[str, str, str, str]]:
    """(field, type, values, description) of each field of a payload's
    data, the fields of an object field as ``field.name``: the table of
    the documentation."""
    rows = []

    def add(name: str, schema: dict, description: str) -> None:
        values = ', '.join('null' if v is None else f'``{v}``'
                           for v in schema.get('enum', ()))
        rows.append((name, _type_text(schema), values, description))
        for sub, sub_schema in schema.get('properties', {}).items():
            add(f'{name}.{sub}', sub_schema,
                sub_schema.get('description', ''))

    for name, field in payload_type.fields.items():
        add(name, field.schema, field.description)
    return rows


def _time(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.isoformat()


def _cloud_data(cloud) -> dict | None:
    return None if cloud is None else {'uuid': cloud.uuid,
                                       'name': cloud.name}


def _error(text: str | None) -> str | None:
    return None if text is None else masking.mask_text(text)


def migration_state(old_state: str | None, migration, source,
                    destination) -> dict:
    """The payload of a migration (a row) that left ``old_state``;
    ``source`` and ``destination`` are its cloud rows."""
    return migration_state_type().wrap({
        'uuid': migration.uuid,
        'name': migration.name,
        'project_id': migration.project_id,
        'user_id': migration.user_id,
        'source': _cloud_data(source),
        'destination': _cloud_data(destination),
        'old_state': old_state,
        'new_state': migration.state,
        'conductor': migration.owner,
        'last_error': _error(migration.last_error),
        'created_at': _time(migration.created_at),
        'updated_at': _time(migration.updated_at),
        'started_at': _time(migration.started_at),
        'finished_at': _time(migration.finished_at),
    })


def host_state(old_state: str | None, host, source, destination) -> dict:
    """The payload of a host (a row) that left ``old_state``."""
    return host_state_type().wrap({
        'uuid': host.uuid,
        'name': host.name,
        'source': _cloud_data(source),
        'destination': _cloud_data(destination),
        'old_state': old_state,
        'new_state': host.state,
        'target': host.target,
        'failed_step': host.failed_step,
        'conductor': host.owner,
        'power_driver': host.power_driver,
        'provision_driver': host.provision_driver,
        'last_error': _error(host.last_error),
        'created_at': _time(host.created_at),
        'updated_at': _time(host.updated_at),
    })
