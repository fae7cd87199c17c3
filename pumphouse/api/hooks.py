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

"""Pecan hooks: request context, microversions, RPC client, errors."""

from oslo_log import log
from pecan import hooks
from webob import exc as webob_exc

from pumphouse.api import errors
from pumphouse.api import versions
from pumphouse.common import context as pumphouse_context
from pumphouse.common import exception
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF

LOG = log.getLogger(__name__)


class ContextHook(hooks.PecanHook):
    """Builds ``request.context`` from the headers keystonemiddleware set,
    with the request ids (sent on to the conductor and the clouds).

    Without authentication (``[api] auth_strategy = noauth``) every caller
    is an administrator and identity headers are ignored.
    """

    def before(self, state) -> None:
        # oslo.middleware's RequestId made the request id, and took the
        # caller's X-OpenStack-Request-ID (req-UUID) as the global one.
        request_id = state.request.environ.get('openstack.request_id')
        if CONF.api.auth_strategy == 'noauth':
            state.request.context = pumphouse_context.get_noauth_context(
                request_id=request_id,
                global_request_id=state.request.environ.get(
                    'openstack.global_request_id'))
        else:
            state.request.context = (
                pumphouse_context.RequestContext.from_environ(
                    state.request.environ, request_id=request_id))


class RPCHook(hooks.PecanHook):
    """Gives controllers ``request.rpcapi``, one client per application."""

    def __init__(self) -> None:
        self._rpcapi: rpcapi.ConductorAPI | None = None

    def before(self, state) -> None:
        if self._rpcapi is None:
            self._rpcapi = rpcapi.ConductorAPI()
        state.request.rpcapi = self._rpcapi


class MicroversionHook(hooks.PecanHook):
    """Parses the requested microversion of /v1 and answers with it."""

    def on_route(self, state) -> None:
        state.request.version = versions.MIN_VERSION
        if not state.request.path.startswith('/v1'):
            return
        state.request.version = versions.parse(state.request.headers)

    def after(self, state) -> None:
        if not state.request.path.startswith('/v1'):
            return
        version = getattr(state.request, 'version', versions.MIN_VERSION)
        state.response.headers[versions.HEADER] = (
            f'{versions.SERVICE_TYPE} {versions.format_version(version)}')
        state.response.headers['Vary'] = versions.HEADER


class ErrorHook(hooks.PecanHook):
    """Turns exceptions into JSON errors; a 500 never shows internals."""

    def on_error(self, state, e: Exception):
        if isinstance(e, exception.PumphouseException):
            if e.code >= 500:
                LOG.error('%(method)s %(path)s failed: %(err)s',
                          {'method': state.request.method,
                           'path': state.request.path, 'err': e})
            return errors.error_response(e.code, str(e))
        if isinstance(e, webob_exc.HTTPException):
            message = e.detail or e.explanation
            return errors.error_response(e.code, message)
        request_id = state.request.environ.get('openstack.request_id')
        LOG.error('Unexpected error in %(method)s %(path)s',
                  {'method': state.request.method,
                   'path': state.request.path}, exc_info=e)
        return errors.error_response(
            500, 'An unexpected error occurred; the log of pumphouse-api '
                 f'has the details (request {request_id}).')
