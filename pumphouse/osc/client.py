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

"""A small client of the Pumphouse REST API over a keystoneauth session.

The endpoint comes from the catalog (service type ``migration``) or an
override; the microversion is negotiated once with the server's version
document: ``latest`` takes the highest version both sides know, an
explicit version must be one the server supports. Commands that need a
newer microversion (the host commands: 1.1; evacuation plans and
per-server choices: 1.2; stack workloads: 1.4; a project's stacks: 1.5)
check it with :meth:`Client.require` before sending anything.
"""

import typing
import urllib.parse

from keystoneauth1 import adapter
from osc_lib import exceptions

SERVICE_TYPE = 'migration'
HEADER = 'OpenStack-API-Version'
#: The highest microversion this client knows (1.1: /v1/hosts; 1.2:
#: evacuation plans; 1.3: the web UI's routes, not used here; 1.4: stack
#: workloads; 1.5: a project's stacks).
CLIENT_MAX_VERSION = (1, 5)
LATEST = 'latest'


class ApiError(exceptions.CommandError):
    """An error answer of the API, as one line with its HTTP code."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f'{message} (HTTP {status})')


def parse_version(text: str) -> tuple[int, int]:
    try:
        major, minor = text.split('.')
        return int(major), int(minor)
    except ValueError:
        raise exceptions.CommandError(
            f'API version must be X.Y or latest, not {text!r}') from None


def format_version(version: tuple[int, int]) -> str:
    return f'{version[0]}.{version[1]}'


def path(*segments: str) -> str:
    """The path of a resource below ``/v1``: ``path('clouds', name,
    'validate')``, each segment percent-escaped.

    Names and ids come from the command line: unescaped, ``prodx#old``
    would name the cloud ``prodx`` (``#`` starts a fragment) and ``a/b``
    another path. ``.`` and ``..`` cannot be sent (HTTP libraries resolve
    them as relative paths even escaped), so they are refused here.
    """
    for segment in segments:
        if segment in ('', '.', '..'):
            raise exceptions.CommandError(
                f'{segment!r} cannot name a resource; use its UUID')
    return ''.join('/' + urllib.parse.quote(segment, safe='')
                   for segment in segments)


class Client:
    """Calls of the migration API with a negotiated microversion."""

    def __init__(self, session, api_version: str = LATEST,
                 endpoint_override: str | None = None,
                 region_name: str | None = None,
                 interface: str | None = None) -> None:
        if endpoint_override:
            endpoint_override = endpoint_override.rstrip('/')
            if endpoint_override.endswith('/v1'):
                endpoint_override = endpoint_override[:-3]
        self._adapter = adapter.Adapter(
            session, service_type=SERVICE_TYPE, region_name=region_name,
            interface=interface, endpoint_override=endpoint_override)
        self._requested = api_version
        self._version: tuple[int, int] | None = None
        self._server: tuple[tuple[int, int], tuple[int, int]] | None = None

    @property
    def api_version(self) -> str:
        """The negotiated microversion, ``X.Y``."""
        if self._version is None:
            self._version = self._negotiate()
        return format_version(self._version)

    def _negotiate(self) -> tuple[int, int]:
        document = self._call('GET', '/', versioned=False)
        v1 = next((v for v in document.get('versions', [])
                   if v.get('id') == 'v1'), None)
        if v1 is None:
            raise exceptions.CommandError(
                'the migration endpoint offers no v1 API')
        low = parse_version(v1['min_version'])
        high = parse_version(v1['version'])
        self._server = (low, high)
        if self._requested in (LATEST, '1'):
            chosen = min(high, CLIENT_MAX_VERSION)
            if chosen < low:
                raise exceptions.CommandError(
                    f'the server supports API {format_version(low)} to '
                    f'{format_version(high)}, this client only up to '
                    f'{format_version(CLIENT_MAX_VERSION)}')
            return chosen
        wanted = parse_version(self._requested)
        if not low <= wanted <= high:
            raise exceptions.CommandError(
                f'API version {self._requested} is not supported by the '
                f'server ({format_version(low)} to {format_version(high)})')
        return wanted

    def require(self, version: tuple[int, int], what: str) -> None:
        """Raise a clear CommandError, before any request of ``what``,
        unless the negotiated microversion is at least ``version``."""
        current = parse_version(self.api_version)
        if current >= version:
            return
        needed = format_version(version)
        low, high = self._server or (current, current)
        if high < version:
            raise exceptions.CommandError(
                f'{what} need migration API {needed}, but the server only '
                f'supports {format_version(low)} to {format_version(high)} '
                '(upgrade Pumphouse)')
        raise exceptions.CommandError(
            f'{what} need migration API {needed}, but '
            f'{format_version(current)} was asked for (use '
            f'--os-migration-api-version {needed} or 1 for the latest)')

    def _call(self, method: str, path: str, versioned: bool = True,
              raw: bool = False, **kwargs) -> typing.Any:
        headers = kwargs.pop('headers', {})
        if versioned:
            headers[HEADER] = f'{SERVICE_TYPE} {self.api_version}'
            path = '/v1' + path
        response = self._adapter.request(path, method, headers=headers,
                                         raise_exc=False, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _error_message(response))
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **params) -> typing.Any:
        return self._call('GET', path, params={
            k: v for k, v in params.items() if v is not None})

    def get_text(self, path: str, **params) -> str:
        return self._call('GET', path, raw=True, params=params).text

    def post(self, path: str, body: dict | None = None) -> typing.Any:
        return self._call('POST', path, json=body or {})

    def put(self, path: str, body: dict) -> typing.Any:
        return self._call('PUT', path, json=body)

    def patch(self, path: str, body: dict) -> typing.Any:
        return self._call('PATCH', path, json=body)

    def delete(self, path: str) -> None:
        self._call('DELETE', path)

    def list_all(self, path: str, key: str, cursor: str = 'marker',
                 field: str = 'uuid', **params) -> list[dict]:
        """Every page of a list, following ``next``: each page starts
        after the ``field`` of the last entry, given as ``cursor``."""
        found: list[dict] = []
        while True:
            page = self.get(path, **params)
            found.extend(page[key])
            if not page.get('next') or not page[key]:
                return found
            params[cursor] = page[key][-1][field]


def _error_message(response) -> str:
    try:
        error = response.json()['error']
        return error.get('message') or error.get('title') or response.reason
    except (ValueError, KeyError, TypeError):
        return response.text.strip()[:300] or response.reason or 'error'
