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

"""Gunicorn entry point for every service: ``minicloud_lib.wsgi:app``.

OpenStack WSGI modules parse ``sys.argv`` through oslo.config, which
would choke on gunicorn's own arguments. This wrapper replaces
``sys.argv`` before importing the real application. The service module
sets, in the environment:

``MINICLOUD_WSGI_APP``
    ``module:attribute`` of the real WSGI callable, e.g.
    ``keystone.wsgi.api:application``, or ``module:factory()`` for a
    function returning it (older releases, e.g. 2024.1's
    ``placement.wsgi:init_application()``).
``MINICLOUD_WSGI_ARGV``
    JSON list to use as ``sys.argv`` (default: the program name only);
    the config dir/file is usually given by a service-specific variable
    such as ``OS_KEYSTONE_CONFIG_DIR``.
"""

import importlib
import json
import os
import sys
from collections.abc import Callable


def _load() -> Callable:
    target = os.environ["MINICLOUD_WSGI_APP"]
    sys.argv = json.loads(
        os.environ.get("MINICLOUD_WSGI_ARGV", '["minicloud-wsgi"]')
    )
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    if attribute.endswith("()"):
        return getattr(module, attribute[:-2])()
    return getattr(module, attribute or "application")


application = _load()
