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
