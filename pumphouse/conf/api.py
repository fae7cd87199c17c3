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

"""Options of the [api] group: the REST API service."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='api', title='Pumphouse REST API')

opts = [
    cfg.HostAddressOpt(
        'host_ip',
        default='127.0.0.1',
        help='The IP address or host name the API listens on.'),
    cfg.PortOpt(
        'port',
        default=8799,
        help='The TCP port the API listens on.'),
    cfg.IntOpt(
        'threads',
        default=16,
        min=1,
        help='Number of threads serving API requests in pumphouse-api and '
             'pumphouse serve.'),
    cfg.IntOpt(
        'backlog',
        default=1024,
        min=1,
        help='How many connections wait to be accepted (the listen '
             'backlog; the kernel caps it at net.core.somaxconn). Clients '
             'beyond it are refused while the threads are busy: with the '
             'web server\'s own default (5) a burst of 200 clients saw '
             'refused connections.'),
    cfg.IntOpt(
        'keepalive_connections',
        default=1000,
        min=0,
        help='How many idle keep-alive connections pumphouse-api and '
             'pumphouse serve keep open for their clients\' next requests '
             '(each closes after 10 s unused). A response past that '
             'number closes its connection: with the web server\'s own '
             'default (10), 40 of 50 concurrent clients had to connect '
             'anew for every request. Each connection holds a file '
             'descriptor. 0: every connection closes after its '
             'response.'),
    cfg.IntOpt(
        'max_validations',
        default=4,
        min=1,
        help='How many cloud validations one API process waits for at '
             'once (each may take [clouds] validation_timeout); one more is '
             'answered at once with 429 Too Many Requests. At most '
             '[api] threads - 1 are allowed, so that validations never tie '
             'up every thread and other requests, /healthcheck included, '
             'are still served.'),
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[('keystone', 'Validate tokens with keystonemiddleware; '
                              'configure [keystone_authtoken].'),
                 ('noauth', 'No authentication: every caller is an '
                            'administrator. Only for the single-operator '
                            'embedded mode on a loopback address.')],
        help='How API callers are authenticated. "pumphouse serve" '
             'defaults to noauth.'),
    cfg.BoolOpt(
        'allow_insecure_noauth',
        default=False,
        help='Let auth_strategy = noauth listen on an address that is not '
             'a loopback one ([api] host_ip). Whoever reaches that address '
             'is an administrator of Pumphouse and of every cloud it '
             'knows: set this only on a network where every host and user '
             'is trusted. Without it, such a configuration refuses to '
             'start.'),
    cfg.ListOpt(
        'allowed_hosts',
        default=[],
        help='With auth_strategy = noauth: host names, besides localhost '
             'and the host of [api] public_endpoint, that the Host header '
             'of a request may name (an IP address is always accepted). '
             'Any other name is refused with 400: it is how a web page '
             'reaches a local API by DNS rebinding. A browser request '
             'from another origin (Origin header) is refused with 403. '
             'Not used with auth_strategy = keystone.'),
    cfg.IntOpt(
        'max_request_header_size',
        default=65536,
        min=0,
        help='The most bytes of request line and headers the API reads of '
             'one request; past it the request is answered with 414 (a '
             'longer request line) or 413 (longer headers). 0: no limit. '
             'Bodies are limited by [oslo_middleware] '
             'max_request_body_size.'),
    cfg.IntOpt(
        'max_limit',
        mutable=True,
        default=1000,
        min=1,
        help='The largest number of items a list call returns at once.'),
    cfg.StrOpt(
        'public_endpoint',
        help='Public URL of the API (with the path it is served under, '
             'e.g. https://cloud.example.org/migration), used in the links '
             'of the responses (version document, next pages, Location). '
             'Defaults to the URL of the request: its scheme and host, and '
             'the path the WSGI server mounts the API at (SCRIPT_NAME); '
             'behind a TLS-terminating proxy, set [oslo_middleware] '
             'enable_proxy_headers_parsing = true so that the scheme, host '
             'and path prefix the proxy forwards (X-Forwarded-Proto, '
             'X-Forwarded-Host, X-Forwarded-Prefix or Forwarded) are '
             'used, or set this option.'),
    cfg.StrOpt(
        'response_validation',
        default='ignore',
        choices=[('error', 'Fail the request with an error (for tests).'),
                 ('warn', 'Log a warning and send the response.'),
                 ('ignore', 'Do not validate responses.')],
        help='Whether responses are checked against their JSON schemas '
             '(those of the API reference), and what a mismatch does. '
             'The check finds bugs of the API itself: the unit and '
             'functional tests run with "error". It is off by default: '
             'jsonschema walking a response costs more than building it '
             '(measured in tools/bench/api_inprocess.py: about 60 % of '
             'the CPU of a 2,000-item plan and of a list of 100 '
             'migrations).'),
]


#: What a browser page of another origin ([cors] allowed_origin) may send
#: and read: the token, the microversion and the request id.
CORS_ALLOW_HEADERS = ['X-Auth-Token', 'X-OpenStack-Request-ID',
                      'OpenStack-API-Version', 'Content-Type']
CORS_EXPOSE_HEADERS = ['X-OpenStack-Request-ID', 'OpenStack-API-Version',
                       'Location']
CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']


def set_middleware_defaults() -> None:
    """Pumphouse's defaults of oslo.middleware's [cors] options (CORS stays
    off until [cors] allowed_origin names an origin)."""
    # Imported here: every command reads this module, and oslo.middleware
    # (webob and the rest) would slow those without an API down.
    from oslo_middleware import cors  # noqa: PLC0415

    cors.set_defaults(allow_headers=CORS_ALLOW_HEADERS,
                      expose_headers=CORS_EXPOSE_HEADERS,
                      allow_methods=CORS_ALLOW_METHODS)


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
