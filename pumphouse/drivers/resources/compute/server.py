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

"""compute.server: Nova servers, moved with one short downtime each.

A server's plan item suspends it (or stops it), brings its disk over
from its image (or, with ``server_data_mode = snapshot``, as a snapshot
of its disk), boots the copy in the destination project with the ports
network.port made (same MACs and fixed IPs), the volumes volume.volume
made, its flavor, keypair, server group, metadata, availability zone,
user data, description and tags, waits for it to run, checks it and cuts
over (``server_cutover``: keep, stop or delete the source). See
:mod:`.server_path` for the path and what a failure undoes, and
:mod:`.server_boot` for how the copy is booted on behalf of its project
with the owner's keypair.

The copy carries ``pumphouse:source_server_id`` (the source server's id),
``pumphouse:owner_user_id`` (the destination id of the owner) and
``pumphouse:source_status`` in its metadata: a resumed run finds it by
name, project and marker and finishes it rather than booting another.

Workloads: ``server`` (named servers, by name or id), ``host`` (every
server on the named source hosts), ``project``/``domain`` (their
servers, only those on ``hosts`` when the workload names hosts).
"""

from pumphouse.common import exception
from pumphouse.drivers.resources import common
from pumphouse.drivers.resources.compute import common as compute
from pumphouse.drivers.resources.compute import keypair as keypair_mod
from pumphouse.drivers.resources.compute import placement
from pumphouse.drivers.resources.compute import server_boot
from pumphouse.drivers.resources.compute import server_group
from pumphouse.drivers.resources.compute import server_path
from pumphouse.drivers.resources.compute import server_snapshot
from pumphouse.drivers.resources.compute import server_source
from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.network import common as network
from pumphouse.engine import driver as base
from pumphouse.engine import resource as res
from pumphouse.engine.checks import facts

#: Statuses in which a copy found in the destination is complete enough
#: to be compared attribute by attribute.
SETTLED = ('ACTIVE', 'SHUTOFF')


class ServerDriver(base.ResourceDriver):
    """Nova servers and the path that moves each one (see the module)."""

    strategies = ('tenant', 'host', 'specific', 'all', 'depend')
    workload_strategies = {'project': 'tenant', 'domain': 'tenant',
                           'server': 'specific', 'host': 'host'}
    renamable = False
    quota = ('compute', 'instances')
    api_needs = (
        base.ApiNeed('source', 'compute', 'server tags and descriptions',
                     microversion='2.26'),
        base.ApiNeed('source', 'compute', 'server snapshots by image id',
                     microversion=server_snapshot.NOVA_CREATE_IMAGE),
        base.ApiNeed('destination', 'compute', 'tags at boot',
                     microversion='2.52'),
        base.ApiNeed('destination', 'compute', 'volume attachments',
                     microversion=server_boot.NOVA_LIST_ATTACHMENTS),
        base.ApiNeed('destination', 'compute',
                     'delete on termination of attached volumes',
                     microversion=server_boot.NOVA_UPDATE_ATTACHMENT),
        base.ApiNeed('destination', 'placement', 'the capacity pre-check',
                     microversion=placement.MICROVERSION))

    # -- discovery -------------------------------------------------------
    def _chosen(self, ctx, selection) -> set[str]:
        strategy = selection.strategy(self)
        workload = selection.workload
        servers = compute.source_servers(ctx)
        if strategy == 'specific':
            chosen = set(selection.specific_ids(self.resource_type))
            if workload.kind == 'server':
                chosen |= _named(servers, workload.names)
            return chosen
        hosts = workload.on_hosts()
        if hosts is not None:
            _check_hosts(ctx, hosts, servers)
        if strategy == 'host':
            if hosts is None:
                return set()
            chosen = set(servers)
            if workload.kind in ('project', 'domain'):
                chosen = {i for i in chosen
                          if servers[i].project_id in
                          selection.scope_projects}
        elif strategy == 'tenant':
            chosen = {s.id for s in compute.servers_of_projects(
                ctx, selection.scope_projects)}
        elif strategy == 'all':
            projects = compute.source_project_ids(ctx)
            chosen = {i for i, s in servers.items()
                      if s.project_id in projects}
        else:
            return set()
        if hosts is not None:
            chosen = {i for i in chosen if _on(servers[i], hosts)}
        return chosen

    def expand(self, ctx, selection, graph):
        return self.fetch(ctx, {i for i in self._chosen(ctx, selection)
                                if (self.resource_type, i) not in graph})

    def fetch(self, ctx, ids):
        servers = compute.source_servers(ctx)
        return [self.describe_source(ctx, servers[i]) for i in sorted(ids)
                if i in servers]

    def describe_source(self, ctx, server) -> res.Resource:
        """The plan resource of a source server."""
        data = {'host': server.compute_host, 'status': server.status}
        flavor_id = compute.server_flavor_id(server,
                                             compute.source_flavors(ctx))
        skip = _not_migratable(ctx, server, flavor_id)
        if skip:
            return res.Resource(self.resource_type, server.id, server.name,
                                {}, data=dict(data, skip=skip))
        notes = []
        boot = _boot_mode(ctx, server, notes)
        ports = server_source.ordered_ports(
            server, _ports_by_device(ctx).get(server.id, []))
        devices = {}
        if server.attached_volumes:
            devices = _volume_devices(ctx).get(server.id, {})
        attrs = dict(
            server_source.fields(server),
            flavor=res.ref('compute.flavor', flavor_id),
            image=(res.ref('image.image', server_source.image_id(server))
                   if boot == server_source.BOOT_IMAGE else None),
            ports=[res.ref('network.port', p.id) for p in ports],
            block_devices=server_source.block_devices(
                server, devices, lambda v: res.ref('volume.volume', v)),
            server_group=res.ref('compute.server_group',
                                 _server_groups(ctx).get(server.id)),
            project=res.ref('identity.project', server.project_id),
            user=res.ref('identity.user', _user_id(ctx, server, notes)))
        needs = []
        keypair = _keypair_id(ctx, server, attrs['user'], notes)
        if keypair is None:
            attrs['key_name'] = None
        else:
            needs.append(('compute.keypair', keypair))
        port_ids = {p.id for p in ports}
        floating_ips = {
            f.id: {'port': f.port_id, 'fixed_ip_address': f.fixed_ip_address}
            for f in network.floating_ips(ctx).values()
            if f.port_id in port_ids}
        needs += [('network.floating_ip', i) for i in sorted(floating_ips)]
        data.update(boot=boot, keypair=keypair,
                    flavor=server_source.flavor_sizes(server),
                    floating_ips=floating_ips)
        if notes:
            data['note'] = '; '.join(notes)
        return res.Resource(self.resource_type, server.id, server.name,
                            attrs, data=data, needs=needs)

    def demand(self, ctx, resource, graph) -> dict[tuple, int]:
        """Nova quota (instances, cores, RAM) of the project and Placement
        resources (VCPU, MEMORY_MB, DISK_GB) from the flavor."""
        project, sizes = resource.attrs.get('project'), \
            resource.data.get('flavor')
        if not res.is_ref(project) or not sizes:
            return {}
        project_id = res.ref_key(project)[1]
        wanted = {('quota', 'compute', project_id, 'instances'): 1,
                  ('quota', 'compute', project_id, 'cores'):
                      sizes['vcpus'],
                  ('quota', 'compute', project_id, 'ram'): sizes['ram']}
        for resource_class, amount in server_source.placement_demand(
                sizes, resource.data.get('boot')).items():
            wanted['placement', resource_class] = amount
        return {k: v for k, v in wanted.items() if v > 0}

    def placement_providers(self, ctx) -> list[facts.ProviderUsage]:
        """The destination's resource providers, for the capacity
        pre-check of what :meth:`demand` asks of Placement."""
        return placement.resource_providers(ctx.destination)

    # -- the destination -------------------------------------------------
    def describe_destination(self, ctx, server) -> dict:
        """A destination server in the terms of the source attributes,
        plus its status and the status it should have."""
        ports = server_source.ordered_ports(
            server, ctx.destination.network.ports(device_id=server.id))
        devices = {}
        if server.attached_volumes:
            devices = {a['volumeId']: a.get('device') for a in
                       server_boot.attachments(ctx.destination, server.id)}
        metadata = server.metadata or {}
        return dict(
            server_source.fields(server), id=server.id,
            flavor=_destination_flavor_id(ctx, server),
            image=server_source.image_id(server),
            ports=[p.id for p in ports],
            block_devices=server_source.block_devices(server, devices,
                                                      lambda v: v),
            server_group=(server.server_groups or [None])[0],
            project=server.project_id,
            user=metadata.get(server_state.OWNER_KEY),
            status=server.status,
            expected_status=server_state.expected_status(
                metadata.get(server_state.SOURCE_STATUS_KEY)))

    def get_destination(self, ctx, destination_id):
        server = server_state.get_or_none(ctx.destination, destination_id)
        return self.describe_destination(ctx, server) if server else None

    def find_destination(self, ctx, resource, attrs):
        project = attrs.get('project')
        if not project or isinstance(project, res.Unresolved):
            return None
        copy = common.one_or_none(server_boot.marked_copies(
            ctx.destination, project, attrs['name'], resource.id))
        return self.get_destination(ctx, copy.id) if copy else None

    def compare(self, expected: dict, actual: dict) -> dict:
        """Attribute differences, plus ``status`` when the copy is not in
        the status the migration left it in (ACTIVE for a running
        source). The image of a copy booted from a snapshot or a volume
        is not compared (expected None)."""
        actual = {k: v for k, v in actual.items() if k != 'id'}
        status = actual.pop('status', None)
        wanted = actual.pop('expected_status', None)
        if expected.get('image') is None:
            actual['image'] = None
        diffs = res.differences(expected, actual, ignore=self.verify_ignore)
        if status != wanted:
            diffs['status'] = {'source': wanted, 'destination': status}
        return diffs

    # -- apply -----------------------------------------------------------
    def create(self, ctx, resource, attrs) -> str:
        return server_path.migrate(ctx, resource, attrs)

    def complete(self, ctx, resource, attrs, existing, differences):
        """Finish the copy an interrupted attempt booted: wait for it,
        boot it again if it failed, set what comes after the boot."""
        if not _completable(attrs, existing, differences):
            server_path.give_back(ctx, resource)
            return None
        return server_path.resume_copy(ctx, resource, attrs, existing)

    def after_create(self, ctx, resource, destination_id, created) -> None:
        """Floating IPs and cutover of a server this migration moved
        (a reused one, moved by an earlier migration, is left alone)."""
        if created and resource.attrs:
            server_path.after_create(ctx, resource, destination_id)

    def abandon(self, ctx, resource) -> None:
        """A server whose item is blocked runs again in the source if
        Pumphouse quiesced it (ahead of the item, for its volumes); the
        copies this migration made of its volumes are removed, their
        items pending again (see :func:`server_path.give_back`)."""
        server_path.give_back(ctx, resource)

    def delete(self, ctx, destination_id) -> None:
        server_path.delete(ctx, destination_id)


# -- helpers of discovery ---------------------------------------------------

def _named(servers: dict, names: list[str]) -> set[str]:
    """Ids of the servers a ``server`` workload names (by id or name)."""
    chosen = set()
    for wanted in names:
        if wanted in servers:
            chosen.add(wanted)
            continue
        matches = [i for i, s in servers.items() if s.name == wanted]
        if not matches:
            raise exception.Invalid(
                reason=f'server {wanted!r} was not found in the source')
        if len(matches) > 1:
            raise exception.Invalid(
                reason=f'{len(matches)} servers are named {wanted!r}; '
                       'give the server id')
        chosen.add(matches[0])
    return chosen


def _on(server, hosts: set[str]) -> bool:
    return server.compute_host in hosts or \
        server.hypervisor_hostname in hosts


def _check_hosts(ctx, hosts: set[str], servers: dict) -> None:
    """Refuse host names the source does not know (a typo would move
    nothing without a word)."""
    known = ctx.cached('source:compute-hosts', lambda: {
        s.host for s in ctx.source.compute.services(binary='nova-compute')})
    known = known | {s.hypervisor_hostname for s in servers.values()}
    unknown = sorted(set(hosts) - known)
    if unknown:
        raise exception.Invalid(
            reason=f'source host(s) {", ".join(unknown)} not found; the '
                   f'source has {", ".join(sorted(k for k in known if k))}')


def _not_migratable(ctx, server, flavor_id: str | None) -> str | None:
    """Why a server cannot be migrated, or None."""
    if server.status not in server_state.MIGRATABLE:
        return f'status {server.status} (only ' + ', '.join(
            server_state.MIGRATABLE) + ' servers are migrated)'
    if server.project_id not in compute.source_project_ids(ctx):
        return f'its project {server.project_id} is gone from the source'
    if flavor_id is None:
        name = getattr(server.flavor, 'original_name', None)
        return f'its flavor {name} is gone from the source'
    return None


def _boot_mode(ctx, server, notes: list[str]) -> str:
    image_id = server_source.image_id(server)
    if image_id is None:
        return server_source.BOOT_VOLUME
    if ctx.options.get('server_data_mode', 'image') == 'snapshot':
        return server_source.BOOT_SNAPSHOT
    if not ctx.cached(f'source:image-exists:{image_id}', lambda: (
            common.get_or_none(ctx.source.image.get_image, image_id)
            is not None)):
        notes.append(f'its image {image_id} is gone from the source: its '
                     'disk goes over as a snapshot')
        return server_source.BOOT_SNAPSHOT
    return server_source.BOOT_IMAGE


def _ports_by_device(ctx) -> dict[str, list]:
    """Source user ports by the server they belong to."""
    def load():
        found: dict[str, list] = {}
        for port in network.ports(ctx).values():
            if port.device_id and (port.device_owner or '').startswith(
                    network.SERVER_OWNERS):
                found.setdefault(port.device_id, []).append(port)
        return found
    return ctx.cached('source:ports-by-server', load)


def _volume_devices(ctx) -> dict[str, dict]:
    """``{server id: {volume id: device}}`` from one Cinder list."""
    def load():
        found: dict[str, dict] = {}
        for volume in ctx.source.block_storage.volumes(all_projects=True):
            for attachment in volume.attachments or ():
                found.setdefault(attachment.get('server_id'), {})[
                    volume.id] = attachment.get('device')
        return found
    return ctx.cached('source:volume-devices-by-server', load)


def _server_groups(ctx) -> dict[str, str]:
    """``{server id: server group id}`` of the source."""
    return ctx.cached('source:server-group-of', lambda: {
        member: group.id
        for group in server_group.ServerGroupDriver.all_source(ctx).values()
        for member in group.member_ids or ()})


def _user_id(ctx, server, notes: list[str]) -> str | None:
    users = common.source_list(ctx, 'users', ctx.source.identity.users)
    if server.user_id in users:
        return server.user_id
    notes.append(f'its user {server.user_id} is gone from the source')
    return None


def _keypair_id(ctx, server, user_ref, notes: list[str]) -> str | None:
    """The source id of the server's keypair, if it can be brought."""
    if not server.key_name:
        return None
    if user_ref is None:
        notes.append(f'keypair {server.key_name} left out: its user is '
                     'gone')
        return None
    wanted = keypair_mod.keypair_id(server.user_id, server.key_name)
    if not keypair_mod.KeypairDriver().fetch(ctx, {wanted}):
        notes.append(f'keypair {server.key_name} is gone from the source: '
                     'the copy boots without a key')
        return None
    return wanted


# -- helpers of the destination ---------------------------------------------

def _destination_flavor_id(ctx, server) -> str | None:
    """The destination flavor a copy runs with (Nova embeds a copy of
    the flavor from 2.47, found by name and sizes); listed once per run,
    again when a flavor is not found in the list."""
    def load():
        return {f.id: f for f in
                ctx.destination.compute.flavors(is_public=None)}
    found = compute.server_flavor_id(
        server, ctx.cached('destination:flavors', load))
    if found is None:
        ctx.cache['destination:flavors'] = flavors = load()
        found = compute.server_flavor_id(server, flavors)
    return found


def _completable(attrs: dict, existing: dict, differences: dict) -> bool:
    """Whether the differences are those of a copy an interrupted attempt
    left: still building or failed, or running without the steps that
    follow the boot (delete on termination, power state)."""
    if existing.get('status') not in SETTLED:
        return True
    if not set(differences) <= {'status', 'block_devices'}:
        return False
    if 'block_devices' in differences:
        def strip(devices):
            return [{k: v for k, v in d.items()
                     if k != 'delete_on_termination'} for d in devices]
        return strip(attrs['block_devices']) == \
            strip(existing['block_devices'])
    return True
