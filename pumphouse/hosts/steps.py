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

"""The steps of a host's way (see :mod:`pumphouse.hosts.states`).

Each step is idempotent: run again after a crash, it looks at where the
clouds and the machine are and does only what is left.
"""

from pumphouse.conf import CONF
from pumphouse.drivers.hardware.power import base as power_base
from pumphouse.drivers.hardware.power import loader as power_loader
from pumphouse.drivers.hardware.provision import base as provision_base
from pumphouse.drivers.hardware.provision import loader as provision_loader
from pumphouse.hosts import evacuate as evacuate_mod
from pumphouse.hosts import nova
from pumphouse.hosts import plan_source


def disable(ctx) -> None:
    """Stop the source scheduler from placing servers on the host, once
    its evacuation plan says every server has a way off it (the plan is
    made first when the request brought none)."""
    plan_source.ensure(ctx)
    service = _service(ctx)
    ctx.set_option('nodes', nova.hypervisor_names(ctx.source, ctx.name)
                   or ctx.options.get('nodes') or [ctx.name])
    if service['status'] == 'disabled':
        # Disabled with Pumphouse's reason: by an attempt that died before
        # it could write so down.
        ours = service.get('disabled_reason') == CONF.hosts.disabled_reason
        if 'disabled_by_pumphouse' not in ctx.options or ours:
            ctx.set_option('disabled_by_pumphouse', ours)
        ctx.event('nova-compute is disabled already ('
                  f'{service.get("disabled_reason") or "no reason"})')
        return
    nova.set_service_status(ctx.source, service['id'], False,
                            CONF.hosts.disabled_reason)
    ctx.set_option('disabled_by_pumphouse', True)
    ctx.event('disabled nova-compute in the source')


def enable(ctx) -> None:
    """Put the host back into the source's scheduling (the revert of
    disable; servers moved away stay where they are)."""
    service = _service(ctx)
    if ctx.options.get('disabled_by_pumphouse') is False:
        ctx.event('nova-compute was disabled before Pumphouse disabled it; '
                  'leaving it disabled', level='WARNING')
        return
    if service['status'] != 'enabled':
        nova.set_service_status(ctx.source, service['id'], True)
    ctx.set_option('evacuation_migration', None)
    ctx.event('enabled nova-compute in the source')


def evacuate(ctx) -> str | None:
    """Move the servers off the host as its evacuation plan says; what
    stops the host's way ``disabled`` when servers are left on it."""
    return evacuate_mod.evacuate(ctx, plan_source.ensure(ctx))


def remove(ctx) -> None:
    """Delete the host's compute service and resource providers from the
    source cloud."""
    _remove_from_source(ctx)


def _remove_from_source(ctx) -> None:
    conn = ctx.source
    service = nova.compute_service(conn, ctx.name)
    if service is not None:
        servers = nova.servers_on(conn, ctx.name)
        if servers:
            raise ctx.fail(f'{len(servers)} server(s) came back onto the '
                           'host; evacuate it again')
        nova.delete_service(conn, service['id'])
        ctx.event('deleted the nova-compute service from the source')
    for node in ctx.options.get('nodes') or [ctx.name]:
        root = nova.resource_provider(conn, node)
        if root is None:
            continue
        # Children (bandwidth, vGPU, PCI devices) go before their parent.
        tree = nova.provider_tree(conn, root['uuid'])
        for provider in tree:
            used = {k: v for k, v in
                    nova.usages(conn, provider['uuid']).items() if v}
            if used:
                raise ctx.fail(f'the resource provider {provider["name"]} '
                               f'still has allocations: {used}')
        for provider in tree:
            nova.delete_resource_provider(conn, provider['uuid'])
        ctx.event(f'deleted the resource provider {node} from the source'
                  + (f' with {len(tree) - 1} child provider(s)'
                     if len(tree) > 1 else ''))


def power(ctx) -> None:
    """Boot the machine from the network: off, PXE, on.

    While it is off, what its nova-compute may have re-registered in the
    source since ``remove`` is removed again.
    """
    driver, info = _power(ctx)
    if driver.get_power_state(info) == power_base.ON:
        driver.set_power_state(info, power_base.OFF)
        ctx.event('powered off')
    _remove_from_source(ctx)
    # Right before power-on: BMCs drop a one-time boot flag after a while.
    driver.set_boot_device(info, 'pxe')
    ctx.event('next boot from the network (PXE)')
    driver.set_power_state(info, power_base.ON)
    ctx.event('powered on: the machine boots its installer')


def provision(ctx) -> None:
    """Let the provision driver make the machine a destination compute
    host."""
    if not ctx.host.provision_driver:
        raise ctx.fail('no provision driver is registered for the host')
    driver = provision_loader.get_driver(ctx.host.provision_driver)
    destination = ctx.destination
    machine = provision_base.Machine(
        name=ctx.name, macs=list(ctx.host.macs or []),
        power_driver=ctx.host.power_driver or '',
        power_info=ctx.power_info(), provision_info=ctx.provision_info(),
        destination=lambda: destination, event=ctx.event)
    ctx.event(f'provisioning through the {driver.name} driver')
    driver.provision(machine)


def join(ctx) -> None:
    """Wait for the host's nova-compute in the destination, enable it,
    wait for its inventory; add it to the host aggregate if asked."""
    conn = ctx.destination

    def up():
        service = nova.compute_service(conn, ctx.name)
        return service if service and service['state'] == 'up' else None

    service = ctx.wait(f'nova-compute of {ctx.name} to be up in the '
                       'destination', up, CONF.hosts.join_timeout)
    if service['status'] != 'enabled':
        nova.set_service_status(conn, service['id'], True)
        ctx.event('enabled nova-compute in the destination')

    listed = nova.hypervisor_names(conn, ctx.name)
    if not listed:
        ctx.event('the destination lists no hypervisor of the host yet: '
                  'it is not mapped to a cell; run "nova-manage cell_v2 '
                  'discover_hosts" there (or set [scheduler] '
                  'discover_hosts_in_cells_interval) before servers can be '
                  'scheduled to it', level='WARNING')

    def inventory():
        found = []
        for node in listed or [ctx.name]:
            provider = nova.resource_provider(conn, node)
            if provider is None or not nova.inventories(conn,
                                                        provider['uuid']):
                return None
            found.append(node)
        return found

    nodes = ctx.wait(f'the resource provider of {ctx.name} to have an '
                     'inventory in the destination', inventory,
                     CONF.hosts.join_timeout)
    ctx.event(f'nova-compute is up with its inventory ({", ".join(nodes)})')
    aggregate = ctx.options.get('aggregate')
    if aggregate:
        # Nova adds only hosts mapped to a cell to an aggregate.
        ctx.wait(f'{ctx.name} to be mapped to a cell of the destination',
                 lambda: nova.hypervisor_names(conn, ctx.name) or None,
                 CONF.hosts.join_timeout)
        if nova.add_to_aggregate(conn, aggregate, ctx.name):
            ctx.event(f'added to host aggregate {aggregate}')


def _service(ctx) -> dict:
    service = nova.compute_service(ctx.source, ctx.name)
    if service is None:
        raise ctx.fail('the source cloud has no nova-compute service on '
                       'this host')
    return service


def _power(ctx):
    if not ctx.host.power_driver:
        raise ctx.fail('no power driver is registered for the host')
    destination = ctx.destination if ctx.host.destination_cloud_id else None
    kwargs = {}
    if ctx.host.power_driver == 'ironic':
        kwargs['destination'] = lambda: destination
    return (power_loader.get_driver(ctx.host.power_driver, **kwargs),
            ctx.power_info())


STEPS = {'disable': disable, 'evacuate': evacuate, 'remove': remove,
         'power': power, 'provision': provision, 'join': join,
         'enable': enable}
