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

"""Helpers the controllers use to expose JSON methods."""

import functools

import pecan

from pumphouse.api import middleware
from pumphouse.api.schemas import validator
from pumphouse.conf import CONF


def expose(status_code: int = 200):
    """Answer with ``status_code`` what the decorated method returns.

    Goes under ``@pecan.expose('json')``; a 204 has no body. Lone
    surrogates stored before they were refused are answered as U+FFFD,
    so that no client fails on them.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            pecan.response.status = status_code
            if status_code == 204:
                pecan.response.content_type = None
                return None
            return validator.scrub(result)
        return wrapper
    return decorator


def link(*parts: str) -> str:
    """An absolute URL of this API: under ``[api] public_endpoint`` if set,
    else under the URL the request came to, with the path the API is
    mounted at (``SCRIPT_NAME``, e.g. ``/migration`` under uwsgi) and, with
    ``[oslo_middleware] enable_proxy_headers_parsing``, the scheme, host
    and prefix a proxy forwarded (``X-Forwarded-Proto``,
    ``X-Forwarded-Host``, ``X-Forwarded-Prefix`` or ``Forwarded``)."""
    base = CONF.api.public_endpoint or pecan.request.application_url
    return '/'.join([base.rstrip('/'), *[p.strip('/') for p in parts]])


def not_allowed(*args, **kwargs):
    """The default handler of a generic controller: 405."""
    requested = pecan.request.environ.get(middleware.REQUESTED_METHOD,
                                          pecan.request.method)
    pecan.abort(405, detail=f'{requested} is not allowed on '
                            f'{pecan.request.path}.')
