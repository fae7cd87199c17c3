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

"""Adopt data of a migrated stack: source ids become the destination's."""

import copy
import json

from pumphouse.drivers.resources.orchestration import adopt_data

MAPPING = {'net-src': 'net-dst', 'port-src': 'port-dst',
           'srv-src': 'srv-dst', 'w0-src': 'w0-dst', 'w1-src': 'w1-dst',
           'img-src': 'img-dst'}


def abandoned():
    """An abandon document shaped as Heat writes it."""
    return {
        'name': 'app', 'id': 'stack-src', 'action': 'CREATE',
        'status': 'COMPLETE',
        'template': {'heat_template_version': '2018-08-31',
                     'resources': {}},
        'environment': {'parameters': {'image': 'img-src',
                                       'flavor': 'm1.tiny'},
                        'resource_registry': {'My::Worker': 'worker.yaml'}},
        'resources': {
            'net': {'type': 'OS::Neutron::Net', 'resource_id': 'net-src',
                    'action': 'CREATE', 'status': 'COMPLETE',
                    'metadata': {}, 'resource_data': {}},
            'server': {
                'type': 'OS::Nova::Server', 'resource_id': 'srv-src',
                'action': 'CREATE', 'status': 'COMPLETE', 'metadata': {},
                'resource_data': {'internal_ports': json.dumps(
                    [{'id': 'port-src', 'fixed_ips': []}])}},
            'secret': {'type': 'OS::Heat::RandomString',
                       'resource_id': 'zN9bGlgcXU55AQoNnvTb',
                       'resource_data': {'value': 'zN9bGlgcXU55AQoNnvTb'}},
            'workers': {
                'type': 'OS::Heat::ResourceGroup',
                'resource_id': 'nested-src', 'resource_data': {},
                'resources': {
                    '0': {'type': 'My::Worker', 'resource_id': 'tmpl-0',
                          'resources': {
                              'server': {'type': 'OS::Nova::Server',
                                         'resource_id': 'w0-src'}}},
                    '1': {'type': 'My::Worker', 'resource_id': 'tmpl-1',
                          'resources': {
                              'server': {'type': 'OS::Nova::Server',
                                         'resource_id': 'w1-src'}}}}},
            'volume': {'type': 'OS::Cinder::Volume', 'resource_id': None},
        },
    }


def test_every_physical_id_becomes_the_destination_s():
    result = adopt_data.translate(abandoned(), MAPPING)
    resources = result.data['resources']
    assert result.untranslated == []
    assert resources['net']['resource_id'] == 'net-dst'
    assert resources['server']['resource_id'] == 'srv-dst'
    nested = resources['workers']['resources']
    assert [nested[i]['resources']['server']['resource_id']
            for i in ('0', '1')] == ['w0-dst', 'w1-dst']
    # A resource never created stays so.
    assert resources['volume']['resource_id'] is None


def test_resource_data_and_parameters_are_translated():
    result = adopt_data.translate(abandoned(), MAPPING)
    ports = json.loads(
        result.data['resources']['server']['resource_data']
        ['internal_ports'])
    assert ports == [{'id': 'port-dst', 'fixed_ips': []}]
    environment = result.data['environment']
    assert environment['parameters'] == {'image': 'img-dst',
                                         'flavor': 'm1.tiny'}
    assert environment['resource_registry'] == {'My::Worker': 'worker.yaml'}


def test_non_physical_resources_and_stack_fields_keep_their_data():
    source = abandoned()
    result = adopt_data.translate(source, MAPPING)
    assert result.data['resources']['secret'] == source['resources'][
        'secret']
    for key in ('name', 'id', 'action', 'status', 'template'):
        assert result.data[key] == source[key]
    # Nested stacks' own ids are made anew by the adoption: kept.
    assert result.data['resources']['workers']['resource_id'] == \
        'nested-src'


def test_an_unmapped_physical_resource_is_reported_with_its_path():
    mapping = dict(MAPPING)
    del mapping['w1-src']
    result = adopt_data.translate(abandoned(), mapping)
    assert [str(u) for u in result.untranslated] == [
        'workers/1/server (OS::Nova::Server, w1-src)']
    assert result.data['resources']['workers']['resources']['1'][
        'resources']['server']['resource_id'] == 'w1-src'


def test_a_composite_id_is_translated_when_every_id_in_it_is_mapped():
    router, subnet = 'a' * 8 + '-1111-2222-3333-' + 'b' * 12, 'c' * 32
    source = {'resources': {'interface': {
        'type': 'OS::Neutron::RouterInterface',
        'resource_id': f'{router}:subnet_id={subnet}'}}}
    result = adopt_data.translate(source, {router: 'r-dst',
                                           subnet: 's-dst'})
    assert result.data['resources']['interface']['resource_id'] == \
        'r-dst:subnet_id=s-dst'
    result = adopt_data.translate(source, {router: 'r-dst'})
    assert [u.path for u in result.untranslated] == [('interface',)]


def test_the_input_is_not_changed():
    source = abandoned()
    before = copy.deepcopy(source)
    adopt_data.translate(source, MAPPING)
    assert source == before


def test_text_that_only_looks_like_json_is_kept():
    assert adopt_data._deep('{not json', MAPPING) == '{not json'
    assert adopt_data._deep('[1, 2]', MAPPING) == '[1, 2]'
    assert adopt_data._deep({'k': ['net-src', 3]}, MAPPING) == {
        'k': ['net-dst', 3]}
