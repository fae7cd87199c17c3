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

"""HTTP health checks against loopback endpoints (no proxies)."""

import socket
import urllib.error
import urllib.parse
import urllib.request

# Never send loopback checks through an environment-configured proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_ok(url: str, timeout: float = 3.0) -> bool:
    """True if GET ``url`` answers with a status below 400."""
    if not url.startswith("http://127."):
        raise ValueError(f"health checks are loopback-only: {url}")
    try:
        with _OPENER.open(url, timeout=timeout) as resp:
            return resp.status < 400
    except urllib.error.HTTPError as exc:
        return exc.code < 400
    except (OSError, ValueError):
        return False


def port_taken(url: str, timeout: float = 1.0) -> bool:
    """True if something already accepts TCP connections at ``url``."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None or parts.port is None:
        return False
    try:
        with socket.create_connection(
            (parts.hostname, parts.port), timeout=timeout
        ):
            return True
    except OSError:
        return False
