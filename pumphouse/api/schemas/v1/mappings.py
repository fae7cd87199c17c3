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

"""JSON schemas of /v1/mappings."""

from pumphouse.api.schemas import common

_STR = {'type': 'string', 'minLength': 1, 'maxLength': 255}

list_query = {
    'type': 'object',
    'properties': {
        'source_cloud': _STR,
        'destination_cloud': _STR,
        'type': {'type': 'string', 'pattern': r'^[a-z_]+\.[a-z_]+\Z',
                 'maxLength': 64},
        'source_id': _STR,
        'limit': common.LIMIT,
        'marker': {'type': 'string', 'pattern': r'^[0-9]{1,18}\Z'},
    },
    'additionalProperties': False,
}

mapping = {
    'type': 'object',
    'properties': {
        'id': {'type': 'integer'},
        'source_cloud': common.UUID,
        'destination_cloud': common.UUID,
        'resource_type': {'type': 'string'},
        'source_id': {'type': 'string'},
        'destination_id': {'type': 'string'},
        'migration': {'type': ['string', 'null']},
        'created_at': common.TIMESTAMP,
        'updated_at': common.TIMESTAMP,
    },
    'required': ['id', 'source_cloud', 'destination_cloud',
                 'resource_type', 'source_id', 'destination_id',
                 'migration', 'created_at', 'updated_at'],
    'additionalProperties': False,
}

mapping_list = common.paged_list('mappings', mapping)
