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

"""The evacuation plan's arithmetic and rules: plain facts in, a plan out
(no cloud, no database)."""

import datetime

from oslotest import base

from pumphouse.hosts import evacuation_plan as plan_mod

NOW = datetime.datetime(2026, 12, 15, tzinfo=datetime.UTC)
SOURCE = 'compute-1'


def inventory(total: int, reserved: int = 0, ratio: float = 1.0,
              max_unit: int | None = None) -> dict:
    return {'total': total, 'reserved': reserved, 'allocation_ratio': ratio,
            'max_unit': total if max_unit is None else max_unit}


def host(name: str, vcpu=(8, 0, 1.0), memory=(8192, 0, 1.0),
         disk=(100, 0, 1.0), used: dict | None = None, zone: str = 'nova',
         status: str = 'enabled', state: str = 'up', **extra) -> dict:
    """A compute host with one resource provider."""
    inventories = {}
    for rc, spec in (('VCPU', vcpu), ('MEMORY_MB', memory),
                     ('DISK_GB', disk)):
        if spec is not None:
            inventories[rc] = inventory(*spec)
    return dict({'name': name, 'status': status, 'state': state,
                 'zone': zone, 'disabled_reason': None, 'handed_over': None,
                 'providers': [{'name': name, 'inventories': inventories,
                                'usages': dict(used or {})}]}, **extra)


def server(ident: str, status: str = 'ACTIVE', vcpu: int = 1,
           memory: int = 512, disk: int = 1, **extra) -> dict:
    return dict({'id': ident, 'name': f'vm-{ident}', 'status': status,
                 'task_state': None,
                 'resources': {'VCPU': vcpu, 'MEMORY_MB': memory,
                               'DISK_GB': disk},
                 'availability_zone': None,
                 'availability_zone_pinned': True, 'group': None,
                 'volumes': [], 'notes': []}, **extra)


def facts(servers: list[dict], hosts: list[dict],
          groups: dict | None = None, source_state: str = 'up') -> dict:
    return {'host': SOURCE, 'service': {'status': 'enabled',
                                        'state': source_state},
            'servers': servers, 'hosts': hosts, 'groups': groups or {}}


def make(*args, **kwargs) -> dict:
    return plan_mod.make(*args, now=NOW, **kwargs)


def by_id(plan: dict) -> dict:
    return {s['id']: s for s in plan['servers']}


def rules(entry: dict, host_name: str) -> list[str]:
    return [e['rule'] for e in entry['excluded'] if e['host'] == host_name]


class TestCapacity(base.BaseTestCase):
    """Placement's arithmetic: ``(total - reserved) * allocation_ratio -
    used`` free, ``max_unit`` per server."""

    def test_fits_exactly_what_is_free(self):
        # (4096 - 512) * 1.5 - 4864 = 512 MB free.
        target = host('compute-2', memory=(4096, 512, 1.5),
                      used={'MEMORY_MB': 4864})
        plan = make(facts([server('a', memory=512)], [target]))
        self.assertEqual(('move', 'compute-2'),
                         (plan['servers'][0]['action'],
                          plan['servers'][0]['target']))
        self.assertTrue(plan['feasible'])
        [summary] = plan['hosts']
        self.assertEqual(512, summary['free']['MEMORY_MB'])
        self.assertEqual(0, summary['free_after']['MEMORY_MB'])

    def test_one_megabyte_more_does_not_fit_and_says_why(self):
        target = host('compute-2', memory=(4096, 512, 1.5),
                      used={'MEMORY_MB': 4864})
        plan = make(facts([server('a', memory=513)], [target]))
        [entry] = plan['servers']
        self.assertEqual(('blocked', None), (entry['action'],
                                             entry['target']))
        self.assertFalse(plan['feasible'])
        self.assertEqual([{'host': 'compute-2', 'rule': 'Capacity',
                           'reason': 'needs 513 MEMORY_MB, 512 free'}],
                         entry['excluded'])
        self.assertIn('compute-2: Capacity (needs 513 MEMORY_MB, 512 free)',
                      entry['reason'])

    def test_allocation_ratio_overcommits_vcpus(self):
        # (4 - 1) * 4.0 - 11 = 1 VCPU free.
        target = host('compute-2', vcpu=(4, 1, 4.0), used={'VCPU': 11})
        plan = make(facts([server('a', vcpu=1), server('b', vcpu=1,
                                                       memory=256)],
                          [target]))
        self.assertEqual({'a': 'move', 'b': 'blocked'},
                         {i: s['action'] for i, s in by_id(plan).items()})
        self.assertIn('needs 1 VCPU, 0 free', by_id(plan)['b']['reason'])

    def test_max_unit_caps_one_server(self):
        target = host('compute-2', vcpu=(64, 0, 1.0, 8))
        plan = make(facts([server('a', vcpu=16)], [target]))
        self.assertEqual(['needs 16 VCPU, more than its max_unit 8'],
                         [e['reason'] for e in plan['servers'][0][
                             'excluded']])

    def test_a_missing_inventory_is_no_room(self):
        target = host('compute-2', disk=None)
        plan = make(facts([server('a', disk=10), server('b', disk=0)],
                          [target]))
        self.assertEqual({'a': 'blocked', 'b': 'move'},
                         {i: s['action'] for i, s in by_id(plan).items()})
        self.assertIn('no DISK_GB inventory', by_id(plan)['a']['reason'])

    def test_a_host_without_provider_is_no_room(self):
        target = dict(host('compute-2'), providers=[])
        plan = make(facts([server('a')], [target]))
        self.assertEqual(['Capacity'], rules(plan['servers'][0],
                                             'compute-2'))


class TestWholeHost(base.BaseTestCase):
    """Servers placed one after another, each taking what it uses."""

    def test_largest_first_each_takes_its_room(self):
        # 3 GB free on each: the 2 GB server goes first (to the host with
        # the most free memory), then the two 1.5 GB ones.
        hosts = [host('compute-2', memory=(3072, 0, 1.0)),
                 host('compute-3', memory=(3072, 0, 1.0),
                      used={'MEMORY_MB': 0})]
        servers = [server('small-1', memory=1536),
                   server('big', memory=2048),
                   server('small-2', memory=1536)]
        plan = make(facts(servers, hosts))
        self.assertEqual(['big', 'small-1', 'small-2'],
                         [s['id'] for s in plan['servers']])
        self.assertEqual({'big': 'compute-2', 'small-1': 'compute-3',
                          'small-2': 'compute-3'},
                         {i: s['target'] for i, s in by_id(plan).items()})
        self.assertTrue(plan['feasible'])

    def test_room_taken_by_an_earlier_server_blocks_a_later_one(self):
        hosts = [host('compute-2', memory=(2048, 0, 1.0))]
        plan = make(facts([server('a', memory=1024, vcpu=1),
                           server('b', memory=1024, vcpu=2)], hosts))
        # Same memory: more VCPUs first.
        self.assertEqual(['b', 'a'], [s['id'] for s in plan['servers']])
        hosts = [host('compute-2', memory=(1536, 0, 1.0))]
        plan = make(facts([server('a', memory=1024),
                           server('b', memory=1024)], hosts))
        self.assertEqual({'a': 'move', 'b': 'blocked'},
                         {i: s['action'] for i, s in by_id(plan).items()})
        self.assertIn('needs 1024 MEMORY_MB, 512 free',
                      by_id(plan)['b']['reason'])

    def test_the_same_facts_give_the_same_plan(self):
        hosts = [host(f'compute-{n}') for n in (4, 2, 3)]
        servers = [server(f's{n}', memory=256) for n in range(6)]
        first = make(facts(servers, hosts))
        second = make(facts(list(reversed(servers)), list(reversed(hosts))))
        self.assertEqual(first, second)
        self.assertEqual(['compute-2', 'compute-3', 'compute-4'],
                         [h['name'] for h in first['hosts']])

    def test_the_source_itself_and_unusable_hosts_are_out(self):
        hosts = [host(SOURCE), host('compute-2', status='disabled',
                                    disabled_reason='maintenance'),
                 host('compute-3', state='down'),
                 host('compute-4', handed_over='disabled, on its way to '
                                               'in_destination'),
                 host('compute-5')]
        plan = make(facts([server('a')], hosts))
        [entry] = plan['servers']
        self.assertEqual((['compute-5'], 'compute-5'),
                         (entry['candidates'], entry['target']))
        self.assertEqual({('compute-2', 'HostDisabled'),
                          ('compute-3', 'HostDown'),
                          ('compute-4', 'HandedOver')},
                         {(e['host'], e['rule']) for e in entry['excluded']})
        self.assertIn('maintenance', next(
            e['reason'] for e in entry['excluded']
            if e['rule'] == 'HostDisabled'))
        self.assertNotIn(SOURCE, [h['name'] for h in plan['hosts']])

    def test_no_other_host(self):
        plan = make(facts([server('a')], []))
        self.assertIn('the source has no other compute host',
                      plan['servers'][0]['reason'])

    def test_an_empty_host_is_feasible(self):
        plan = make(facts([], [host('compute-2')]))
        self.assertEqual((True, []), (plan['feasible'], plan['servers']))
        self.assertIsNone(plan_mod.blocking_message(plan))
        self.assertEqual(f'host {SOURCE} runs no server',
                         plan_mod.summary(plan))


def group(ident: str, policy: str, members: dict,
          **rules_) -> dict:
    return {'id': ident, 'name': f'group-{ident}', 'policy': policy,
            'rules': rules_, 'members': members,
            'names': {m: f'vm-{m}' for m in members}}


class TestServerGroups(base.BaseTestCase):

    def test_anti_affinity_of_the_issue(self):
        """Two servers of an anti-affinity group: one on the host being
        evacuated, the other on the only other enabled host."""
        hosts = [host('compute-2'), host('compute-3', status='disabled')]
        groups = {'g': group('g', 'anti-affinity',
                             {'a': SOURCE, 'b': 'compute-2'})}
        plan = make(facts([server('a', group='g')], hosts, groups))
        [entry] = plan['servers']
        self.assertEqual(('blocked', []), (entry['action'],
                                           entry['candidates']))
        self.assertEqual(['ServerGroupAntiAffinity'],
                         rules(entry, 'compute-2'))
        self.assertEqual(['HostDisabled'], rules(entry, 'compute-3'))
        self.assertIn('group group-g (anti-affinity, at most 1 per host) '
                      'already has vm-b on it', entry['reason'])
        message = plan_mod.blocking_message(plan)
        self.assertIn('server vm-a (a)', message)
        self.assertIn('compute-2: ServerGroupAntiAffinity', message)
        self.assertEqual({'id': 'g', 'name': 'group-g',
                          'policy': 'anti-affinity', 'rules': {}},
                         entry['server_group'])

    def test_max_server_per_host_allows_more(self):
        hosts = [host('compute-2')]
        groups = {'g': group('g', 'anti-affinity',
                             {'a': SOURCE, 'b': 'compute-2',
                              'c': SOURCE}, max_server_per_host=2)}
        plan = make(facts([server('a', group='g', memory=1024),
                           server('c', group='g')], hosts, groups))
        # a fills the second place on compute-2; c finds it full.
        self.assertEqual({'a': 'move', 'c': 'blocked'},
                         {i: s['action'] for i, s in by_id(plan).items()})
        self.assertIn('at most 2 per host) already has vm-a, vm-b',
                      by_id(plan)['c']['reason'])

    def test_anti_affinity_members_leave_for_different_hosts(self):
        hosts = [host('compute-2'), host('compute-3')]
        groups = {'g': group('g', 'anti-affinity', {'a': SOURCE,
                                                    'b': SOURCE})}
        plan = make(facts([server('a', group='g'),
                           server('b', group='g')], hosts, groups))
        self.assertEqual({'compute-2', 'compute-3'},
                         {s['target'] for s in plan['servers']})

    def test_affinity_group_all_on_the_host_cannot_move(self):
        groups = {'g': group('g', 'affinity', {'a': SOURCE, 'b': SOURCE})}
        plan = make(facts([server('a', group='g'), server('b', group='g')],
                          [host('compute-2')], groups))
        for entry in plan['servers']:
            self.assertEqual(['ServerGroupAffinity'],
                             rules(entry, 'compute-2'))
            self.assertIn(f'keeps its members on {SOURCE} ({SOURCE} is '
                          'being evacuated', entry['reason'])

    def test_affinity_follows_a_member_elsewhere(self):
        groups = {'g': group('g', 'affinity', {'a': SOURCE,
                                               'b': 'compute-3'})}
        plan = make(facts([server('a', group='g')],
                          [host('compute-2'), host('compute-3')], groups))
        [entry] = plan['servers']
        self.assertEqual((['compute-3'], 'compute-3'),
                         (entry['candidates'], entry['target']))
        self.assertEqual(['ServerGroupAffinity'], rules(entry, 'compute-2'))

    def test_soft_anti_affinity_prefers_hosts_without_members(self):
        # compute-2 has more free memory, but a member.
        hosts = [host('compute-2', memory=(16384, 0, 1.0)),
                 host('compute-3')]
        groups = {'g': group('g', 'soft-anti-affinity',
                             {'a': SOURCE, 'b': 'compute-2'})}
        plan = make(facts([server('a', group='g')], hosts, groups))
        [entry] = plan['servers']
        self.assertEqual((['compute-2', 'compute-3'], 'compute-3', []),
                         (entry['candidates'], entry['target'],
                          entry['notes']))

    def test_soft_anti_affinity_never_blocks(self):
        groups = {'g': group('g', 'soft-anti-affinity',
                             {'a': SOURCE, 'b': 'compute-2'})}
        plan = make(facts([server('a', group='g')], [host('compute-2')],
                          groups))
        [entry] = plan['servers']
        self.assertEqual(('move', 'compute-2'), (entry['action'],
                                                 entry['target']))
        self.assertIn('soft-anti-affinity): shares compute-2 with vm-b',
                      entry['notes'][0])

    def test_soft_affinity_prefers_hosts_with_members(self):
        hosts = [host('compute-2', memory=(16384, 0, 1.0)),
                 host('compute-3')]
        groups = {'g': group('g', 'soft-affinity',
                             {'a': SOURCE, 'b': 'compute-3'})}
        plan = make(facts([server('a', group='g')], hosts, groups))
        self.assertEqual('compute-3', plan['servers'][0]['target'])
        # Where no candidate runs a member, it goes apart, noted.
        hosts[1]['status'] = 'disabled'
        plan = make(facts([server('a', group='g')], hosts, groups))
        self.assertEqual('compute-2', plan['servers'][0]['target'])
        self.assertIn('goes apart', plan['servers'][0]['notes'][0])


class TestZonesStatesVolumes(base.BaseTestCase):

    def test_a_server_booted_into_a_zone_stays_there(self):
        hosts = [host('compute-2', zone='az2'), host('compute-3',
                                                     zone='az1')]
        plan = make(facts([server('a', availability_zone='az1')], hosts))
        [entry] = plan['servers']
        self.assertEqual(('compute-3', ['AvailabilityZone']),
                         (entry['target'], rules(entry, 'compute-2')))
        self.assertEqual([], entry['notes'])

    def test_zone_assumed_before_nova_says(self):
        plan = make(facts([server('a', availability_zone='az1',
                                  availability_zone_pinned=False)],
                          [host('compute-2', zone='az1')]))
        self.assertIn('Nova before 2.96 does not tell',
                      plan['servers'][0]['notes'][0])

    def test_a_server_in_no_zone_goes_anywhere(self):
        plan = make(facts([server('a')], [host('compute-2', zone='az9')]))
        self.assertEqual('compute-2', plan['servers'][0]['target'])

    def test_status_decides_how_it_moves(self):
        statuses = {'active': 'ACTIVE', 'paused': 'PAUSED',
                    'off': 'SHUTOFF', 'suspended': 'SUSPENDED',
                    'resized': 'VERIFY_RESIZE', 'moving': 'MIGRATING',
                    'broken': 'ERROR', 'shelved': 'SHELVED',
                    'rescued': 'RESCUE'}
        plan = make(facts([server(i, status=s, memory=1)
                           for i, s in statuses.items()],
                          [host('compute-2')]))
        entries = by_id(plan)
        self.assertEqual({'active': 'live', 'paused': 'live',
                          'off': 'cold', 'suspended': 'resume-live-suspend',
                          'resized': 'confirm-then-move',
                          'moving': 'wait-then-move', 'broken': None,
                          'shelved': None, 'rescued': None},
                         {i: e['method'] for i, e in entries.items()})
        for refused in ('broken', 'shelved', 'rescued'):
            self.assertEqual('blocked', entries[refused]['action'])
            self.assertTrue(entries[refused]['reason'].startswith(
                'ServerState: it is '))
            self.assertEqual([], entries[refused]['candidates'])
        self.assertEqual('move', entries['active']['action'])

    def test_a_task_under_way_is_waited_for(self):
        plan = make(facts([server('a', task_state='migrating')],
                          [host('compute-2')]))
        self.assertEqual('wait-then-move', plan['servers'][0]['method'])

    def test_an_attached_volume_must_be_in_use(self):
        volumes = [{'id': 'v1', 'status': 'in-use'},
                   {'id': 'v2', 'status': 'detaching'}]
        plan = make(facts([server('a', volumes=volumes),
                           server('b', volumes=volumes[:1])],
                          [host('compute-2')]))
        entries = by_id(plan)
        self.assertEqual(('blocked', 'move'), (entries['a']['action'],
                                               entries['b']['action']))
        self.assertIn('Volume: an attached volume is not in-use (v2 is '
                      'detaching)', entries['a']['reason'])
        self.assertEqual(volumes[:1], entries['b']['volumes'])

    def test_nothing_moves_off_a_host_whose_compute_is_down(self):
        plan = make(facts([server('a')], [host('compute-2')],
                          source_state='down'))
        self.assertIn('SourceHostDown', plan['servers'][0]['reason'])


class TestChoices(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.hosts = [host('compute-2', memory=(1024, 0, 1.0))]
        self.servers = [server('a', memory=1024), server('b', memory=1024),
                        server('c', memory=512), server('broken',
                                                        status='ERROR')]

    def test_without_choices_two_block(self):
        plan = make(facts(self.servers, self.hosts))
        self.assertEqual({'a': 'move', 'b': 'blocked', 'c': 'blocked',
                          'broken': 'blocked'},
                         {i: s['action'] for i, s in by_id(plan).items()})
        self.assertIn('3 server(s) cannot be moved',
                      plan_mod.blocking_message(plan))

    def test_each_blocked_server_chosen_for(self):
        plan = make(facts(self.servers, self.hosts), {
            'b': 'to_destination', 'c': 'override', 'broken': 'leave'})
        self.assertTrue(plan['feasible'])
        self.assertEqual({'a': ('move', None), 'b': ('to_destination',
                                                    'to_destination'),
                          'c': ('override', 'override'),
                          'broken': ('leave', 'leave')},
                         {i: (s['action'], s['choice'])
                          for i, s in by_id(plan).items()})
        self.assertEqual(
            'evacuation plan of compute-1: 1 to other source hosts, 1 to '
            'the destination cloud, 1 left on the host, 1 moved where '
            'Nova picks (override)', plan_mod.summary(plan))

    def test_a_chosen_server_takes_no_room(self):
        plan = make(facts(self.servers[:2], self.hosts),
                    {'a': 'to_destination'})
        self.assertEqual({'a': 'to_destination', 'b': 'move'},
                         {i: s['action'] for i, s in by_id(plan).items()})

    def test_nothing_but_leaving_helps_a_server_nova_cannot_move(self):
        for choice in ('override', 'to_destination'):
            plan = make(facts(self.servers[3:], self.hosts),
                        {'broken': choice})
            [entry] = plan['servers']
            self.assertEqual('blocked', entry['action'])
            self.assertIn(f'only leaving it is possible ({choice} cannot '
                          'help)', entry['reason'])

    def test_to_destination_of_a_server_with_a_busy_volume(self):
        busy = server('v', volumes=[{'id': 'v9', 'status': 'attaching'}])
        plan = make(facts([busy], self.hosts), {'v': 'to_destination'})
        self.assertEqual('to_destination', plan['servers'][0]['action'])

    def test_a_host_going_to_the_destination_keeps_no_server(self):
        plan = make(facts(self.servers[3:], self.hosts),
                    {'broken': 'leave'}, target='in_destination')
        self.assertIn('the host goes to in_destination',
                      plan['servers'][0]['reason'])
        self.assertFalse(plan['feasible'])

    def test_all_to_destination(self):
        plan = make(facts(self.servers[:3], self.hosts),
                    {'c': 'leave'}, all_to_destination=True)
        self.assertEqual({'a': 'to_destination', 'b': 'to_destination',
                          'c': 'leave'},
                         {i: s['action'] for i, s in by_id(plan).items()})
