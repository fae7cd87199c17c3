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

"""What a server is made of, read the same way in both clouds.

The pure functions here turn a server (as openstacksdk lists it, with
its ports and volumes) into the attributes the engine compares; the
driver adds the references to other resources.
"""

from collections.abc import Iterable

from pumphouse.drivers.resources.compute import server_state
from pumphouse.drivers.resources.network import common as network

#: How a server's root disk is brought over: from its image, from a
#: snapshot of its disk, or as a volume (boot from volume).
BOOT_IMAGE, BOOT_SNAPSHOT, BOOT_VOLUME = 'image', 'snapshot', 'volume'


def image_id(server) -> str | None:
    """The id of the image a server was booted from; None for a server
    booted from a volume (Nova shows ``""`` or an empty image)."""
    image = server.image
    if isinstance(image, dict):
        return image.get('id') or None
    return getattr(image, 'id', None) or None


def nic_macs(addresses: dict | None) -> list[str]:
    """MACs of a server's NICs in the order Nova lists them."""
    macs: list[str] = []
    for entries in (addresses or {}).values():
        for entry in entries:
            mac = entry.get('OS-EXT-IPS-MAC:mac_addr')
            if mac and mac not in macs:
                macs.append(mac)
    return macs


def fixed_addresses(addresses: dict | None) -> list[dict]:
    """``[{'mac', 'ip'}]`` of a server's fixed IPs (floating IPs left
    out: they may change), in MAC then address order."""
    found = {(e.get('OS-EXT-IPS-MAC:mac_addr'), e['addr'])
             for entries in (addresses or {}).values() for e in entries
             if e.get('OS-EXT-IPS:type', 'fixed') == 'fixed'}
    return [{'mac': mac, 'ip': ip} for mac, ip in
            sorted(found, key=lambda p: (p[0] or '',
                                         network.address_key(p[1])))]


def ordered_ports(server, ports: Iterable) -> list:
    """The ports of ``server`` in NIC order (ports without an address,
    which Nova does not list, last, by id)."""
    mine = [p for p in ports if p.device_id == server.id]
    order = {mac: n for n, mac in enumerate(nic_macs(server.addresses))}
    return sorted(mine, key=lambda p: (order.get(p.mac_address,
                                                 len(order)), p.id))


def user_metadata(metadata: dict | None) -> dict:
    """A server's metadata without the keys Pumphouse adds."""
    return {k: v for k, v in (metadata or {}).items()
            if not k.startswith(server_state.MARKER_PREFIX)}


def block_devices(server, devices: dict, volume_ref) -> list[dict]:
    """The volumes of a server: boot index (0 for the root volume of a
    server booted from a volume), device and delete on termination.

    ``volume_ref`` turns a volume id into what the attribute holds (a
    reference for the source, the id for the destination).
    """
    attached = [(_field(a, 'id'), bool(_field(a, 'delete_on_termination')))
                for a in server.attached_volumes or ()]
    root = None
    if image_id(server) is None and attached:
        root = next((v for v, _ in attached
                     if devices.get(v) == server.root_device_name),
                    attached[0][0])
    found = [{'volume': volume_ref(volume_id),
              'boot_index': 0 if volume_id == root else None,
              'device': devices.get(volume_id),
              'delete_on_termination': delete}
             for volume_id, delete in attached]
    return sorted(found, key=lambda d: (d['boot_index'] is None,
                                        d['device'] or '',
                                        str(d['volume'])))


def _field(value, name: str):
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def fields(server) -> dict:
    """The attributes that need no reference, the same for both clouds.

    Description and user data are taken as they are: Nova shows null for
    one never given and keeps ``""``. A key name is never ``""`` (no
    keypair has that name), and Nova shows the availability zone ``""``
    for a server on no host: ``""`` there is read as none, which is what
    a boot request without one gets.
    """
    return {'name': server.name,
            'description': server.description,
            'key_name': server.key_name or None,
            'metadata': user_metadata(server.metadata),
            'availability_zone': server.availability_zone or None,
            'user_data': server.user_data,
            'config_drive': bool(server.has_config_drive),
            'tags': sorted(server.tags or []),
            'addresses': fixed_addresses(server.addresses)}


def flavor_sizes(server) -> dict:
    """The sizes of the flavor a server runs with (embedded copy)."""
    embedded = server.flavor
    return {name: int(getattr(embedded, name, None) or 0)
            for name in ('vcpus', 'ram', 'disk', 'ephemeral', 'swap')}


def placement_demand(sizes: dict, boot: str) -> dict[str, int]:
    """What Placement allocates for a server of these sizes: VCPU,
    MEMORY_MB and DISK_GB (root disk, unless on a volume, plus ephemeral
    and swap rounded up to GiB)."""
    disk = (0 if boot == BOOT_VOLUME else sizes['disk']) + \
        sizes['ephemeral'] + -(-sizes['swap'] // 1024)
    wanted = {'VCPU': sizes['vcpus'], 'MEMORY_MB': sizes['ram'],
              'DISK_GB': disk}
    return {k: v for k, v in wanted.items() if v > 0}
