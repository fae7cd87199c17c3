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
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=1,
        help='The largest number of items a list call returns at once.'),
    cfg.StrOpt(
        'public_endpoint',
        help='Public URL of the API, used in links of the responses when '
             'the API runs behind a proxy. Defaults to the URL of the '
             'request.'),
    cfg.StrOpt(
        'response_validation',
        default='warn',
        choices=[('error', 'Fail the request with an error (for tests).'),
                 ('warn', 'Log a warning and send the response.'),
                 ('ignore', 'Do not validate responses.')],
        help='What to do when a response does not match its JSON '
             'schema.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
