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

"""Glance image records as the image driver compares and creates them.

Pure functions over the JSON Glance v2 returns for an image (a flat
object: Glance's own fields and the custom properties side by side), so
the rules of what is copied, compared and sent can be tested alone.
"""

import types

#: Fields Glance manages or computes itself: never custom properties.
GLANCE_FIELDS = frozenset((
    'id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
    'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size',
    'virtual_size', 'min_ram', 'min_disk', 'created_at', 'updated_at',
    'tags', 'disk_format', 'container_format', 'self', 'file', 'schema',
    'direct_url', 'locations', 'stores'))

#: Property prefixes Glance reserves for itself (setting one is refused).
RESERVED_PREFIXES = ('os_glance_',)

#: Properties that describe the uploading client's view of the data
#: (openstacksdk writes ``owner_specified.openstack.md5``, ``.sha256``
#: and ``.object``). Copied on create, since the bytes are the same, but
#: not compared: an equal image uploaded by another client lacks them.
CLIENT_PREFIX = 'owner_specified.'

#: Properties naming other images; migrated as references.
IMAGE_REFERENCES = {'kernel': 'kernel_id', 'ramdisk': 'ramdisk_id'}

#: Attributes that describe the bytes; None in the source means unknown.
DATA_FIELDS = ('checksum', 'os_hash_algo', 'os_hash_value', 'size')

#: What an interrupted create may still lack: the data (the image is
#: ``queued``), the members and ``protected`` (both set after the data).
UNFINISHED_FIELDS = frozenset(DATA_FIELDS + ('members', 'protected'))

#: The name prefix of images Pumphouse makes for itself (snapshots of
#: servers on their way); strategies never pick them up.
TEMPORARY_PREFIX = 'pumphouse-tmp-'


def is_custom(key: str) -> bool:
    """Whether ``key`` of an image record is a user property to copy."""
    return (key not in GLANCE_FIELDS
            and key not in IMAGE_REFERENCES.values()
            and not key.startswith(RESERVED_PREFIXES))


def properties(image: dict) -> dict:
    """The compared custom properties of an image record."""
    return {k: v for k, v in image.items()
            if is_custom(k) and not k.startswith(CLIENT_PREFIX)}


def client_properties(image: dict) -> dict:
    """The ``owner_specified.*`` properties (copied, not compared)."""
    return {k: v for k, v in image.items()
            if k.startswith(CLIENT_PREFIX) and is_custom(k)}


def common_attrs(image: dict) -> dict:
    """The attributes source and destination describe alike."""
    return {'name': image.get('name'),
            'disk_format': image.get('disk_format'),
            'container_format': image.get('container_format'),
            'min_disk': int(image.get('min_disk') or 0),
            'min_ram': int(image.get('min_ram') or 0),
            'visibility': image.get('visibility'),
            'protected': bool(image.get('protected')),
            'hidden': bool(image.get('os_hidden')),
            'properties': properties(image),
            'tags': sorted(image.get('tags') or []),
            'checksum': image.get('checksum'),
            'os_hash_algo': image.get('os_hash_algo'),
            'os_hash_value': image.get('os_hash_value'),
            'size': image.get('size')}


def destination_attrs(image: dict, members: list[dict]) -> dict:
    """A destination image record described like translated source
    attributes, with its ``id``."""
    attrs = common_attrs(image)
    attrs.update({name: image.get(prop)
                  for name, prop in IMAGE_REFERENCES.items()})
    attrs['owner'] = image.get('owner')
    attrs['members'] = sort_members(members)
    attrs['id'] = image['id']
    return attrs


def member_entries(members: list[dict]) -> list[dict]:
    """Glance member records as ``{'project', 'status'}`` entries."""
    return [{'project': m['member_id'], 'status': m['status']}
            for m in members]


def sort_members(members: list[dict]) -> list[dict]:
    return sorted(members, key=lambda m: (str(m['project']), m['status']))


def skip_reason(image: dict, source_projects: set[str]) -> str | None:
    """Why a source image is not migrated, or None.

    Only ``active`` images have data to copy. An image whose owner
    project is gone from the source has no project to go to. The image
    Nova makes when it snapshots a volume-backed server holds no data,
    only a block device mapping naming Cinder snapshots of the source,
    which mean nothing in the destination.
    """
    status = image.get('status')
    if status != 'active':
        return f'image is {status}; only active images are migrated'
    owner = image.get('owner')
    if owner and owner not in source_projects:
        return (f'its owner project {owner} no longer exists in the '
                'source')
    if image.get('block_device_mapping') and not image.get('size'):
        return ('snapshot of a volume-backed server: its data is in '
                'Cinder snapshots of the source')
    return None


def is_temporary(image: dict) -> bool:
    return (image.get('name') or '').startswith(TEMPORARY_PREFIX)


def server_image_id(server) -> str | None:
    """The image a Nova server was booted from; None when from a volume
    (Nova then gives an empty image)."""
    image = server.image
    if isinstance(image, dict):
        return image.get('id') or None
    return getattr(image, 'id', None) or None


def create_body(attrs: dict, extra_properties: dict,
                image_id: str | None = None) -> dict:
    """The ``POST /v2/images`` body for translated attributes.

    ``protected`` is left out (set once the data and members are in, so
    a failed create can be deleted) and so is ``owner`` when the source
    image had none (Glance then makes the caller's project the owner).
    """
    body = dict(extra_properties)
    body.update(attrs['properties'])
    body.update({'name': attrs['name'],
                 'disk_format': attrs['disk_format'],
                 'container_format': attrs['container_format'],
                 'min_disk': attrs['min_disk'],
                 'min_ram': attrs['min_ram'],
                 'visibility': attrs['visibility'],
                 'os_hidden': attrs['hidden'],
                 'tags': list(attrs['tags'])})
    for name, prop in IMAGE_REFERENCES.items():
        if attrs.get(name):
            body[prop] = attrs[name]
    if attrs.get('owner'):
        body['owner'] = attrs['owner']
    if image_id:
        body['id'] = image_id
    return body


def comparable(expected: dict, actual: dict) -> tuple[dict, dict]:
    """Both sides reduced to what can be compared.

    What the source does not know (no owner, no checksum) is not
    compared; when the destination Glance hashes with another algorithm
    the multihash cannot be compared (MD5 and size still are); members
    are compared as sorted lists.
    """
    expected, actual = dict(expected), dict(actual)
    actual.pop('id', None)
    unknown = [k for k in ('owner',) + DATA_FIELDS
               if k in expected and expected[k] is None]
    if (expected.get('os_hash_algo') and actual.get('os_hash_algo')
            and expected['os_hash_algo'] != actual['os_hash_algo']):
        unknown += ['os_hash_algo', 'os_hash_value']
    for key in unknown:
        expected.pop(key, None)
        actual.pop(key, None)
    for side in (expected, actual):
        if 'members' in side:
            side['members'] = sort_members(side['members'] or [])
    return expected, actual


def data_of(attrs: dict, image_id: str) -> types.SimpleNamespace:
    """What :func:`transfer.stream_image` needs to know of the source
    image, from its attributes (no extra request)."""
    return types.SimpleNamespace(
        id=image_id, size=attrs['size'], checksum=attrs['checksum'],
        hash_algo=attrs['os_hash_algo'], hash_value=attrs['os_hash_value'])


def member_changes(wanted: list[dict], present: list[dict]
                   ) -> tuple[list[dict], list[dict], list[dict]]:
    """Members to add, to update (same project, other status), and
    members the destination has that ``wanted`` lacks."""
    have = {m['project']: m['status'] for m in present}
    want = {m['project']: m['status'] for m in wanted}
    add = [m for m in wanted if m['project'] not in have]
    update = [m for m in wanted
              if m['project'] in have and have[m['project']] != m['status']]
    extra = [m for m in present if m['project'] not in want]
    return add, update, extra
