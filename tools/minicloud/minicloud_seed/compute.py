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

"""Nova sections: flavors, keypairs, server groups, servers, snapshots."""

from typing import Any

from openstack import exceptions

from minicloud_seed import storage
from minicloud_seed.context import Context
from minicloud_seed.context import wait_until

SERVER_TIMEOUT = 180
SNAPSHOT_TIMEOUT = 120


def flavors(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Flavors whose ID is their name; extra specs; private access."""
    compute = ctx.admin.compute
    for item in items:
        name = item["name"]
        try:
            compute.get_flavor(name)
            created = False
        except exceptions.NotFoundException:
            compute.create_flavor(
                id=name, name=name, vcpus=item["vcpus"], ram=item["ram"],
                disk=item["disk"], is_public=item.get("public", True))
            created = True
        ctx.log("flavor", name, created)
        if item.get("extra_specs"):
            ctx.admin.set_flavor_specs(name, item["extra_specs"])
        if item.get("access"):
            have = {a["tenant_id"] for a in ctx.admin.list_flavor_access(name)}
            for project_name in item["access"]:
                project = ctx.project(project_name)
                if project.id not in have:
                    ctx.admin.add_flavor_access(name, project.id)


def keypairs(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Keypairs owned by other users (admin, microversion >= 2.10)."""
    compute = ctx.admin.compute
    for item in items:
        user = ctx.user(item["user"])
        try:
            response = compute.get(
                f"/os-keypairs/{item['name']}?user_id={user.id}",
                microversion="2.10")
            found = response.status_code == 200
        except exceptions.NotFoundException:
            found = False
        if not found:
            reply = compute.post(
                "/os-keypairs", microversion="2.10",
                json={"keypair": {"name": item["name"],
                                  "public_key": item["public_key"],
                                  "user_id": user.id}})
            exceptions.raise_from_response(reply)
        ctx.log("keypair", item["name"], not found)


def server_groups(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Server groups (owned by the project they are created in)."""
    for item in items:
        compute = ctx.session(item["project"]).compute
        found = compute.find_server_group(item["name"])
        if found is None:
            compute.create_server_group(name=item["name"],
                                        policy=item["policy"])
        ctx.log("server group", item["name"], found is None)


def _boot(ctx: Context, item: dict[str, Any]) -> Any:
    """Start creating server ``item``; returns the server (BUILD)."""
    conn = ctx.session(item["project"], item.get("user"))
    admin_net = ctx.admin.network
    project = ctx.project(item["project"])
    attrs: dict[str, Any] = {
        "name": item["name"], "flavor_id": item["flavor"],
        "metadata": item.get("metadata", {}),
    }
    networks = [{"port": admin_net.find_port(
        p, project_id=project.id, ignore_missing=False).id}
        for p in item.get("ports", [])]
    networks += [{"uuid": admin_net.find_network(
        n, project_id=project.id, ignore_missing=False).id}
        for n in item.get("networks", [])]
    attrs["networks"] = networks or "none"
    if "key_name" in item:
        attrs["key_name"] = item["key_name"]
    if "image" in item:
        attrs["image_id"] = storage.find_image(ctx, item["image"]).id
    if "boot_volume" in item:
        volume = storage.find_volume(ctx, item["boot_volume"],
                                     item["project"])
        attrs["block_device_mapping"] = [{
            "boot_index": 0, "uuid": volume.id, "source_type": "volume",
            "destination_type": "volume", "delete_on_termination": False,
        }]
    if "server_group" in item:
        group = conn.compute.find_server_group(item["server_group"],
                                               ignore_missing=False)
        attrs["scheduler_hints"] = {"group": group.id}
    return conn.compute.create_server(**attrs)


def servers(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Servers (as their user), then their attached data volumes."""
    for item in items:
        conn = ctx.session(item["project"], item.get("user"))
        server = conn.compute.find_server(item["name"])
        if server is not None and server.status == "ERROR":
            # A failed boot (e.g. an earlier interrupted run): start over.
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=SERVER_TIMEOUT)
            server = None
        created = server is None
        if created:
            server = _boot(ctx, item)
        server = conn.compute.wait_for_server(
            server, status="ACTIVE", failures=["ERROR"],
            wait=SERVER_TIMEOUT)
        ctx.log("server", item["name"], created)
        attached = {a.volume_id for a in
                    conn.compute.volume_attachments(server)}
        for volume_name in item.get("volumes", []):
            volume = storage.find_volume(ctx, volume_name, item["project"])
            if volume.id in attached:
                continue
            conn.compute.create_volume_attachment(server,
                                                  volume_id=volume.id)
            storage.wait_volume(ctx, volume.id, item["project"], "in-use")
            print(f"  {'attachment':<16} {volume_name} on {item['name']}")


def server_snapshots(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Images made by snapshotting a server (the driver writes bytes)."""
    for item in items:
        conn = ctx.session(item["project"])
        found = storage.find_active_image(ctx, item["name"], item["project"])
        if found is None:
            server = conn.compute.find_server(item["server"],
                                              ignore_missing=False)
            image = conn.compute.create_server_image(server, item["name"])
            image_id = image if isinstance(image, str) else image.id
            wait_until(lambda i=image_id: storage.image_active(ctx, i),
                       SNAPSHOT_TIMEOUT,
                       f"snapshot {item['name']} to become active")
        ctx.log("server snapshot", item["name"], found is None)

