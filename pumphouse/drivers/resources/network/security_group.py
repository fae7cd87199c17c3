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

"""network.security_group and network.security_group_rule.

The source is listed once per collection and without a project filter: a
project-filtered GET makes Neutron create the project's ``default`` group,
and the source must not change. A project's ``default`` group is never
created in the destination: Neutron makes one per project, which is
reused; its rules are reconciled like those of any group (equal ones are
reused, missing ones created) and rules the source lacks are reported.
"""

import ipaddress

from openstack import exceptions as sdk_exc

from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

GROUP = 'network.security_group'
DEFAULT = 'default'

#: Protocol names Neutron accepts, as the numbers it treats them as.
PROTOCOL_NUMBERS = {
    'ah': 51, 'dccp': 33, 'egp': 8, 'esp': 50, 'gre': 47, 'hopopt': 0,
    'icmp': 1, 'igmp': 2, 'ip': 0, 'ipip': 4, 'ipv6-encap': 41,
    'ipv6-frag': 44, 'ipv6-icmp': 58, 'icmpv6': 58, 'ipv6-nonxt': 59,
    'ipv6-opts': 60, 'ipv6-route': 43, 'ospf': 89, 'pgm': 113, 'rsvp': 46,
    'sctp': 132, 'tcp': 6, 'udp': 17, 'udplite': 136, 'vrrp': 112}


def normal_protocol(protocol, ethertype: str | None) -> str | None:
    """A protocol as Neutron compares it: a number, None for any."""
    if protocol is None or str(protocol).lower() in ('', 'any'):
        return None
    name = str(protocol).lower()
    if name == 'icmp' and ethertype == 'IPv6':
        name = 'ipv6-icmp'
    return str(PROTOCOL_NUMBERS.get(name, name))


def normal_prefix(prefix: str | None) -> str | None:
    """A CIDR in canonical form; None for "anywhere" (absent or /0)."""
    if not prefix:
        return None
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return prefix
    return None if network.prefixlen == 0 else str(network)


def rule_key(rule: dict) -> tuple:
    """What makes two rules of one group the same rule for Neutron."""
    return (rule['direction'], rule['ethertype'],
            normal_protocol(rule['protocol'], rule['ethertype']),
            rule['port_range_min'], rule['port_range_max'],
            normal_prefix(rule['remote_ip_prefix']), rule['remote_group'])


def canonical_rule(rule: dict) -> dict:
    """Rule attributes with protocol and prefix in compared form."""
    return dict(rule,
                protocol=normal_protocol(rule.get('protocol'),
                                         rule.get('ethertype')),
                remote_ip_prefix=normal_prefix(rule.get('remote_ip_prefix')))


def rule_fields(rule) -> dict:
    """The rule attributes of an SDK rule, references as raw ids."""
    return {'direction': rule.direction, 'ethertype': rule.ether_type,
            'protocol': rule.protocol,
            'port_range_min': rule.port_range_min,
            'port_range_max': rule.port_range_max,
            'remote_ip_prefix': rule.remote_ip_prefix,
            'remote_group': rule.remote_group_id,
            'description': common.neutron_text(rule.description)}


def source_groups(ctx) -> dict:
    """Every source security group, by id (one unfiltered list)."""
    return common.source_list(ctx, 'security_groups',
                              ctx.source.network.security_groups)


def source_rules(ctx) -> dict:
    """Every source security group rule, by id (one unfiltered list)."""
    return common.source_list(ctx, 'security_group_rules',
                              ctx.source.network.security_group_rules)


def _group_fields(group) -> dict:
    return {'name': group.name,
            'description': common.neutron_text(group.description),
            'stateful': bool(group.stateful if group.stateful is not None
                             else True),
            'tags': sorted(group.tags or [])}


def _is_auto_egress(rule: dict) -> bool:
    # What Neutron adds to every new group: egress anywhere, v4 and v6.
    return (rule['direction'] == 'egress' and rule['protocol'] is None
            and rule['port_range_min'] is None
            and rule['port_range_max'] is None
            and normal_prefix(rule['remote_ip_prefix']) is None
            and rule['remote_group'] is None)


class SecurityGroupDriver(base.ResourceDriver):
    """Security groups: name, description, stateful, tags, project.

    ``used`` takes the groups of the ports of the servers in the
    workload's projects.
    """

    strategies = ('tenant', 'depend', 'all', 'used', 'specific')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant'}
    quota = ('network', 'security_group')

    def describe_source(self, group) -> res.Resource:
        attrs = dict(_group_fields(group),
                     project=res.ref('identity.project', group.project_id))
        return res.Resource(self.resource_type, group.id, group.name,
                            attrs)

    def _chosen(self, ctx, selection) -> set[str]:
        strategy = selection.strategy(self)
        if strategy == 'specific':
            return selection.specific_ids(self.resource_type)
        if strategy == 'all':
            # Neutron keeps the groups of deleted projects: leave them.
            projects = compute.source_project_ids(ctx)
            return {i for i, g in source_groups(ctx).items()
                    if g.project_id in projects}
        if strategy == 'tenant':
            return {i for i, g in source_groups(ctx).items()
                    if g.project_id in selection.scope_projects}
        if strategy == 'used':
            servers = {s.id for s in compute.servers_of_projects(
                ctx, selection.scope_projects)}
            if not servers:
                return set()
            # The same cached list as the network.port driver's.
            ports = common.source_list(ctx, 'neutron:ports',
                                       ctx.source.network.ports)
            return {g for p in ports.values() if p.device_id in servers
                    for g in p.security_group_ids or []}
        return set()

    def expand(self, ctx, selection, graph):
        return self.fetch(ctx, {i for i in self._chosen(ctx, selection)
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        groups = source_groups(ctx)
        return [self.describe_source(groups[i]) for i in sorted(ids)
                if i in groups]

    @staticmethod
    def _describe(group) -> dict:
        return dict(_group_fields(group), id=group.id,
                    project=group.project_id)

    def get_destination(self, ctx, destination_id):
        group = common.get_or_none(
            ctx.destination.network.get_security_group, destination_id)
        return self._describe(group) if group else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['project'], res.Unresolved):
            return None
        # Filtered by project: Neutron makes the project's default group
        # now if it has none, which is the one to reuse.
        candidates = [self._describe(g) for g in
                      ctx.destination.network.security_groups(
                          project_id=attrs['project'], name=attrs['name'])]
        return compute.pick(candidates, attrs, self.compare)

    def create(self, ctx, resource, attrs) -> str:
        network = ctx.destination.network
        if attrs['name'] == DEFAULT:
            # Never a second default group: make Neutron's own match.
            return self._align_default(ctx, attrs)
        group = network.create_security_group(
            name=attrs['name'], description=attrs['description'],
            stateful=attrs['stateful'], project_id=attrs['project'])
        try:
            if attrs['tags']:
                network.set_tags(group, attrs['tags'])
        except Exception:
            self.delete(ctx, group.id)
            raise
        return group.id

    def complete(self, ctx, resource, attrs, existing, differences):
        """Align the destination's default group, or tag a group an
        interrupted create left untagged."""
        if attrs['name'] == DEFAULT:
            return self._align_default(ctx, attrs)
        if set(differences) != {'tags'}:
            return None
        group = ctx.destination.network.get_security_group(existing['id'])
        ctx.destination.network.set_tags(group, attrs['tags'])
        return group.id

    def _align_default(self, ctx, attrs: dict) -> str:
        network = ctx.destination.network
        group = common.one_or_none(network.security_groups(
            project_id=attrs['project'], name=DEFAULT))
        if group is None:
            raise sdk_exc.ResourceNotFound(
                f'project {attrs["project"]} has no default security group '
                'in the destination')
        current = _group_fields(group)
        changes = {k: attrs[k] for k in ('description', 'stateful')
                   if current[k] != attrs[k]}
        if changes:
            network.update_security_group(group, **changes)
        if current['tags'] != attrs['tags']:
            network.set_tags(group, attrs['tags'])
        return group.id

    def delete(self, ctx, destination_id) -> None:
        network = ctx.destination.network
        group = common.get_or_none(network.get_security_group,
                                   destination_id)
        if group is None or group.name == DEFAULT:
            return  # Neutron's own; it goes with its project
        network.delete_security_group(group, ignore_missing=True)

    def rename(self, attrs, suffix):
        # A project has one default group: another name is another group.
        if attrs['name'] == DEFAULT:
            return dict(attrs)
        return super().rename(attrs, suffix)

    def demand(self, ctx, resource, graph):
        if resource.attrs['name'] == DEFAULT:
            return {}
        return super().demand(ctx, resource, graph)

    def after_create(self, ctx, resource, destination_id, created) -> None:
        """Handle destination rules the source group lacks.

        A group this migration made loses the egress rules Neutron added
        to it; any other extra rule (e.g. of a reused default group) is
        left and reported.
        """
        wanted = set()
        for rule in source_rules(ctx).values():
            if rule.security_group_id != resource.id or \
                    rule.remote_address_group_id:
                continue  # not ours, or not migrated
            fields = rule_fields(rule)
            remote = fields['remote_group']
            if remote == resource.id:
                fields['remote_group'] = destination_id
            elif remote:
                # A group not migrated yet matches no destination rule.
                fields['remote_group'] = ctx.lookup((GROUP, remote)) or \
                    f'<new {remote}>'
            wanted.add(rule_key(fields))
        network = ctx.destination.network
        for rule in network.security_group_rules(
                security_group_id=destination_id):
            fields = rule_fields(rule)
            if rule_key(fields) in wanted:
                continue
            if created and resource.attrs['name'] != DEFAULT and \
                    _is_auto_egress(fields):
                network.delete_security_group_rule(rule,
                                                   ignore_missing=True)
                continue
            ctx.event('security_group_rule',
                      f'security group {resource.name} ({destination_id}) '
                      f'has a rule the source lacks, left in place: '
                      f'{_rule_text(fields)}', level='WARNING')


def _rule_text(fields: dict) -> str:
    ports = ''
    if fields['port_range_min'] is not None:
        ports = f' ports {fields["port_range_min"]}-' \
                f'{fields["port_range_max"]}'
    remote = fields['remote_ip_prefix'] or (
        f'group {fields["remote_group"]}' if fields['remote_group']
        else 'anywhere')
    return (f'{fields["direction"]} {fields["ethertype"]} '
            f'{fields["protocol"] or "any"}{ports} {remote}')


class SecurityGroupRuleDriver(base.ResourceDriver):
    """Rules: direction, ethertype, protocol, ports, remote IP prefix or
    remote group, description. Rules follow their group: every rule of a
    group in the workload is taken in."""

    strategies = ('depend', 'all', 'specific')
    renamable = False
    quota = ('network', 'security_group_rule')

    def describe_source(self, rule) -> res.Resource:
        fields = rule_fields(rule)
        attrs = dict(fields,
                     security_group=res.ref(GROUP, rule.security_group_id),
                     remote_group=res.ref(GROUP, fields['remote_group']))
        resource = res.Resource(self.resource_type, rule.id, None, attrs)
        if rule.remote_address_group_id:
            resource.data['skip'] = ('rules with a remote address group are '
                                     'not migrated')
        return resource

    def expand(self, ctx, selection, graph):
        strategy = selection.strategy(self)
        if strategy == 'specific':
            ids = selection.specific_ids(self.resource_type)
        else:
            if strategy == 'all':
                projects = compute.source_project_ids(ctx)
                groups = {i for i, g in source_groups(ctx).items()
                          if g.project_id in projects}
            else:
                groups = {g.id for g in graph.of_type(GROUP)}
            if not groups:
                return []
            ids = {i for i, r in source_rules(ctx).items()
                   if r.security_group_id in groups}
        return self.fetch(ctx, {i for i in ids
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        if not ids:
            return []
        rules = source_rules(ctx)
        return [self.describe_source(rules[i]) for i in sorted(ids)
                if i in rules]

    @staticmethod
    def _describe(rule) -> dict:
        return dict(rule_fields(rule), id=rule.id,
                    security_group=rule.security_group_id)

    def compare(self, expected, actual):
        return super().compare(canonical_rule(expected),
                               canonical_rule(actual))

    def get_destination(self, ctx, destination_id):
        rule = common.get_or_none(
            ctx.destination.network.get_security_group_rule, destination_id)
        return self._describe(rule) if rule else None

    def find_destination(self, ctx, resource, attrs):
        if any(isinstance(attrs[k], res.Unresolved)
               for k in ('security_group', 'remote_group')):
            return None
        key = rule_key(attrs)
        candidates = [
            self._describe(r) for r in
            ctx.destination.network.security_group_rules(
                security_group_id=attrs['security_group'])
            if rule_key(rule_fields(r)) == key]
        return compute.pick(candidates, attrs, self.compare)

    def create(self, ctx, resource, attrs) -> str:
        network = ctx.destination.network
        group = network.get_security_group(attrs['security_group'])
        kwargs = {'security_group_id': group.id,
                  'project_id': group.project_id,
                  'direction': attrs['direction'],
                  'ether_type': attrs['ethertype']}
        for name in ('protocol', 'port_range_min', 'port_range_max',
                     'remote_ip_prefix', 'description'):
            if attrs[name] not in (None, ''):
                kwargs[name] = attrs[name]
        if attrs['remote_group']:
            kwargs['remote_group_id'] = attrs['remote_group']
        return network.create_security_group_rule(**kwargs).id

    def delete(self, ctx, destination_id) -> None:
        ctx.destination.network.delete_security_group_rule(
            destination_id, ignore_missing=True)

    def demand(self, ctx, resource, graph):
        # A rule counts against the project of its group.
        group = graph.get(res.ref_key(resource.attrs['security_group']))
        project = group.attrs.get('project') if group else None
        if not res.is_ref(project):
            return {}
        service, name = self.quota
        return {('quota', service, res.ref_key(project)[1], name): 1}
