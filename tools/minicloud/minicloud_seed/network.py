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

"""Neutron sections: security groups, networks and subnets, routers,
ports, floating IPs. The admin creates everything with ``project_id``
set, so owners are as declared without logging in as anyone."""

from typing import Any

from minicloud_seed.context import Context

#: Keys of a subnet entry that go to Neutron unchanged.
SUBNET_KEYS = ("cidr", "ip_version", "gateway_ip", "enable_dhcp",
               "dns_nameservers", "allocation_pools", "host_routes",
               "ipv6_ra_mode", "ipv6_address_mode", "description")
#: Keys of a rule entry that go to Neutron unchanged.
RULE_KEYS = ("direction", "protocol", "port_range_min", "port_range_max",
             "remote_ip_prefix")


def _project_id(ctx: Context, item: dict[str, Any]) -> str:
    """Owner: the declared project, else the admin's project."""
    if "project" in item:
        return ctx.project(item["project"]).id
    return ctx.admin.current_project_id


def find_security_group(ctx: Context, name: str, project: str) -> Any:
    """Security group ``name`` of ``project``."""
    return ctx.admin.network.find_security_group(
        name, project_id=ctx.project(project).id, ignore_missing=False)


def _rule_key(rule: Any) -> tuple:
    return (rule.direction, rule.ether_type, rule.protocol,
            rule.port_range_min, rule.port_range_max,
            rule.remote_ip_prefix, rule.remote_group_id)


def security_groups(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Groups first (rules may name another group), then their rules."""
    net = ctx.admin.network
    for item in items:
        project_id = _project_id(ctx, item)
        found = net.find_security_group(item["name"], project_id=project_id)
        if found is None:
            net.create_security_group(
                name=item["name"], project_id=project_id,
                description=item.get("description", ""))
        ctx.log("security group", item["name"], found is None)
    for item in items:
        group = find_security_group(ctx, item["name"], item["project"])
        have = {_rule_key(r) for r in net.security_group_rules(
            security_group_id=group.id)}
        for rule in item.get("rules", []):
            attrs = {k: rule.get(k) for k in RULE_KEYS}
            attrs["ether_type"] = rule.get("ethertype", "IPv4")
            attrs["remote_group_id"] = None
            if "remote_group" in rule:
                attrs["remote_group_id"] = find_security_group(
                    ctx, rule["remote_group"], item["project"]).id
            key = (attrs["direction"], attrs["ether_type"],
                   attrs["protocol"], attrs["port_range_min"],
                   attrs["port_range_max"], attrs["remote_ip_prefix"],
                   attrs["remote_group_id"])
            if key not in have:
                net.create_security_group_rule(
                    security_group_id=group.id, project_id=group.project_id,
                    **{k: v for k, v in attrs.items() if v is not None})


def networks(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Networks (external/provider if declared) and their subnets."""
    net = ctx.admin.network
    for item in items:
        project_id = _project_id(ctx, item)
        network = net.find_network(item["name"], project_id=project_id)
        created = network is None
        if created:
            attrs: dict[str, Any] = {
                "name": item["name"], "project_id": project_id,
                "description": item.get("description", ""),
                "is_router_external": item.get("external", False),
                "is_shared": item.get("shared", False),
            }
            provider = item.get("provider", {})
            if provider:
                attrs["provider_network_type"] = provider["network_type"]
                attrs["provider_physical_network"] = provider.get(
                    "physical_network")
            network = net.create_network(**attrs)
        ctx.log("network", item["name"], created)
        for subnet in item.get("subnets", []):
            found = net.find_subnet(subnet["name"], network_id=network.id)
            if found is None:
                attrs = {k: subnet[k] for k in SUBNET_KEYS if k in subnet}
                attrs.setdefault("ip_version", 4)
                net.create_subnet(name=subnet["name"], network_id=network.id,
                                  project_id=project_id, **attrs)
            ctx.log("subnet", subnet["name"], found is None)


def _subnet(ctx: Context, name: str) -> Any:
    return ctx.admin.network.find_subnet(name, ignore_missing=False)


def routers(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Routers with an external gateway and subnet interfaces."""
    net = ctx.admin.network
    for item in items:
        project_id = _project_id(ctx, item)
        router = net.find_router(item["name"], project_id=project_id)
        created = router is None
        if created:
            attrs: dict[str, Any] = {"name": item["name"],
                                     "project_id": project_id}
            if "external_gateway" in item:
                external = net.find_network(item["external_gateway"],
                                            ignore_missing=False)
                attrs["external_gateway_info"] = {"network_id": external.id}
            router = net.create_router(**attrs)
        ctx.log("router", item["name"], created)
        have = {ip["subnet_id"] for port in net.ports(device_id=router.id)
                for ip in port.fixed_ips}
        for subnet_name in item.get("interfaces", []):
            subnet = _subnet(ctx, subnet_name)
            if subnet.id not in have:
                net.add_interface_to_router(router, subnet_id=subnet.id)


def ports(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Ports with fixed IPs and security groups, for servers to use."""
    net = ctx.admin.network
    for item in items:
        project_id = _project_id(ctx, item)
        found = net.find_port(item["name"], project_id=project_id)
        if found is None:
            network = net.find_network(item["network"],
                                       project_id=project_id,
                                       ignore_missing=False)
            fixed_ips = [
                {"subnet_id": _subnet(ctx, ip["subnet"]).id,
                 "ip_address": ip["ip_address"]}
                for ip in item.get("fixed_ips", [])
            ]
            groups = [find_security_group(ctx, g, item["project"]).id
                      for g in item.get("security_groups", [])]
            net.create_port(name=item["name"], network_id=network.id,
                            project_id=project_id, fixed_ips=fixed_ips,
                            security_group_ids=groups)
        ctx.log("port", item["name"], found is None)


def floating_ips(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Floating IPs at fixed addresses, optionally on a port."""
    net = ctx.admin.network
    for item in items:
        address = item["address"]
        found = next(iter(net.ips(floating_ip_address=address)), None)
        if found is None:
            external = net.find_network(item["network"], ignore_missing=False)
            attrs: dict[str, Any] = {
                "floating_network_id": external.id,
                "floating_ip_address": address,
                "project_id": _project_id(ctx, item),
                "description": item.get("description", ""),
            }
            if "port" in item:
                attrs["port_id"] = net.find_port(
                    item["port"], project_id=attrs["project_id"],
                    ignore_missing=False).id
            net.create_ip(**attrs)
        ctx.log("floating ip", address, found is None)
