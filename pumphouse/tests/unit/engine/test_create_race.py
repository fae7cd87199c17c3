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

"""Two migrations need one shared resource and this one's create comes
second: the destination refuses it (409) and the item adopts what the
other made, never deleting it. On in-memory clouds, with real plan
items and events."""

from openstack import exceptions as sdk_exc

from pumphouse.tests.unit.engine import memory
from pumphouse.tests.unit.engine import test_item_retries


class RacedTeamDriver(memory.TeamDriver):
    """Teams another migration creates first: the next create of a team
    named in ``raced`` makes it (the other migration's create) and is
    then refused with a 409, as Keystone or Nova refuse a second
    resource of one name. With ``other_name`` the other migration made
    something else, and nothing of this name is there to find."""

    def __init__(self) -> None:
        self.raced: set[str] = set()
        self.other_name: str | None = None
        self.after: list[tuple[str, bool]] = []
        self.after_fails = False

    def create(self, ctx, resource, attrs):
        if attrs['name'] not in self.raced:
            return super().create(ctx, resource, attrs)
        self.raced.discard(attrs['name'])
        made = dict(attrs, name=self.other_name or attrs['name'])
        ctx.destination.add(self.resource_type, **made)
        raise sdk_exc.ConflictException(
            f'Conflict occurred attempting to store team - Duplicate '
            f'entry found with name {attrs["name"]}.', http_status=409)

    def after_create(self, ctx, resource, destination_id, created):
        self.after.append((destination_id, created))
        if self.after_fails:
            raise ValueError('the team cannot be finished')


class TestCreateRace(test_item_retries.ItemRetryTestCase):
    """``run_red`` and ``events_of`` are the retry tests': a run of
    project red whose events are recorded in the database."""

    def setUp(self):
        super().setUp()
        self.teams = RacedTeamDriver()
        self.teams.resource_type = 'test.team'
        self.drivers['test.team'] = self.teams

    def test_made_meanwhile_is_adopted_and_the_rest_goes_on(self):
        self.teams.raced = {'red'}
        migration, counts = self.run_red()
        self.assertEqual({'done': 2}, counts)
        self.assertEqual(['red'], self.dest_names('test.team'))
        (team_id,) = self.destination.data['test.team']
        red = self.items(migration)['red']
        self.assertEqual(('done', team_id, 1),
                         (red.state, red.destination_id, red.attempts))
        # The member was made in the team the other migration made.
        (member,) = self.destination.data['test.member'].values()
        self.assertEqual(team_id, member['team'])
        (conflict,) = self.events_of(migration, 'conflict')
        self.assertIn('test.team red: the destination refused the create',
                      conflict)
        self.assertIn(f'made meanwhile by another migration, found '
                      f'{team_id}', conflict)
        # Not this migration's creation: after_create is told so.
        self.assertEqual([(team_id, False)], self.teams.after)

    def test_made_meanwhile_is_not_deleted_when_the_item_fails(self):
        self.teams.raced = {'red'}
        self.teams.after_fails = True
        migration, counts = self.run_red()
        self.assertEqual({'failed': 1, 'blocked': 1}, counts)
        red = self.items(migration)['red']
        self.assertEqual('failed', red.state)  # not 'reverted'
        self.assertEqual(['red'], self.dest_names('test.team'))
        self.assertEqual([], self.events_of(migration, 'reverted'))

    def test_a_conflict_with_nothing_to_find_fails_the_item(self):
        self.teams.raced = {'red'}
        self.teams.other_name = 'crimson'
        migration, counts = self.run_red()
        self.assertEqual({'failed': 1, 'blocked': 1}, counts)
        red = self.items(migration)['red']
        self.assertEqual('failed', red.state)
        self.assertIn('ConflictException: Conflict occurred attempting to '
                      'store team', red.error)
        self.assertEqual([], self.events_of(migration, 'conflict'))
        self.assertEqual(['crimson'], self.dest_names('test.team'))
