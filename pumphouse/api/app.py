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

"""The WSGI application of the API and its middleware, outermost last."""

import pecan
from keystonemiddleware import auth_token
from oslo_log import log
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit

from pumphouse import notifications
from pumphouse.api import hooks
from pumphouse.api import method
from pumphouse.api import middleware
from pumphouse.api import ui
from pumphouse.common import exception
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF
from pumphouse.conf import api as api_conf

LOG = log.getLogger(__name__)

# Version discovery is open to everyone, as in every OpenStack API, and
# so is the OpenAPI document: it describes the API, as the published API
# reference does, and holds nothing of this deployment.
PUBLIC_ROUTES = ('/', '/v1', '/v1/', '/v1/openapi.json')


def _pecan_app():
    return pecan.make_app(
        'pumphouse.api.controllers.root.RootController',
        hooks=[hooks.ContextHook(), hooks.RPCHook(),
               hooks.MicroversionHook(), hooks.ErrorHook()],
        custom_renderers={'json': method.JsonRenderer},
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False)


def register_opts(conf) -> None:
    """The options of oslo.middleware's CORS and proxy middleware, with
    Pumphouse's defaults; before the middleware is made, because the Host
    and Origin check reads [cors] allowed_origin too."""
    api_conf.set_middleware_defaults()
    conf.register_opts(cors.OPTS, group='cors')
    conf.register_opts(http_proxy_to_wsgi.OPTS, group='oslo_middleware')


def _check_upgrade_levels(conf, fresh) -> None:
    """After a reload (SIGHUP): say at once when the new [upgrade_levels]
    conductor means nothing (every request to a conductor fails)."""
    if ('upgrade_levels', 'conductor') not in fresh:
        return
    try:
        rpcapi.check_upgrade_levels()
    except exception.InvalidUpgradeLevel as e:
        LOG.error('%s Requests to the conductors fail until it is fixed.',
                  e)


def setup_app():
    """Build the API: Pecan app wrapped in explicit middleware.

    From the inside out: authentication (keystonemiddleware, skipped for
    version discovery), health check, the web UI (``/ui/``, outside
    authentication), JSON bodies only (and not too deep), body size
    limit, without authentication the Host and Origin check, UTF-8 paths
    and queries, JSON error bodies, HEAD as GET, CORS (when [cors]
    allowed_origin names origins; outside authentication so that
    browsers' preflight requests are answered), the headers of a
    TLS-terminating proxy ([oslo_middleware] enable_proxy_headers_parsing:
    scheme, host and path prefix of the links), request id.
    """
    register_opts(CONF)
    rpcapi.check_upgrade_levels()
    CONF.register_mutate_hook(_check_upgrade_levels)
    # A migration the API cancels changes state here.
    notifications.setup()
    app = _pecan_app()
    if CONF.api.auth_strategy == 'keystone':
        authenticated = auth_token.AuthProtocol(app, {'oslo_config_config':
                                                      CONF})
        app = middleware.PathDispatcher(
            authenticated, {path: app for path in PUBLIC_ROUTES})
    else:
        LOG.warning('The API runs without authentication ([api] '
                    'auth_strategy = noauth): every caller is an '
                    'administrator.')
    app = middleware.PathDispatcher(
        app, {'/healthcheck': healthcheck.Healthcheck(app, CONF)})
    # The web UI's files and sign-in, outside authentication.
    app = ui.UIDispatcher(app)
    app = middleware.JsonBodyCheck(app)
    app = sizelimit.RequestBodySizeLimiter(app, CONF)
    if CONF.api.auth_strategy == 'noauth':
        app = middleware.NoauthHostCheck(app)
    app = middleware.TextCheck(app)
    app = middleware.JsonErrorMiddleware(app)
    app = middleware.HeadAsGet(app)
    if CONF.cors.allowed_origin:
        # Only when origins are configured: oslo.middleware's CORS answers
        # every OPTIONS request with a 200, which without CORS would hide
        # the API's 405 for a method a route does not have.
        app = cors.CORS(app, CONF)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, CONF)
    app = request_id.RequestId(app)
    return app
