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

"""A schema compiled to a predicate says valid exactly where jsonschema
does: every schema of the API, on values made from the schema and
spoiled at random places (hypothesis)."""

import math

import hypothesis
import jsonschema
import testtools
from hypothesis import strategies as st

from pumphouse.api import contract
from pumphouse.api import routing
from pumphouse.api.controllers import root
from pumphouse.api.schemas import predicate
from pumphouse.api.schemas.v1 import migrations
from pumphouse.tests import base

#: Any JSON value, and Python's look-alikes that JSON types tell apart.
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300)
    | st.sampled_from([0.0, 1.0, -1.0, 2.5, math.inf, 10 ** 20, 1 - 2 ** 64])
    | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(['', 'a', 'x\n', '0', '1', 'planned', 'create',
                       '6f1b7a52-2c1f-4c43-9d55-0d5c1a3b5e11', ' a', '..',
                       'a' * 300]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5) | st.sampled_from(
        ['name', 'id', 'state', 'type', 'links']), inner, max_size=3)
    | st.tuples(inner),
    max_leaves=6)


def instances(schema, depth: int = 0) -> st.SearchStrategy:
    """Values of ``schema`` (for the keywords Pumphouse's schemas use),
    each value anywhere in them sometimes replaced by junk."""
    return st.one_of(_valid(schema, depth), JUNK) if depth else \
        _valid(schema, depth)


def _valid(schema, depth: int) -> st.SearchStrategy:  # noqa: C901
    if schema is False:
        return st.nothing()
    if not isinstance(schema, dict) or depth > 6:
        return JUNK
    if 'oneOf' in schema:
        return st.one_of([instances(s, depth + 1) for s in schema['oneOf']])
    if 'enum' in schema:
        return st.sampled_from(schema['enum'])
    types = schema.get('type')
    if types is None:
        return JUNK
    if isinstance(types, list):
        return st.one_of([_valid(dict(schema, type=t), depth)
                          for t in types])
    if types == 'object':
        properties = schema.get('properties', {})
        required = schema.get('required', [])
        optional = [n for n in properties if n not in required]
        extra = schema.get('additionalProperties', True)
        extras = (st.just({}) if extra is False else st.dictionaries(
            st.text(max_size=4), instances(extra, depth + 1)
            if isinstance(extra, dict) else JUNK, max_size=2))
        return st.builds(
            lambda chosen, values, more: {**more, **{
                n: v for n, v in values.items()
                if n in required or n in chosen}},
            st.sets(st.sampled_from(optional)) if optional else st.just(()),
            st.fixed_dictionaries({n: instances(s, depth + 1)
                                   for n, s in properties.items()}),
            extras)
    if types == 'array':
        return st.lists(instances(schema.get('items', True), depth + 1),
                        min_size=schema.get('minItems', 0),
                        max_size=min(schema.get('maxItems', 4), 4))
    if types == 'string':
        if 'pattern' in schema:
            return st.from_regex(schema['pattern'])
        return st.text(min_size=schema.get('minLength', 0), max_size=6)
    if types == 'integer':
        return st.integers(min_value=schema.get('minimum', -5),
                           max_value=schema.get('maximum', 10 ** 6))
    if types == 'number':
        return st.floats(min_value=schema.get('minimum', -5), max_value=9)
    return {'boolean': st.booleans(), 'null': st.none()}.get(types, JUNK)


def api_schemas() -> list[tuple[str, dict]]:
    """Every schema an operation of the API declares."""
    base.init_conf()
    found, seen = [], set()
    for op in routing.operations(root.RootController()):
        declared = contract.of(op.handler)
        schemas = [('response', declared.response), ('query', declared.query),
                   *(('body', b.schema) for b in declared.bodies),
                   *declared.media_types.items()]
        for kind, schema in schemas:
            if schema is not None and id(schema) not in seen:
                seen.add(id(schema))
                found.append((f'{op.method} {op.path} {kind}', schema))
    return found


class TestSameAsJsonschema(testtools.TestCase):

    def check(self, schema, strategy=None, examples: int = 60) -> None:
        jsonschema.Draft202012Validator.check_schema(schema)
        expected = jsonschema.Draft202012Validator(schema).is_valid
        compiled = predicate.compile_schema(schema)
        outcomes = set()

        @hypothesis.settings(max_examples=examples, deadline=None,
                             database=None, derandomize=True,
                             suppress_health_check=list(
                                 hypothesis.HealthCheck))
        @hypothesis.given(strategy or instances(schema))
        def same(instance):
            outcome = expected(instance)
            outcomes.add(outcome)
            self.assertEqual(outcome, compiled(instance), instance)

        same()
        return outcomes

    def test_every_schema_of_the_api(self):
        found = api_schemas()
        self.assertGreater(len(found), 30)
        seen = {True: 0, False: 0}
        for name, schema in found:
            with self.subTest(schema=name):
                for outcome in self.check(schema):
                    seen[outcome] += 1
        # Both answers come up for most schemas: the values made from
        # them are valid, the spoiled ones not.
        self.assertGreater(seen[True], len(found) * 2 // 3)
        self.assertGreater(seen[False], len(found) * 2 // 3)

    def test_junk_against_the_plan(self):
        self.check(migrations.plan, JUNK, examples=200)

    def test_json_types(self):
        cases = {'integer': [1, 1.0, -0.0, True, 1.5, '1', None],
                 'number': [1, 1.5, math.inf, False, '1', 10 ** 30],
                 'string': ['', 'a', 1, None, b'a'],
                 'array': [[], [1], (), {}, 'ab'],
                 'object': [{}, {'a': 1}, [], None],
                 'boolean': [True, False, 0, 1, None],
                 'null': [None, 0, False, '', []]}
        for name, values in cases.items():
            for schema in ({'type': name}, {'type': [name, 'null']},
                           {'type': 'object',
                            'properties': {'v': {'type': name}}}):
                compiled = predicate.compile_schema(schema)
                validator = jsonschema.Draft202012Validator(schema)
                for value in values:
                    for instance in (value, {'v': value}):
                        self.assertEqual(validator.is_valid(instance),
                                         compiled(instance),
                                         (schema, instance))

    def test_keywords_apply_to_their_types_only(self):
        schema = {'minLength': 2, 'pattern': '^a', 'minimum': 3,
                  'maximum': 5, 'minItems': 1, 'maxItems': 2,
                  'required': ['x'], 'additionalProperties': False,
                  'properties': {'x': {}}, 'items': {'type': 'string'},
                  'propertyNames': {'maxLength': 1}}
        compiled = predicate.compile_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for instance in (None, True, 'ab', 'a', 'b', 'abc', 4, 2, 6, 4.5,
                         [], ['a'], [1], ['a', 'b', 'c'], {}, {'x': 1},
                         {'x': 1, 'y': 2}, {'xy': 1}):
            self.assertEqual(validator.is_valid(instance),
                             compiled(instance), instance)

    def test_one_of_is_exactly_one(self):
        schema = {'oneOf': [{'type': 'integer'}, {'minimum': 0},
                            {'type': 'array'}]}
        compiled = predicate.compile_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        # minimum says nothing of what is not a number: 'a' and [] pass it
        for instance, valid in ((1, False), (-1, True), (0.5, True),
                                ('a', True), ([], False), (-0.5, False)):
            self.assertEqual(valid, validator.is_valid(instance), instance)
            self.assertEqual(valid, compiled(instance), instance)


class TestWhatIsLeftToJsonschema(testtools.TestCase):
    """What is not compiled is still checked, by jsonschema."""

    def test_other_keywords(self):
        for schema, good, bad in (
                ({'type': 'array', 'uniqueItems': True}, [1, 2], [1, 1]),
                ({'const': 1}, 1, True),
                ({'enum': [1, None]}, 1, True),
                ({'type': 'object', 'properties': {
                    'a': {'type': 'object', 'patternProperties': {
                        '^x': {'type': 'integer'}}}}},
                 {'a': {'xa': 1}}, {'a': {'xa': 'no'}}),
                ({'prefixItems': [{'type': 'string'}], 'items': False},
                 ['a'], ['a', 'b'])):
            with self.subTest(schema=schema):
                compiled = predicate.compile_schema(schema)
                self.assertTrue(compiled(good))
                self.assertFalse(compiled(bad))

    def test_references_leave_the_whole_schema_to_jsonschema(self):
        schema = {'$defs': {'n': {'type': 'integer'}}, 'type': 'object',
                  'properties': {'a': {'$ref': '#/$defs/n'},
                                 'b': {'type': 'object', 'not': {
                                     '$ref': '#/$defs/n'}}}}
        compiled = predicate.compile_schema(schema)
        self.assertTrue(compiled({'a': 1, 'b': {}}))
        self.assertFalse(compiled({'a': 'x'}))
        self.assertFalse(compiled({'b': 1}))

    def test_other_drafts(self):
        schema = {'$schema': 'http://json-schema.org/draft-04/schema#',
                  'type': 'integer'}
        compiled = predicate.compile_schema(schema)
        # Draft 4: 1.0 is not an integer.
        self.assertFalse(compiled(1.0))
        self.assertTrue(compiled(1))

    def test_format_is_not_asserted(self):
        compiled = predicate.compile_schema({'type': 'string',
                                             'format': 'uuid'})
        self.assertTrue(compiled('not a uuid'))
