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

"""WSGI middleware of the API that is Pumphouse's own."""

import ipaddress
import json
import urllib.parse

import webob
import webob.dec
from oslo_log import log
from webob import exc as webob_exc

from pumphouse.api import errors
from pumphouse.api.schemas import validator
from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: The environ key where :class:`HeadAsGet` keeps the method asked for.
REQUESTED_METHOD = 'pumphouse.requested_method'

JSON = 'application/json'


class PathDispatcher:
    """Sends requests for some exact paths to another WSGI application.

    Used to keep version discovery out of authentication and to mount the
    health check on its own path.
    """

    def __init__(self, default_app, routes: dict) -> None:
        self.default_app = default_app
        self.routes = routes

    def __call__(self, environ, start_response):
        app = self.routes.get(environ.get('PATH_INFO') or '/',
                              self.default_app)
        return app(environ, start_response)


class JsonErrorMiddleware:
    """Makes every error response a JSON error body.

    Errors made by Pumphouse already are; this catches the ones middleware
    produces (413 from the body size limit, and the like).
    """

    def __init__(self, app) -> None:
        self.app = app

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        response = request.get_response(self.app)
        # PATH_INFO as the server gave it: request.path fails on a path
        # that is not UTF-8 (TextCheck answers those).
        if response.status_int < 400 or \
                request.environ.get('PATH_INFO') == '/healthcheck':
            return response
        if response.content_type == 'application/json':
            try:
                if 'error' in json.loads(response.body):
                    return response
            except ValueError:
                pass
        message = response.status.split(' ', 1)[-1]
        if response.status_int == 413:
            limit = CONF.oslo_middleware.max_request_body_size
            return errors.error_response(
                413, f'The request body is larger than the limit of {limit} '
                     'bytes.')
        text = response.text if response.charset else ''
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith('<') and line != message \
                    and not line.startswith(str(response.status_int)):
                message = f'{message}: {line}'
                break
        fixed = errors.error_response(response.status_int, message)
        for name in ('WWW-Authenticate', 'Allow', 'Retry-After'):
            if name in response.headers:
                fixed.headers[name] = response.headers[name]
        return fixed


class HeadAsGet:
    """Answers HEAD as GET without the body, wherever GET is answered.

    The controllers know GET only; Pecan would answer HEAD with 405.
    """

    def __init__(self, app) -> None:
        self.app = app

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        if request.method != 'HEAD':
            return request.get_response(self.app)
        as_get = request.copy_get()
        as_get.environ[REQUESTED_METHOD] = 'HEAD'
        # Returned to the HEAD request: webob sends the headers (Content-
        # Length of the GET included) and no body.
        return as_get.get_response(self.app)


def _not_utf8(environ: dict) -> str | None:
    """What of the request's path and query is not UTF-8 text, if any."""
    try:
        path = environ.get('PATH_INFO', '').encode('latin-1').decode()
        query = urllib.parse.unquote_to_bytes(
            environ.get('QUERY_STRING', '').encode('latin-1')).decode()
    except UnicodeError:
        return ('The request path or query string is not valid UTF-8 '
                'once percent-decoded.')
    if '\x00' in path or '\x00' in query:
        return 'The request path or query string holds a NUL character.'
    return None


class TextCheck:
    """Answers 400 to a path or query string that is not UTF-8 text.

    webob decodes both on first use and Pecan turns the failure into a
    500 or a logged traceback, before authentication.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        problem = _not_utf8(environ)
        if problem is not None:
            return errors.error_response(400, problem)(environ,
                                                       start_response)
        return self.app(environ, start_response)


def _has_body(request: webob.Request) -> bool:
    return bool(request.content_length) or 'chunked' in \
        request.headers.get('Transfer-Encoding', '').lower()


class JsonBodyCheck:
    """Lets a body through only as UTF-8 JSON, nested no deeper than
    :data:`validator.MAX_JSON_DEPTH`.

    A body of another media type is 415: a web page can send a form or
    text/plain to any address without the browser asking first (CSRF),
    never ``application/json``. Pecan parses a JSON body while routing,
    recursively: a deep one would exhaust the stack (RecursionError), one
    that is not UTF-8 is a logged traceback. The Content-Type of a request
    without a body is dropped: Pecan would parse the missing form (a 500
    for ``multipart/form-data`` without a boundary).
    """

    def __init__(self, app) -> None:
        self.app = app

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        if not _has_body(request):
            request.environ.pop('CONTENT_TYPE', None)
            return request.get_response(self.app)
        # webob reads the charset parameter; UTF-8 when there is none.
        charset = request.charset.lower()
        if request.content_type != JSON or charset not in ('utf-8', 'utf8'):
            return errors.error_response(
                415, 'A request body must be JSON: send it with '
                     f'"Content-Type: {JSON}" (UTF-8).')
        try:
            body = request.body
        except webob_exc.HTTPRequestEntityTooLarge as e:
            return e
        try:
            validator.check_json_depth(validator.decode(body))
        except exception.Invalid as e:
            return errors.error_response(e.code, str(e))
        return request.get_response(self.app)


def _host_name(host: str) -> str:
    """The name or address of a Host header value, without its port."""
    host = host.strip().lower()
    if host.startswith('['):
        return host[1:host.find(']')] if ']' in host else host
    if host.count(':') == 1:
        host = host.split(':')[0]
    return host.rstrip('.')


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class NoauthHostCheck:
    """Without authentication, answers only requests meant for this API.

    Any web page the operator opens can send requests to a local API.
    DNS rebinding makes them look same-origin to the browser, but their
    Host header still names the attacker's domain: only IP addresses,
    ``localhost``, the host of ``[api] public_endpoint`` and ``[api]
    allowed_hosts`` are answered (else 400). A browser request from
    another origin says so in its Origin header (else 403), unless the
    operator named that origin in ``[cors] allowed_origin`` (``*`` does
    not count here).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.allowed = {'localhost'} | {
            _host_name(h) for h in CONF.api.allowed_hosts if h}
        self.origins = set()
        if CONF.api.public_endpoint:
            endpoint = urllib.parse.urlsplit(CONF.api.public_endpoint)
            self.allowed.add(_host_name(endpoint.netloc))
            self.origins.add(endpoint.netloc.lower())
        for origin in CONF.cors.allowed_origin or []:
            if origin == '*':
                LOG.warning('[cors] allowed_origin = * is not honoured '
                            'without authentication: name the origins '
                            'whose pages may call this API.')
                continue
            self.origins.add(urllib.parse.urlsplit(origin).netloc.lower())

    def __call__(self, environ, start_response):
        host = environ.get('HTTP_HOST')
        if host is not None:
            name = _host_name(host)
            if not _is_address(name) and name not in self.allowed:
                return errors.error_response(
                    400, f'This API (without authentication) does not '
                         f'answer requests for host {name!r}; add it to '
                         '[api] allowed_hosts if it is a name of this '
                         'machine.')(environ, start_response)
        origin = environ.get('HTTP_ORIGIN')
        if origin is not None:
            netloc = urllib.parse.urlsplit(origin).netloc.lower()
            if netloc not in self.origins | {(host or '').lower()}:
                return errors.error_response(
                    403, 'This API (without authentication) does not '
                         'answer requests from web pages of another '
                         'origin.')(environ, start_response)
        return self.app(environ, start_response)
