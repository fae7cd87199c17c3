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

"""Deterministic bytes written by the harness's drivers.

Pure standard library: Pumphouse's tests import this module (by path)
to know what a snapshot image must contain.
"""

import hashlib

#: Size of the root disk image a server snapshot uploads.
SNAPSHOT_SIZE = 256 * 1024
#: Default bytes of backing file per GiB of volume (Cinder file driver):
#: a 1 GiB volume is a 1 MiB sparse file, so uploads stay small.
VOLUME_BYTES_PER_GIB = 1024 * 1024


def pattern(seed: str, size: int) -> bytes:
    """``size`` bytes derived from ``seed`` (SHA-256 in counter mode)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        block = f"{seed}:{counter}".encode()
        out += hashlib.sha256(block).digest()
        counter += 1
    return bytes(out[:size])


def snapshot_bytes(instance_uuid: str) -> bytes:
    """What the Nova driver uploads as the snapshot of ``instance_uuid``.

    Starts with a readable header, so a human can tell what it is.
    """
    header = f"minicloud snapshot of instance {instance_uuid}\n".encode()
    body = pattern(f"snapshot:{instance_uuid}", SNAPSHOT_SIZE - len(header))
    return header + body


def volume_bytes(size_gb: int, image: bytes = b"") -> bytes:
    """Content of a ``size_gb`` volume holding ``image`` (zero-padded),
    as the Cinder file driver writes and uploads it."""
    nominal = size_gb * VOLUME_BYTES_PER_GIB
    return image + bytes(max(0, nominal - len(image)))
