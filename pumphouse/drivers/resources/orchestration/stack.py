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

"""orchestration.stack: Heat stacks, adopted by the destination's Heat.

A stack's physical resources are moved by the drivers of their types
(the stack's item refers to each of them, so the plan takes them in and
creates the stack's item last); the stack itself is then recreated in
the destination *owning* the copies: Heat adopts it from the source's
export document with every physical id translated through the mapping
(:mod:`.adopt_data`), its template, environment, files, parameters and
the data of resources that hold no cloud resource (a random string's
value) kept, so that its outputs stay equal and Heat can update it.

The destination's Heat checks the stack's keypairs against the user who
adopts it, so the stack is adopted by a temporary user holding copies of
them, as a server with a keypair is booted
(:class:`~pumphouse.drivers.resources.compute.server_boot.BootUser`); it
is removed once Heat is done. Heat gives the stack's trust to whoever
updates it next: the owner (the user of the stack's servers), whose
role assignments on the project come with the stack.

A stack Heat cannot adopt (the destination's Heat has adopting off, a
resource no driver moves, a stack not ``*_COMPLETE``) is skipped: the
``stack`` pre-check names it and the reason, and stops the migration
unless overridden, in which case its resources move without it.

Undoing a stack abandons it in the destination: Heat forgets it and
leaves the resources (their own items undo them); Pumphouse never
deletes a stack. With ``server_cutover = delete`` the source stack is
abandoned once the destination has adopted it.

Workloads: ``stack`` (stacks by name or id, in ``project`` when given),
``project``/``domain`` (every stack of their projects).
"""

import json

from openstack import exceptions as sdk_exc
from oslo_log import log

from pumphouse.common import exception
from pumphouse.conf import CONF
from pumphouse.drivers.resources import scoped
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.drivers.resources.compute import keypair as keypair_mod
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.identity import assignment
from pumphouse.drivers.resources.network import common as network
from pumphouse.drivers.resources.orchestration import adopt_data
from pumphouse.drivers.resources.orchestration import heat_api
from pumphouse.drivers.resources.orchestration import physical
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res

LOG = log.getLogger(__name__)

#: The state both stacks are compared in: Heat is done with them.
DONE = 'COMPLETE'


def state(status: str | None) -> str:
    """``COMPLETE`` for any ``*_COMPLETE`` status, else the status."""
    return DONE if (status or '').endswith(heat_api.COMPLETE) else \
        status or 'UNKNOWN'


class StackDriver(base.ResourceDriver):
    """Heat stacks (see the module)."""

    strategies = ('tenant', 'specific', 'depend')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant',
                           'stack': 'specific'}

    # -- discovery -------------------------------------------------------
    def expand(self, ctx, selection, graph):
        stacks = self._chosen(ctx, selection)
        return [self._describe_source(ctx, stack) for stack in stacks
                if (self.resource_type, stack['id']) not in graph]

    def fetch(self, ctx, ids):
        found = []
        for stack_id in sorted(ids):
            stack = _source_stack(ctx, stack_id)
            if stack is not None:
                found.append(self._describe_source(ctx, stack))
        return found

    def _chosen(self, ctx, selection) -> list[dict]:
        strategy = selection.strategy(self)
        if selection.workload.kind == 'stack':
            return _named(ctx, selection.workload)
        if strategy == 'specific':
            return [s for s in (_source_stack(ctx, i) for i in sorted(
                selection.specific_ids(self.resource_type))) if s]
        if strategy != 'tenant' or not selection.scope_projects:
            return []
        if not _source_has_heat(ctx):
            return []
        stacks = []
        for project_id in sorted(selection.scope_projects):
            stacks.extend(_project_stacks(ctx, project_id))
        return stacks

    def _describe_source(self, ctx, stack: dict) -> res.Resource:
        """The stack as Pumphouse moves it: its leaves and what they
        need, its parameters and outputs with references where they name
        one of its resources."""
        name, stack_id = stack['stack_name'], stack['id']
        problems = []
        document = {}
        if not stack.get('stack_status', '').endswith(heat_api.COMPLETE):
            problems.append(f'the source stack is {stack["stack_status"]} '
                            '(only *_COMPLETE stacks are adopted)')
        warnings = []
        try:
            document = heat_api.export(ctx.source, name, stack_id)
        except sdk_exc.BadRequestException:
            # Heat answers NotSupported with 400: read what it shows.
            document = heat_api.listed_document(ctx.source, stack)
            warnings.append(
                'the source\'s Heat does not export stacks '
                '(enable_stack_abandon): read from its listings, without '
                'the data Heat keeps inside resources (a server\'s '
                'implicit ports are not removed with the adopted stack)')
        leaves = physical.leaves(document, _interface_port(ctx))
        problems += [leaf.problem for leaf in leaves if leaf.problem]
        refusal = _adopt_refusal(ctx)
        if refusal:
            problems.append(refusal)
        needs: list[res.Key] = []
        for leaf in leaves:
            needs += [k for k in leaf.needs if k not in needs]
        implicit = _implicit_ports(ctx, leaves)
        needs += [('network.port', p) for ports in implicit.values()
                  for p in ports if ('network.port', p) not in needs]
        known = {source_id: (kind, source_id) for kind, source_id in needs}
        keypairs = _keypairs(ctx, leaves)
        project = heat_api.parameters_all(stack).get('OS::project_id')
        grants = _owner_grants(ctx, leaves, project)
        attrs = {
            'name': name,
            'project': res.ref('identity.project', project),
            'state': DONE,
            'parameters': physical.with_refs(
                heat_api.parameters(stack), known),
            'outputs': physical.with_refs(heat_api.outputs(stack), known),
            'resources': {leaf.path: {'type': leaf.type,
                                      'id': leaf.expected}
                          for leaf in leaves},
        }
        data = {'export': document, 'problems': problems,
                'warnings': warnings, 'keypairs': keypairs,
                'implicit_ports': implicit,
                'mapped': [list(k) for k in needs]}
        if problems:
            data['skip'] = 'not adopted: ' + '; '.join(problems)
        needs += [('compute.keypair', k) for k in keypairs]
        needs += [('identity.role_assignment', g) for g in grants]
        return res.Resource(self.resource_type, stack_id, name, attrs,
                            data=data, needs=needs)

    # -- the destination -------------------------------------------------
    def get_destination(self, ctx, destination_id):
        stack = heat_api.get(ctx.destination, destination_id)
        return _describe(ctx.destination, stack) if stack else None

    def find_destination(self, ctx, resource, attrs):
        if isinstance(attrs['project'], res.Unresolved):
            return None
        # Heat lists a project's stacks to a token of that project only;
        # listed afresh every time: apply must see what it just adopted.
        conn = scoped.destination_in(ctx, attrs['project'])
        for stack in heat_api.project_stacks(conn):
            if stack['stack_name'] == attrs['name']:
                found = heat_api.get(ctx.destination, stack['id'])
                if found is not None:
                    return _describe(ctx.destination, found)
        return None

    def compare(self, expected, actual):
        expected = dict(expected)
        actual = {k: v for k, v in actual.items() if k != 'id'}
        wanted = {path: {'type': r['type'], 'id': physical.joined(r['id'])}
                  for path, r in expected.pop('resources', {}).items()}
        found = actual.pop('resources', {})
        diffs = res.differences(expected, actual, ignore=self.verify_ignore)
        for path in sorted(set(wanted) | set(found)):
            if wanted.get(path) != found.get(path):
                diffs[f'resources/{path}'] = {'source': wanted.get(path),
                                              'destination': found.get(path)}
        return diffs

    def create(self, ctx, resource, attrs) -> str:
        document = _adopt_document(ctx, resource, attrs)
        keypairs = [server_boot.owner_keypair(
            ctx, _mapped(ctx, ('compute.keypair', k)))
            for k in resource.data.get('keypairs', [])]
        with server_boot.BootUser(ctx, server_boot.boot_user_name(
                resource.id), attrs['project'], keypairs) as user:
            stack_id = heat_api.adopt(
                user.connection, attrs['name'], document,
                timeout_minutes=max(1, CONF.timeouts.stack_adopt // 60))
            _event(ctx, resource, 'adopt',
                   f'the destination\'s Heat adopts it as {stack_id}')
            # The adopting user's token does Heat's work: it stays until
            # Heat is done.
            heat_api.wait(ctx.destination, stack_id,
                          CONF.timeouts.stack_adopt)
        _event(ctx, resource, 'adopt', 'adopted')
        return stack_id

    def complete(self, ctx, resource, attrs, existing, differences):
        """A stack an interrupted attempt asked Heat to adopt: wait for
        Heat to finish it and take it if it is what was asked; one Heat
        failed to adopt is abandoned (its resources stay) and adopted
        again."""
        found = str(existing.get('state', ''))
        if found.endswith('_FAILED'):
            _event(ctx, resource, 'adopt',
                   f'the destination\'s copy is {found}: abandoned there '
                   'and adopted again')
            heat_api.abandon(ctx.destination, existing['name'],
                             existing['id'])
            heat_api.wait_gone(ctx.destination, existing['id'],
                               CONF.timeouts.stack_adopt)
            return self.create(ctx, resource, attrs)
        if not found.endswith('_IN_PROGRESS'):
            return None
        heat_api.wait(ctx.destination, existing['id'],
                      CONF.timeouts.stack_adopt)
        server_boot.remove_boot_user(ctx, resource.id)
        again = self.get_destination(ctx, existing['id'])
        if again is None or self.compare(attrs, again):
            return None
        return existing['id']

    def after_create(self, ctx, resource, destination_id, created) -> None:
        """Remove what an interrupted attempt left; with ``delete``
        cutover, abandon the source stack (never delete it)."""
        server_boot.remove_boot_user(ctx, resource.id)
        if created and ctx.options.get('server_cutover') == 'delete':
            heat_api.abandon(ctx.source, resource.name, resource.id)
            _event(ctx, resource, 'cutover',
                   'abandoned in the source (its resources are left to '
                   'their own cutover)')

    def delete(self, ctx, destination_id) -> None:
        """Abandon the destination's stack: Heat forgets it, the
        resources stay for their own items to undo."""
        stack = heat_api.get(ctx.destination, destination_id)
        if stack is not None:
            heat_api.abandon(ctx.destination, stack['stack_name'],
                             destination_id)


# -- helpers ----------------------------------------------------------------

def _event(ctx, resource, event_type: str, message: str) -> None:
    ctx.event(event_type, f'orchestration.stack '
                          f'{resource.name or resource.id}: {message}')


def _source_has_heat(ctx) -> bool:
    return ctx.cached('source:heat',
                      lambda: heat_api.available(ctx.source))


def _source_stack(ctx, stack_id: str) -> dict | None:
    """A source stack by id, read as admin (any project)."""
    return ctx.cached(f'source:stack:{stack_id}',
                      lambda: heat_api.get(ctx.source, stack_id))


def _project_stacks(ctx, project_id: str) -> list[dict]:
    """The stacks of a source project, each read in full by id."""
    def load():
        conn = scoped.source_in(ctx, project_id)
        return [s for s in (_source_stack(ctx, listed['id'])
                            for listed in heat_api.project_stacks(conn))
                if s is not None]
    return ctx.cached(f'source:stacks:{project_id}', load)


def _named(ctx, workload) -> list[dict]:
    """The stacks a ``stack`` workload names, by id or by name (a name
    in the workload's ``project``)."""
    if not _source_has_heat(ctx):
        raise exception.Invalid(reason='the source cloud has no Heat '
                                       '(no orchestration service)')
    project = workload.project
    in_project = (_project_stacks(ctx, _project_id(ctx, workload))
                  if project else None)
    chosen = []
    for wanted in workload.names:
        if in_project is not None:
            matches = [s for s in in_project
                       if wanted in (s['id'], s['stack_name'])]
        else:
            stack = _source_stack(ctx, wanted)
            matches = [stack] if stack and stack['id'] == wanted else []
        if not matches:
            where = f' in project {project}' if project else \
                ' (a stack is named by its id, or by its name with ' \
                '--project)'
            raise exception.Invalid(
                reason=f'stack {wanted!r} was not found in the '
                       f'source{where}')
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def _project_id(ctx, workload) -> str:
    projects = compute.source_projects(ctx)
    wanted = workload.project
    if wanted in projects:
        return wanted
    domain = workload.domain
    matches = [i for i, p in projects.items() if p.name == wanted and (
        domain is None or domain in (p.domain_id, _domain_name(ctx, p)))]
    if len(matches) != 1:
        raise exception.Invalid(
            reason=f'project {wanted!r} was not found in the source'
            if not matches else f'{len(matches)} projects are named '
                                f'{wanted!r}; give its id or its domain')
    return matches[0]


def _domain_name(ctx, project) -> str | None:
    domains = ctx.cached('source:domains', lambda: {
        d.id: d.name for d in ctx.source.identity.domains()})
    return domains.get(project.domain_id)


def _interface_port(ctx):
    """``(router, subnet) -> port``: the source port that joins them."""
    def find(router_id: str, subnet_id: str) -> str | None:
        for port in network.ports(ctx).values():
            if port.device_id == router_id and \
                    network.is_router_interface(port) and any(
                        ip.get('subnet_id') == subnet_id
                        for ip in port.fixed_ips or ()):
                return port.id
        return None
    return find


def _keypairs(ctx, leaves) -> list[str]:
    """Source ids of the keypairs the stack's servers were booted with:
    Heat checks them against the user who adopts the stack."""
    servers = compute.source_servers(ctx)
    found = []
    for leaf in leaves:
        if leaf.type != physical.SERVER or not res.is_ref(leaf.expected):
            continue
        server = servers.get(res.ref_key(leaf.expected)[1])
        if server is not None and server.key_name:
            key = keypair_mod.keypair_id(server.user_id, server.key_name)
            if key not in found:
                found.append(key)
    return found


def _implicit_ports(ctx, leaves) -> dict[str, list[str]]:
    """Ports Nova made for the stack's servers (booted on a network, not
    on a port of the stack), by the server's path.

    Nova deletes such a port with its server; the copy of the server is
    booted on a port Pumphouse made, which Nova keeps. Heat is told it
    made them (its ``internal_ports``), so that it deletes them with the
    server, as the source would have.
    """
    stack_ports = {res.ref_key(leaf.expected)[1] for leaf in leaves
                   if leaf.type == 'OS::Neutron::Port'
                   and res.is_ref(leaf.expected)}
    found = {}
    for leaf in leaves:
        if leaf.type != physical.SERVER or not res.is_ref(leaf.expected):
            continue
        server_id = res.ref_key(leaf.expected)[1]
        internal = {i for kind, i in leaf.needs if kind == 'network.port'}
        ports = sorted(
            p.id for p in network.ports(ctx).values()
            if p.device_id == server_id
            and (p.device_owner or '').startswith('compute:')
            and p.id not in stack_ports and p.id not in internal)
        if ports:
            found[leaf.path] = ports
    return found


def _owner_grants(ctx, leaves, project_id: str | None) -> list[str]:
    """The direct role assignments on the stack's project of the users
    its servers belong to (the stack's owner): they come with the stack,
    so that its owner can update it in the destination."""
    if not project_id:
        return []
    servers = compute.source_servers(ctx)
    owners = sorted({servers[res.ref_key(leaf.expected)[1]].user_id
                     for leaf in leaves
                     if leaf.type == physical.SERVER
                     and res.is_ref(leaf.expected)
                     and res.ref_key(leaf.expected)[1] in servers})
    return [grant for owner in owners
            for grant in assignment.of_user_on_project(ctx, owner,
                                                       project_id)]


def _adopt_refusal(ctx) -> str | None:
    """Why the destination would not adopt a stack, or None."""
    def load():
        if not heat_api.available(ctx.destination):
            return 'the destination cloud has no Heat'
        refused = heat_api.adopt_refused(ctx.destination)
        if refused:
            return ('the destination\'s Heat does not adopt stacks '
                    f'(enable_stack_adopt): {refused}')
        return None
    return ctx.cached('destination:heat-adopt-refusal', load)


def _mapped(ctx, key: res.Key) -> str:
    found = ctx.lookup(key)
    if found is None or isinstance(found, res.Unresolved):
        raise exception.PumphouseException(
            f'{key[0]} {key[1]} of the stack has no copy in the '
            'destination')
    return found


def _adopt_document(ctx, resource, attrs) -> dict:
    """The export document with every physical id the destination's."""
    mapping = {key[1]: _mapped(ctx, tuple(key))
               for key in resource.data.get('mapped', [])}
    translated = adopt_data.translate(resource.data['export'], mapping)
    if translated.untranslated:
        raise exception.PumphouseException(
            'resources of the stack have no copy in the destination: ' +
            ', '.join(str(u) for u in translated.untranslated[:10]))
    document = translated.data
    document['name'] = attrs['name']
    for path, ports in resource.data.get('implicit_ports', {}).items():
        _add_internal_ports(document, path.split('/'),
                            [_mapped(ctx, ('network.port', p))
                             for p in ports])
    return document


def _add_internal_ports(document: dict, path: list[str],
                        port_ids: list[str]) -> None:
    """Record ports in a server's ``internal_ports`` data (Heat deletes
    those with the server)."""
    entry = document
    for name in path:
        entry = entry['resources'][name]
    data = entry.setdefault('resource_data', {})
    ports = json.loads(data.get('internal_ports') or '[]')
    ports += [{'id': p} for p in port_ids
              if p not in {known.get('id') for known in ports}]
    data['internal_ports'] = json.dumps(ports)


def _describe(conn, stack: dict) -> dict:
    """A stack of either cloud as the two are compared."""
    name, stack_id = stack['stack_name'], stack['id']
    status = stack.get('stack_status') or ''
    return {
        'id': stack_id,
        'name': name,
        'project': heat_api.parameters_all(stack).get('OS::project_id'),
        'state': status if status.endswith('_IN_PROGRESS')
        else state(status),
        'parameters': heat_api.parameters(stack),
        'outputs': heat_api.outputs(stack),
        'resources': heat_api.leaf_resources(conn, name, stack_id),
    }
