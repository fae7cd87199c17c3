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

"""What each release of Pumphouse speaks, for rolling upgrades (as
ironic's ``release_mappings``).

``[upgrade_levels] conductor`` may name a release instead of an RPC
version: the API then sends at most what that release's conductors
serve. The entry of the release under development must say what this
code serves and needs (a unit test compares them): a change that adds an
RPC method or a database revision updates it.
"""

from pumphouse import version

#: Release (``major.minor``) -> the conductor RPC API version it serves
#: and the database revision its code needs (alembic), oldest first.
RELEASE_MAPPING: dict[str, dict[str, str]] = {
    '0.1': {'rpc': '1.6', 'db': '0009'},
}


def current_release() -> str:
    """This code's release, ``major.minor`` (0.1 for 0.1.0.dev12)."""
    return '.'.join(version.version_info.release_string().split('.')[:2])


def rpc_version_of(release: str) -> str | None:
    """The conductor RPC API version of ``release``; None if unknown."""
    return RELEASE_MAPPING.get(release, {}).get('rpc')
