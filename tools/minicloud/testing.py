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

"""Helpers for Pumphouse's functional tests against the harness.

Runs in Pumphouse's test environment (needs openstacksdk connections
from ``pumphouse.tests.functional.fixtures.sdk_connection``), not in the
harness venv. Load it by path, so nothing needs installing::

    mc = types.SimpleNamespace(**runpy.run_path(
        str(REPO / 'tools' / 'minicloud' / 'testing.py')))

It gives the bytes the drivers write (``content``), the seed runner,
plain-JSON API look-ups by name, image download and the BMC client.
"""

import functools
import json
import os
import pathlib
import runpy
import subprocess
import sys
import types
import urllib.parse

import yaml

TOOL = pathlib.Path(__file__).resolve().parent
STATE = TOOL.parent.parent / '.minicloud'
VENV_BIN = STATE / 'venv' / 'bin'
#: Addresses and credentials of the destination's BMC emulators.
BMCS = STATE / 'destination' / 'ironic' / 'bmcs.json'
#: Compute microversion for the JSON look-ups (flavor names in servers).
NOVA = '2.79'

#: What the harness's drivers write (standard library only).
content = types.SimpleNamespace(**runpy.run_path(
    str(TOOL / 'drivers' / 'minicloud_drivers' / 'content.py')))


def releases():
    """The harness's table of releases (``minicloud_lib.releases``)."""
    if str(TOOL) not in sys.path:
        sys.path.append(str(TOOL))
    from minicloud_lib import releases as found
    return found


def source_releases() -> tuple[str, str | None]:
    """(the release this run asks of the source: ``MINICLOUD_SOURCE_RELEASE``
    or the harness's default; the release ``up`` recorded)."""
    table = releases()
    wanted = (os.environ.get('MINICLOUD_SOURCE_RELEASE')
              or table.DEFAULT_SOURCE_RELEASE)
    return wanted, table.recorded_source_release()


def seed(profile):
    """Run ``minicloud seed --profile`` (idempotent); its YAML, parsed."""
    done = subprocess.run([str(TOOL / 'minicloud'), 'seed', '--profile',
                           profile], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    path = TOOL / 'seed' / f'{profile}.yaml'
    return yaml.safe_load(path.read_text(encoding='utf-8'))


def api(proxy, path, key=None, microversion=None, **query):
    """GET ``path?query`` on a service: its JSON (or its ``key``)."""
    if query:
        path += '?' + urllib.parse.urlencode(query)
    resp = proxy.get(path, microversion=microversion)
    assert resp.status_code == 200, (path, resp.status_code, resp.text)
    return resp.json()[key] if key else resp.json()


def one(items, what):
    """The only element of ``items``."""
    assert len(items) == 1, (what, items)
    return items[0]


def named(proxy, path, name, **query):
    """The one object called ``name`` in a Neutron-style collection."""
    key = path.strip('/').replace('-', '_')
    return one(api(proxy, path, key, name=name, **query), name)


def identity_id(kind, conn, name, domain=None):
    """ID of the project or user ``name`` in ``domain`` (or Default)."""
    domain_id = domain and conn.identity.find_domain(domain).id
    return getattr(conn.identity, f'find_{kind}')(
        name, domain_id=domain_id or 'default', ignore_missing=False).id


project_id = functools.partial(identity_id, 'project')
user_id = functools.partial(identity_id, 'user')


def image_of(conn, name, project=None):
    """The image called ``name`` (owned by ``project``), as JSON."""
    owner = project_id(conn, project) if project else None
    return one([i for i in api(conn.image, '/images', 'images', name=name)
                if owner in (None, i['owner'])], name)


def volume_of(conn, name):
    """The volume called ``name`` (any project), as JSON."""
    return one(api(conn.block_storage, '/volumes/detail', 'volumes',
                   all_tenants=1, name=name), name)


def servers_of(conn):
    """All servers of the cloud by name, as JSON (admin)."""
    return {s['name']: s for s in api(conn.compute, '/servers/detail',
                                      'servers', NOVA, all_tenants=1)}


def download(conn, image_id):
    """The bytes of an image."""
    resp = conn.image.get(f'/images/{image_id}/file')
    assert resp.status_code == 200, resp.text
    return resp.content


def ipmi(bmc, action):
    """Drive BMC ``bmc`` with pyghmi's client (in the harness venv).

    ``action``: ``status``, ``on`` or ``off``; returns the power state.
    """
    done = subprocess.run(
        [str(VENV_BIN / 'python'), '-m', 'minicloud_drivers.ipmi_client',
         str(BMCS), bmc, action], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)['power']
