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

"""The security group drivers between the two real Neutrons.

Each test works in a project of its own (see
:class:`test_compute_drivers.Workspace`) and removes what it made.
"""

import types

import pytest

from pumphouse.db import migration_api
from pumphouse.drivers.resources.network import security_group as sg_mod
from pumphouse.engine import resource as res
from pumphouse.engine import runner
from pumphouse.tests.functional import engine_fixtures
from pumphouse.tests.functional import fixtures
from pumphouse.tests.functional import test_compute_drivers as helpers

SECURITY = ('network.security_group', 'network.security_group_rule')


@pytest.fixture
def engine(tmp_path):
    with engine_fixtures.engine_state(tmp_path) as conf:
        yield conf


@pytest.fixture
def workspace():
    created = helpers.Workspace(fixtures.sdk_connection('source'),
                                fixtures.sdk_connection('destination'),
                                'ps')
    yield created
    created.purge_all()


def rule_keys(conn, group_id: str, remotes: dict) -> list[tuple]:
    """The rules of a group as comparable tuples, remote groups named
    through ``remotes`` (id -> name)."""
    keys = []
    for rule in conn.network.security_group_rules(
            security_group_id=group_id):
        fields = sg_mod.rule_fields(rule)
        fields['remote_group'] = remotes.get(fields['remote_group'],
                                             fields['remote_group'])
        keys.append(sg_mod.rule_key(fields) + (fields['description'],))
    return sorted(keys, key=repr)


def groups_of(conn, project_id: str) -> dict:
    groups = {}
    for group in conn.network.security_groups(project_id=project_id):
        assert group.name not in groups, f'two groups named {group.name}'
        groups[group.name] = group
    return groups


def egress(ethertype: str) -> dict:
    return {'direction': 'egress', 'ether_type': ethertype}


def delete_rule(conn, group_id: str, **match) -> None:
    """Delete the group's one rule with these attributes and no more."""
    found = [r for r in conn.network.security_group_rules(
        security_group_id=group_id)
        if all(getattr(r, k) == v for k, v in match.items())
        and r.protocol is None and r.remote_group_id is None]
    assert len(found) == 1, found
    conn.network.delete_security_group_rule(found[0])


@pytest.fixture
def groups(workspace):
    """The project's default group with an extra rule and one rule less,
    ``web`` with tags and three rules, stateless ``db`` whose rule admits
    ``web``, and without its IPv6 egress rule."""
    source, project = workspace.source, workspace.project
    # The project's first filtered GET makes its default group.
    [default] = source.network.security_groups(project_id=project.id,
                                               name='default')
    delete_rule(source, default.id, **egress('IPv6'))
    source.network.create_security_group_rule(
        security_group_id=default.id, direction='ingress', ether_type='IPv4',
        protocol='tcp', port_range_min=22, port_range_max=22,
        remote_ip_prefix='10.0.0.0/8', description='ssh from the office')
    web = source.network.create_security_group(
        name=workspace.name('web'), description='HTTP and HTTPS',
        project_id=project.id)
    source.network.set_tags(web, ['frontend', 'http'])
    for rule in ({'protocol': 'tcp', 'port_range_min': 80,
                  'port_range_max': 80, 'remote_ip_prefix': '0.0.0.0/0'},
                 {'protocol': 'tcp', 'port_range_min': 443,
                  'port_range_max': 443, 'ether_type': 'IPv6',
                  'remote_ip_prefix': '::/0'},
                 {'protocol': 'icmp', 'description': 'ping'}):
        source.network.create_security_group_rule(
            security_group_id=web.id, direction='ingress',
            **dict({'ether_type': 'IPv4'}, **rule))
    db = source.network.create_security_group(
        name=workspace.name('db'), description='MySQL from web',
        stateful=False, project_id=project.id)
    source.network.create_security_group_rule(
        security_group_id=db.id, direction='ingress', ether_type='IPv4',
        protocol='tcp', port_range_min=3306, port_range_max=3306,
        remote_group_id=web.id)
    delete_rule(source, db.id, **egress('IPv6'))
    return types.SimpleNamespace(default=default, web=web, db=db)


def test_groups_and_rules_migrate_and_default_is_reused(engine, workspace,
                                                        groups):
    source, destination = workspace.source, workspace.destination
    name = workspace.project.name
    migration = helpers.migrate(helpers.project_selection(name, *SECURITY))
    helpers.assert_clean(migration)

    project = destination.identity.find_project(name, domain_id='default',
                                                ignore_missing=False)
    copies = groups_of(destination, project.id)
    assert set(copies) == {'default', groups.web.name, groups.db.name}
    web, db = copies[groups.web.name], copies[groups.db.name]
    assert (web.description, sorted(web.tags), web.stateful) == \
        ('HTTP and HTTPS', ['frontend', 'http'], True)
    assert (db.description, db.stateful) == ('MySQL from web', False)

    source_names = {g.id: g.name for g in groups_of(
        source, workspace.project.id).values()}
    copy_names = {g.id: g.name for g in copies.values()}
    for original in (groups.web, groups.db):
        assert rule_keys(destination, copies[original.name].id,
                         copy_names) == \
            rule_keys(source, original.id, source_names), original.name
    # db's rule admits the destination's web, and db has no IPv6 egress.
    [mysql] = [r for r in destination.network.security_group_rules(
        security_group_id=db.id) if r.direction == 'ingress']
    assert mysql.remote_group_id == web.id
    assert mysql.project_id == project.id

    # The default group: the source's rules, plus the IPv6 egress rule the
    # destination made and the source lacks, once each.
    default = copies['default']
    expected = rule_keys(source, groups.default.id, source_names)
    expected.append(('egress', 'IPv6', None, None, None, None, None, ''))
    assert rule_keys(destination, default.id, copy_names) == \
        sorted(expected, key=repr)
    events = migration_api.list_events(migration.id)
    warnings = [e.message for e in events if e.level == 'WARNING'
                and 'lacks' in e.message]
    assert len(warnings) == 1 and 'egress IPv6 any' in warnings[0], \
        warnings

    rules = len(list(destination.network.security_group_rules(
        project_id=project.id)))
    second = helpers.migrate(helpers.project_selection(name, *SECURITY))
    helpers.assert_clean(second)
    assert {i.action for i in migration_api.list_plan_items(second.id)} \
        == {'reuse'}
    assert len(list(destination.network.security_group_rules(
        project_id=project.id))) == rules
    assert set(groups_of(destination, project.id)) == set(copies)


def test_interrupted_group_create_is_adopted(engine, workspace, groups):
    destination = workspace.destination
    name = workspace.project.name
    # The project is already there, as an earlier run made it.
    project = workspace.new_project(destination, name)
    migration = runner.create(
        'source', 'destination', helpers.project_selection(name, *SECURITY),
        {}, project_id='admin')
    migration = runner.plan(migration.uuid)
    items = helpers.items_by_key(migration)
    item = items[('network.security_group', groups.web.id)]
    assert item.action == 'create'

    # The earlier run died right after creating web.
    resource = res.Resource.from_item(item)
    attrs = res.translate(resource.attrs, lambda key: project.id)
    made = sg_mod.SecurityGroupDriver().create(
        types.SimpleNamespace(destination=destination), resource, attrs)

    migration = engine_fixtures.run(migration.uuid, workers=2)
    helpers.assert_clean(migration)
    assert helpers.items_by_key(migration)[
        ('network.security_group', groups.web.id)].destination_id == made
    copies = groups_of(destination, project.id)  # one of each name
    assert copies[groups.web.name].id == made
    keys = rule_keys(destination, made, {})
    assert len(keys) == len(set(keys)) == 5
    events = [e.message for e in migration_api.list_events(migration.id)]
    assert any('adopted' in m and groups.web.name in m for m in events)


def test_used_takes_the_groups_of_the_servers_ports(engine, workspace,
                                                     groups):
    flavor = workspace.new_flavor(vcpus=1, ram=64, disk=1)
    network = workspace.network()
    port = workspace.member.network.create_port(
        network_id=network.id, security_group_ids=[groups.db.id])
    image = workspace.source.image.find_image('cirros-like',
                                              ignore_missing=False)
    server = workspace.member.compute.create_server(
        name=workspace.name('server'), flavor_id=flavor.id,
        image_id=image.id, networks=[{'port': port.id}])
    workspace.member.compute.wait_for_server(server, wait=120)

    selection = helpers.project_selection(workspace.project.name, *SECURITY)
    selection['strategies']['network.security_group'] = 'used'
    migration = runner.create('source', 'destination', selection, {},
                              project_id='admin')
    migration = runner.plan(migration.uuid)
    planned = {i.source_name for i in migration_api.list_plan_items(
        migration.id) if i.resource_type == 'network.security_group'}
    # db by its port, web because db's rule admits it; not default.
    assert planned == {groups.db.name, groups.web.name}
    rules = [i for i in migration_api.list_plan_items(migration.id)
             if i.resource_type == 'network.security_group_rule']
    assert len(rules) == 2 + 5
