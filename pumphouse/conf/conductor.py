"""Options of the [conductor] group: the RPC conductor service."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='conductor', title='Pumphouse conductor')

opts = [
    cfg.IntOpt(
        'heartbeat_interval',
        default=10,
        min=1,
        help='Seconds between two heartbeats of a conductor.'),
    cfg.IntOpt(
        'heartbeat_timeout',
        default=60,
        min=2,
        help='A conductor whose last heartbeat is older than this many '
             'seconds is considered dead: no new work is sent to it and '
             'its migrations are taken over by the others. Must be larger '
             'than heartbeat_interval.'),
    cfg.IntOpt(
        'rpc_timeout',
        default=120,
        min=1,
        help='Seconds the API waits for a conductor to answer a call.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
