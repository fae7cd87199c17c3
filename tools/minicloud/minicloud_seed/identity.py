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

"""Keystone sections: domains, projects, roles, users, groups,
assignments; and the per-project quotas of Nova, Cinder and Neutron."""

from typing import Any

from minicloud_seed.context import Context


def domains(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Domains by name (enabled, with description)."""
    ident = ctx.admin.identity
    for item in items:
        found = ident.find_domain(item["name"])
        if found is None:
            ident.create_domain(name=item["name"],
                                description=item.get("description", ""),
                                enabled=True)
        ctx.log("domain", item["name"], found is None)


def projects(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Projects by name in their domain, with an optional parent."""
    ident = ctx.admin.identity
    for item in items:
        domain_id = ctx.domain_id(item.get("domain"))
        found = ident.find_project(item["name"], domain_id=domain_id)
        if found is None:
            attrs = {"name": item["name"], "domain_id": domain_id,
                     "description": item.get("description", "")}
            if "parent" in item:
                attrs["parent_id"] = ctx.project(
                    item["parent"], item.get("domain")).id
            ident.create_project(**attrs)
        ctx.log("project", item["name"], found is None)


def roles(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Global roles and their implied roles (role inference rules)."""
    ident = ctx.admin.identity
    for item in items:
        found = ident.find_role(item["name"])
        role = found or ident.create_role(name=item["name"])
        ctx.log("role", item["name"], found is None)
        for implied in item.get("implies", []):
            # No SDK call for inference rules: PUT is idempotent.
            target = ctx.role(implied)
            ident.put(f"/roles/{role.id}/implies/{target.id}")


def users(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Users with generated passwords (see :meth:`Context.password`)."""
    ident = ctx.admin.identity
    for item in items:
        domain = item.get("domain")
        domain_id = ctx.domain_id(domain)
        found = ident.find_user(item["name"], domain_id=domain_id)
        if found is None:
            attrs = {
                "name": item["name"], "domain_id": domain_id,
                "password": ctx.password(item["name"]),
                "enabled": item.get("enabled", True),
                "description": item.get("description", ""),
            }
            if "email" in item:
                attrs["email"] = item["email"]
            if "default_project" in item:
                attrs["default_project_id"] = ctx.project(
                    item["default_project"], domain).id
            ident.create_user(**attrs)
        ctx.log("user", item["name"], found is None)


def groups(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Groups and their members (users of the group's domain)."""
    ident = ctx.admin.identity
    for item in items:
        domain = item.get("domain")
        domain_id = ctx.domain_id(domain)
        found = ident.find_group(item["name"], domain_id=domain_id)
        group = found or ident.create_group(
            name=item["name"], domain_id=domain_id,
            description=item.get("description", ""))
        ctx.log("group", item["name"], found is None)
        for member in item.get("members", []):
            user = ctx.user(member, domain)
            if not ident.check_user_in_group(user, group):
                ident.add_user_to_group(user, group)


def assignments(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Project role assignments of users or groups (PUT: idempotent)."""
    ident = ctx.admin.identity
    for item in items:
        domain = item.get("domain")
        project = ctx.project(item["project"], domain)
        role = ctx.role(item["role"])
        inherited = bool(item.get("inherited", False))
        if "user" in item:
            actor = ctx.user(item["user"], domain)
            ident.assign_project_role_to_user(project, actor, role,
                                              inherited=inherited)
            who = item["user"]
        else:
            actor = ident.find_group(item["group"],
                                     domain_id=ctx.domain_id(domain),
                                     ignore_missing=False)
            ident.assign_project_role_to_group(project, actor, role,
                                               inherited=inherited)
            who = "group " + item["group"]
        print(f"  {'assignment':<16} {who} {item['role']} on "
              f"{item['project']}{' (inherited)' if inherited else ''}")


def quotas(ctx: Context, items: dict[str, dict[str, dict[str, int]]]) -> None:
    """Non-default quotas per project: compute, volume, network."""
    setters = {
        "compute": ctx.admin.set_compute_quotas,
        "volume": ctx.admin.set_volume_quotas,
        "network": ctx.admin.set_network_quotas,
    }
    for project_name, services in items.items():
        project = ctx.project(project_name)
        for service, values in services.items():
            setters[service](project.id, **values)
            print(f"  {'quota':<16} {service} of {project_name} set")
