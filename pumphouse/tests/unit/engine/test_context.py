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

"""What the engine context lends the drivers for one run, and gives back
when the run ends."""

from pumphouse.drivers.resources import scoped
from pumphouse.tests.unit.drivers import test_scoped
from pumphouse.tests.unit.engine import test_planning


class TestBorrowed(test_planning.EngineTestCase):

    def test_made_once_and_given_back_once(self):
        ctx = self.ctx()
        made, given_back = [], []

        def make():
            made.append(object())
            return made[-1]

        first = ctx.borrowed('thing', make, given_back.append)
        self.assertIs(first, ctx.borrowed('thing', make, given_back.append))
        self.assertEqual([first], made)
        ctx.release()
        ctx.release()
        self.assertEqual([first], given_back)
        # Borrowed again after the release: a new one, given back again.
        second = ctx.borrowed('thing', make, given_back.append)
        self.assertIsNot(first, second)
        ctx.release()
        self.assertEqual([first, second], given_back)

    def test_a_failed_give_back_does_not_stop_the_others(self):
        ctx = self.ctx()
        given_back = []

        def fail(thing):
            raise RuntimeError('cannot')

        ctx.borrowed('a', lambda: 'a', fail)
        ctx.borrowed('b', lambda: 'b', given_back.append)
        ctx.release()
        self.assertEqual(['b'], given_back)

    def test_project_grants_of_the_run_are_removed_on_release(self):
        # The drivers' project access (drivers.resources.scoped) is
        # borrowed from the context: the run's end removes its grants.
        ctx = self.ctx()
        ctx.destination = test_scoped.connection()
        identity = ctx.destination.identity
        self.assertEqual(('scoped', 'p1'), scoped.destination_in(ctx, 'p1'))
        scoped.destination_in(ctx, 'p2')
        scoped.keep_grant(ctx, 'p2', 'u1', 'r1')
        self.assertEqual(2, identity.assign_project_role_to_user.call_count)
        identity.unassign_project_role_from_user.assert_not_called()
        ctx.release()
        identity.unassign_project_role_from_user.assert_called_once_with(
            'p1', 'u1', 'r1')
