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

"""Glance and Cinder sections: images (with bytes), image members,
volumes, and images uploaded from volumes."""

from typing import Any

from minicloud_drivers import content
from openstack import exceptions

from minicloud_seed.context import Context
from minicloud_seed.context import SeedError
from minicloud_seed.context import wait_until

VOLUME_TIMEOUT = 120
IMAGE_TIMEOUT = 120
#: Image fields taken from an entry as they are (besides properties).
IMAGE_KEYS = ("disk_format", "container_format", "visibility", "min_disk",
              "min_ram", "protected", "tags")


def find_image(ctx: Context, name: str, project: str | None = None,
               missing_ok: bool = False) -> Any:
    """Image ``name`` (owned by ``project`` if given)."""
    owner = ctx.project(project).id if project else None
    for image in ctx.admin.image.images(name=name):
        if owner is None or image.owner == owner:
            return image
    if missing_ok:
        return None
    raise SeedError(f"image {name} not found")


def find_active_image(ctx: Context, name: str,
                      project: str | None = None) -> Any:
    """Image ``name`` if active; one left unfinished by an interrupted
    run (queued, saving, killed) is deleted, so it gets made again."""
    image = find_image(ctx, name, project, missing_ok=True)
    if image is not None and image.status != "active":
        ctx.admin.image.delete_image(image)
        return None
    return image


def images(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Images with deterministic content; members of shared images.

    Created through the plain API (not the SDK's helper, which adds
    its own ``owner_specified.*`` properties).
    """
    glance = ctx.admin.image
    for item in items:
        project = item.get("project")
        image = find_active_image(ctx, item["name"], project)
        created = image is None
        if created:
            body = {k: item[k] for k in IMAGE_KEYS if k in item}
            body.update(item.get("properties", {}))
            body["name"] = item["name"]
            if project:
                body["owner"] = ctx.project(project).id
            reply = glance.post("/images", json=body)
            exceptions.raise_from_response(reply)
            image_id = reply.json()["id"]
            data = content.pattern(item["content"]["seed"],
                                   int(item["content"]["size"]))
            reply = glance.put(
                f"/images/{image_id}/file", data=data,
                headers={"Content-Type": "application/octet-stream"})
            exceptions.raise_from_response(reply)
            image = glance.get_image(image_id)
        ctx.log("image", item["name"], created)
        for member in item.get("members", []):
            _member(ctx, image.id, member)


def _member(ctx: Context, image_id: str, member: dict[str, Any]) -> None:
    glance = ctx.admin.image
    project_id = ctx.project(member["project"]).id
    listed = glance.get(f"/images/{image_id}/members").json()["members"]
    current = {m["member_id"]: m["status"] for m in listed}
    if project_id not in current:
        reply = glance.post(f"/images/{image_id}/members",
                            json={"member": project_id})
        exceptions.raise_from_response(reply)
        current[project_id] = "pending"
    wanted = member.get("status", "pending")
    if current[project_id] != wanted:
        # The admin may set the status on the member's behalf.
        reply = glance.put(f"/images/{image_id}/members/{project_id}",
                           json={"status": wanted})
        exceptions.raise_from_response(reply)


def image_active(ctx: Context, image_id: str) -> bool:
    """True once the image is active; raises if its upload failed."""
    image = ctx.admin.image.get_image(image_id)
    if image.status in ("killed", "deleted"):
        raise SeedError(f"image {image.name} is {image.status}")
    return image.status == "active"


def find_volume(ctx: Context, name: str, project: str) -> Any:
    """Volume ``name`` of ``project``."""
    return ctx.session(project).block_storage.find_volume(
        name, ignore_missing=False)


def wait_volume(ctx: Context, volume_id: str, project: str,
                status: str) -> Any:
    """Wait until the volume has ``status``; fail fast on error."""
    storage = ctx.session(project).block_storage

    def reached() -> Any:
        volume = storage.get_volume(volume_id)
        if volume.status.startswith("error"):
            raise SeedError(f"volume {volume.name} is {volume.status}")
        return volume if volume.status == status else None

    return wait_until(reached, VOLUME_TIMEOUT,
                      f"volume {volume_id} to become {status}")


def volumes(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Volumes, empty or from an image (bytes copied by the driver)."""
    pending = []
    for item in items:
        storage = ctx.session(item["project"]).block_storage
        found = storage.find_volume(item["name"])
        if found is not None and found.status.startswith("error"):
            storage.delete_volume(found)  # failed earlier: start over
            storage.wait_for_delete(found, wait=VOLUME_TIMEOUT)
            found = None
        if found is None:
            attrs: dict[str, Any] = {
                "name": item["name"], "size": item["size"],
                "description": item.get("description", ""),
                "metadata": item.get("metadata", {}),
            }
            if "image" in item:
                attrs["image_id"] = find_image(ctx, item["image"]).id
            pending.append((storage.create_volume(**attrs).id, item))
        ctx.log("volume", item["name"], found is None)
    for volume_id, item in pending:
        wait_volume(ctx, volume_id, item["project"], "available")


def volume_uploads(ctx: Context, items: list[dict[str, Any]]) -> None:
    """Images made by uploading a volume (raw, the volume's bytes)."""
    for item in items:
        found = find_active_image(ctx, item["name"], item["project"])
        if found is None:
            storage = ctx.session(item["project"]).block_storage
            volume = find_volume(ctx, item["volume"], item["project"])
            reply = storage.upload_volume_to_image(
                volume, item["name"], disk_format="raw",
                container_format="bare")
            image_id = reply["image_id"]

            wait_until(lambda i=image_id: image_active(ctx, i),
                       IMAGE_TIMEOUT,
                       f"upload of {item['volume']} to become active")
            wait_volume(ctx, volume.id, item["project"], "available")
        ctx.log("volume upload", item["name"], found is None)
