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

"""The web UI: its static files under ``/ui/`` and its session.

The UI is plain files shipped in the package (``pumphouse/api/static``:
HTML, CSS and JavaScript modules, no build step) that call the same REST
API with the user's token. Every UI response carries a Content-Security-
Policy that allows only this origin's scripts, styles and connections and
no framing. A browser asking for ``/`` with ``Accept: text/html`` is sent
to ``/ui/``; any other client still gets version discovery there.

``/ui/session`` tells the UI how to sign in (``GET``) and, with ``[api]
auth_strategy = keystone``, exchanges Keystone credentials for a token
(``POST``): the browser then talks only to this origin, never to Keystone
(which it could not reach from this page without CORS there), and the
password goes no further than that one request to Keystone. Nothing is
stored here: the UI keeps the token in the tab's session storage and
sends it as ``X-Auth-Token``. Since no cookie authenticates anything, a
page of another origin cannot make the browser act as the user (CSRF);
without authentication, the Origin check of
:class:`~pumphouse.api.middleware.NoauthHostCheck` refuses what another
origin sends.
"""

import hashlib
import json
import pathlib

import webob
import webob.dec
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_log import log

from pumphouse.api import errors
from pumphouse.api import versions
from pumphouse.api.schemas import ui as schemas
from pumphouse.api.schemas import validator
from pumphouse.common import exception
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)

#: Where the UI's files are, in the installed package.
STATIC = pathlib.Path(__file__).parent / 'static'
PREFIX = '/ui/'
SESSION = '/ui/session'

#: What a UI page may load and do: this origin's scripts, styles, images
#: and connections only, no inline script or style, no plugin, no frame.
CONTENT_SECURITY_POLICY = '; '.join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
}

#: The media types of the files the UI is made of; no other file is
#: served.
MEDIA_TYPES = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.json': 'application/json',
    '.txt': 'text/plain',
}
_TEXT = ('text/', 'image/svg+xml', 'application/json')


def _secure(response: webob.Response) -> webob.Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _error(code: int, message: str, **headers) -> webob.Response:
    response = errors.error_response(code, message, headers)
    response.headers['Cache-Control'] = 'no-store'
    return _secure(response)


def wants_html(request: webob.Request) -> bool:
    """Whether the client (a browser) prefers HTML to JSON."""
    offers = request.accept.acceptable_offers(['application/json',
                                               'text/html'])
    return bool(offers) and offers[0][0] == 'text/html'


def static_file(relative: str) -> pathlib.Path | None:
    """The file of the UI at ``relative`` (below /ui/), or None: only
    regular files of :data:`MEDIA_TYPES` below :data:`STATIC`."""
    if not relative or relative.endswith('/'):
        relative += 'index.html'
    parts = relative.split('/')
    if any(p in ('', '.', '..') or p.startswith('.') or '\\' in p
           for p in parts):
        return None
    path = STATIC.joinpath(*parts)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(STATIC.resolve()) or \
            not resolved.is_file() or \
            resolved.suffix not in MEDIA_TYPES:
        return None
    return resolved


def _file_response(request: webob.Request,
                   path: pathlib.Path) -> webob.Response:
    body = path.read_bytes()
    etag = hashlib.sha256(body).hexdigest()[:32]
    media_type = MEDIA_TYPES[path.suffix]
    response = webob.Response(content_type=media_type)
    if media_type.startswith(_TEXT):
        response.charset = 'UTF-8'
    response.etag = etag
    # Always asked again (a new release must not meet cached modules),
    # answered with 304 while unchanged.
    response.cache_control = 'no-cache'
    if etag in request.if_none_match:
        response.status = 304
    else:
        response.body = body
    return _secure(response)


def _keystone_url() -> str | None:
    """The public Keystone URL the users of this API sign in at: the one
    keystonemiddleware names to clients (``[keystone_authtoken]
    www_authenticate_uri``)."""
    group = CONF.keystone_authtoken
    for name in ('www_authenticate_uri', 'auth_uri'):
        try:
            value = getattr(group, name)
        except Exception:  # noqa: S112 - an option of another release
            continue
        if value:
            return value
    return None


def _tls_verify():
    group = CONF.keystone_authtoken
    if group.insecure:
        return False
    return group.cafile or True


def _auth_plugin(auth_url: str, body: dict):
    scope = {key: body[key] for key in (
        'project_name', 'project_id', 'project_domain_name',
        'project_domain_id') if key in body}
    if body['method'] == 'token':
        return v3.Token(auth_url=auth_url, token=body['token'], **scope)
    user = {key: body[key] for key in (
        'username', 'password', 'user_domain_name', 'user_domain_id')
        if key in body}
    return v3.Password(auth_url=auth_url, **user, **scope)


def _session_view(access) -> dict:
    expires = access.expires
    return {
        'token': access.auth_token,
        'expires_at': expires.isoformat() if expires else None,
        'user': {'id': access.user_id, 'name': access.username,
                 'domain_id': access.user_domain_id},
        'project': {'id': access.project_id, 'name': access.project_name,
                    'domain_id': access.project_domain_id},
        'roles': sorted(access.role_names or []),
    }


def _session_body(request: webob.Request) -> dict:
    if not request.body:
        raise exception.Invalid(reason='the request body is empty')
    body = validator.parse_json(request.body)
    if not isinstance(body, dict):
        raise exception.Invalid(reason='the body must be a JSON object')
    method = body.get('method')
    if method == 'password':
        validator.validate(body, schemas.password_request)
    elif method == 'token':
        validator.validate(body, schemas.token_request)
    else:
        raise exception.Invalid(
            reason='method: sign in with "password" (username and '
                   'password) or "token"')
    return body


def sign_in(request: webob.Request) -> webob.Response:
    """``POST /ui/session``: a Keystone token for the credentials given."""
    if CONF.api.auth_strategy != 'keystone':
        return _error(404, 'This API runs without authentication ([api] '
                           'auth_strategy = noauth): there is nothing to '
                           'sign in to.')
    try:
        body = _session_body(request)
    except exception.PumphouseException as e:
        return _error(e.code, str(e))
    auth_url = _keystone_url()
    if not auth_url:
        LOG.error('The web UI cannot sign users in: set [keystone_'
                  'authtoken] www_authenticate_uri to the public URL of '
                  'Keystone.')
        return _error(503, 'Signing in is not configured on this API '
                           '(its administrator sets [keystone_authtoken] '
                           'www_authenticate_uri).')
    session = ks_session.Session(
        auth=_auth_plugin(auth_url, body), verify=_tls_verify(),
        timeout=CONF.keystone_authtoken.http_connect_timeout or 30)
    try:
        access = session.auth.get_access(session)
    except (ksa_exc.Unauthorized, ksa_exc.NotFound, ksa_exc.Forbidden):
        return _error(401, 'Keystone did not accept these credentials '
                           'for this project.',
                      **{'WWW-Authenticate': f'Keystone uri="{auth_url}"'})
    except ksa_exc.BadRequest as e:
        return _error(400, f'Keystone refused the request: {e.message}')
    except ksa_exc.ClientException as e:
        LOG.warning('Signing in through Keystone at %(url)s failed: '
                    '%(err)s', {'url': auth_url,
                                'err': type(e).__name__})
        return _error(503, 'Keystone could not be reached to sign in; '
                           'try again in a moment.')
    LOG.info('Web UI sign-in of user %(user)s to project %(project)s',
             {'user': access.user_id, 'project': access.project_id})
    response = webob.Response(content_type='application/json',
                              charset='UTF-8')
    response.text = json.dumps(_session_view(access))
    response.cache_control = 'no-store'
    return _secure(response)


def session_info() -> webob.Response:
    """``GET /ui/session``: how the UI signs in, and the microversion it
    asks for."""
    response = webob.Response(content_type='application/json',
                              charset='UTF-8')
    response.text = json.dumps({
        'auth_strategy': CONF.api.auth_strategy,
        'api_version': versions.format_version(versions.MAX_VERSION)})
    response.cache_control = 'no-store'
    return _secure(response)


#: The UI's routes besides its files, for the OpenAPI document.
OPENAPI_PATHS = {
    SESSION: {
        'get': {
            'operationId': 'get_ui_session',
            'summary': 'How the web UI signs in.',
            'tags': ['ui'],
            'security': [],
            'responses': {'200': {
                'description': 'OK.',
                'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/'
                                       'ui.session_info'}}}}},
        },
        'post': {
            'operationId': 'post_ui_session',
            'summary': 'Sign in to the web UI: a Keystone token for a user '
                       'name and password, or for a token scoped again.',
            'description': 'Keystone (`[keystone_authtoken] '
                           'www_authenticate_uri`) is asked for the token; '
                           'nothing is stored. 404 without '
                           'authentication.',
            'tags': ['ui'],
            'security': [],
            'requestBody': {'required': True, 'content': {
                'application/json': {'schema': {
                    '$ref': '#/components/schemas/ui.session_request'}}}},
            'responses': {
                '200': {'description': 'OK.', 'content': {
                    'application/json': {'schema': {
                        '$ref': '#/components/schemas/ui.session'}}}},
                **{str(code): {'description': text, 'content': {
                    'application/json': {'schema': {
                        '$ref': '#/components/schemas/error'}}}}
                   for code, text in (
                       (400, 'Bad Request: the body is not valid.'),
                       (401, 'Unauthorized: Keystone did not accept the '
                             'credentials.'),
                       (404, 'Not Found: the API runs without '
                             'authentication.'),
                       (413, 'Content Too Large: the body is larger than '
                             'the limit.'),
                       (415, 'Unsupported Media Type: the body is not '
                             'JSON (UTF-8).'),
                       (503, 'Service Unavailable: Keystone could not be '
                             'reached, or signing in is not configured.'))},
            },
        },
    },
}

#: The schemas :data:`OPENAPI_PATHS` names (as named components).
OPENAPI_SCHEMAS = (schemas.session_info, schemas.session_request,
                   schemas.session)


def register_opts(conf) -> None:
    """keystonemiddleware's options, read to sign users in (registered
    where keystonemiddleware is not loaded: without authentication)."""
    from keystonemiddleware import opts  # noqa: PLC0415

    for group, options in opts.list_auth_token_opts():
        conf.register_opts(options, group=group)


class UIDispatcher:
    """Serves the UI under ``/ui/``, sends browsers from ``/`` there and
    passes every other request to the API."""

    def __init__(self, app) -> None:
        self.app = app
        register_opts(CONF)

    @webob.dec.wsgify
    def __call__(self, request: webob.Request) -> webob.Response:
        path = request.environ.get('PATH_INFO') or '/'
        if path == '/' and request.method in ('GET', 'HEAD') and \
                wants_html(request):
            return self._redirect(request)
        if path == '/ui':
            return self._redirect(request)
        if path == SESSION:
            return self._session(request)
        if not path.startswith(PREFIX):
            return request.get_response(self.app)
        if request.method not in ('GET', 'HEAD'):
            return _error(405, f'{request.method} is not allowed on '
                               f'{path}.', Allow='GET, HEAD')
        found = static_file(path[len(PREFIX):])
        if found is None:
            return _error(404, f'The web UI has no file {path}.')
        return _file_response(request, found)

    @staticmethod
    def _redirect(request: webob.Request) -> webob.Response:
        # Relative to where the API is mounted (SCRIPT_NAME).
        response = webob.Response(status=302)
        response.location = request.script_name + PREFIX
        response.cache_control = 'no-store'
        response.vary = ('Accept',)
        return _secure(response)

    @staticmethod
    def _session(request: webob.Request) -> webob.Response:
        if request.method in ('GET', 'HEAD'):
            return session_info()
        if request.method == 'POST':
            return sign_in(request)
        return _error(405, f'{request.method} is not allowed on '
                           f'{SESSION}.', Allow='GET, HEAD, POST')
