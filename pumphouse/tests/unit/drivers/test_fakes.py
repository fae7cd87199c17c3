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

"""The shared fakes offer nothing their real classes lack: every public
name of a fake (but the records a test reads back) is on the real class
or on a real instance, and every method has the real one's signature
(names, kinds and defaults of its parameters)."""

import inspect
import unittest
from unittest import mock

from pumphouse.db import mapping_api
from pumphouse.drivers.resources import scoped
from pumphouse.engine import context as context_mod
from pumphouse.tests.unit.drivers import fakes


def _public(obj) -> set[str]:
    names = {n for n in dir(type(obj)) if not n.startswith('_')}
    return names | {n for n in vars(obj) if not n.startswith('_')}


def _parameters(function) -> list[tuple]:
    return [(p.name, p.kind, p.default)
            for p in inspect.signature(function).parameters.values()]


def differences(fake, real) -> list[str]:
    """What ``fake`` (an instance) has that ``real`` (an instance of the
    class it stands for) has not, or has otherwise."""
    found = []
    records = type(fake).RECORDS
    for name in sorted(_public(fake) - records - {'RECORDS'}):
        if not hasattr(real, name):
            found.append(f'{name}: not on {type(real).__name__}')
            continue
        mine = inspect.getattr_static(type(fake), name, None)
        theirs = inspect.getattr_static(type(real), name, None)
        if inspect.isfunction(mine) != inspect.isfunction(theirs):
            found.append(f'{name}: a method on one side only')
        elif inspect.isfunction(mine) and \
                _parameters(mine) != _parameters(theirs):
            found.append(f'{name}: {inspect.signature(mine)} is not '
                         f'{inspect.signature(theirs)}')
    for name in sorted(records & _public(real)):
        found.append(f'{name}: a record of the fake shadows the real one')
    return found


def real_context() -> context_mod.EngineContext:
    with mock.patch.object(mapping_api, 'load_mappings', return_value={}):
        return context_mod.EngineContext(mock.MagicMock(), mock.MagicMock(),
                                         1, 2)


class TestFakesFollowTheRealInterfaces(unittest.TestCase):

    def test_fake_context_is_an_engine_context(self):
        self.assertEqual([], differences(fakes.FakeContext(),
                                         real_context()))

    def test_fake_project_access_is_a_project_access(self):
        self.assertEqual([], differences(
            fakes.FakeProjectAccess(),
            scoped.ProjectAccess(mock.Mock(), 'admin')))

    def test_differences_are_found(self):

        class Wrong(fakes.FakeContext):
            RECORDS = fakes.FakeContext.RECORDS | {'cache'}

            def __init__(self) -> None:
                super().__init__()
                self.region = 'r1'

            def connection(self, project_id):
                return None

            def cached(self, name, load, default=None):
                return default

            def event(self, event_type, message, level='DEBUG', item=None):
                return None

            def lookup(self, resource_key):
                return None

            def semaphore(self, name, size=1):
                return None

            def options(self):
                return {}

        found = differences(Wrong(), real_context())
        self.assertEqual(
            ['cached', 'connection', 'event', 'lookup', 'options', 'region',
             'semaphore', 'cache'], [d.split(':')[0] for d in found])
        self.assertIn('connection: not on EngineContext', found)
        self.assertIn('options: a method on one side only', found)
        self.assertIn('cache: a record of the fake shadows the real one',
                      found)
