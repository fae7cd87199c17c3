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

"""Options of the [clouds] group: how Pumphouse reaches OpenStack clouds."""

from oslo_config import cfg
from oslo_config import types

opt_group = cfg.OptGroup(name='clouds', title='Source and destination clouds')

opts = [
    cfg.ListOpt(
        'clouds_yaml',
        default=[],
        help='clouds.yaml files in which clouds registered by reference '
             '(POST /v1/clouds with "cloud") are looked up. When empty, '
             'the openstacksdk defaults apply: OS_CLIENT_CONFIG_FILE, '
             './clouds.yaml, ~/.config/openstack/clouds.yaml and '
             '/etc/openstack/clouds.yaml. The TLS settings of an entry '
             '(verify, cacert) are those of the file: a registration by '
             'reference may choose region_name and interface, never '
             'verify or cacert.'),
    cfg.FloatOpt(
        'api_timeout',
        mutable=True,
        default=60.0,
        min=1.0,
        help='Seconds to wait for one API request to a cloud: for the '
             'connection, and then for each piece of the answer. A cloud '
             'that does not answer within it fails the request with a '
             'timeout, which is retried like any other transient fault '
             '(see api_retries) when the request is safe to repeat. 60 '
             'seconds lets a busy API finish a large listing; raise it '
             'for clouds whose APIs are slower than that.'),
    cfg.FloatOpt(
        'validation_timeout',
        mutable=True,
        default=20.0,
        min=1.0,
        help='Seconds one validation of a cloud (POST '
             '/v1/clouds/{cloud}/validate) may take in all. Each of its '
             'requests gets at most half of what is left, without retries; '
             'endpoints not asked by then are reported as not checked. The '
             'API waits this long, and a few seconds more, for the '
             'conductor\'s answer.'),
    cfg.IntOpt(
        'api_retries',
        mutable=True,
        default=4,
        min=0,
        deprecated_name='connect_retries',
        help='How often a request to a cloud that is safe to repeat is '
             'sent again after a transient fault: the connection failed '
             'or was reset, no answer came within api_timeout, or the '
             'answer was one of api_retry_statuses. Safe to repeat are '
             'GET, HEAD, OPTIONS and DELETE, PUT and PATCH with a body '
             'that can be sent again (never an image upload, which is '
             'streamed), and the request for a token; any request whose '
             'connection could not even be opened. Any other request '
             '(a POST that creates something) is never sent twice: the '
             'cloud may have acted on it. Each retry is an event of the '
             'migration (type "retry"; a WARNING in the log outside a '
             'migration). The default of 4 gives up after five failures '
             'in a row, about one request in 100,000 at a 10 % fault '
             'rate, while a cloud that keeps failing holds a request at '
             'most five times api_timeout and about 15 seconds of pauses. '
             '0 turns retries off. (Formerly connect_retries, which was '
             'never applied; keystoneauth\'s own retries, which would '
             'send a POST again, are always off.)'),
    cfg.FloatOpt(
        'api_retry_delay',
        mutable=True,
        default=1.0,
        min=0.0,
        help='Seconds of the first pause before a retry (api_retries). '
             'The pause doubles with each retry up to api_retry_max_delay '
             'and is drawn at random below that bound ("full jitter"), so '
             'that the parallel workers of a migration do not all come '
             'back to a recovering API at the same moment. One second '
             'rides out a dropped connection at once; the bounds of four '
             'pauses add up to 15 seconds, about what an API behind a '
             'load balancer takes to fail over.'),
    cfg.FloatOpt(
        'api_retry_max_delay',
        mutable=True,
        default=30.0,
        min=0.0,
        help='The longest pause before a retry, in seconds; a '
             'Retry-After a cloud sends (with 429 or 503) is honoured up '
             'to this long. 30 seconds bounds what a cloud asking for '
             'more can hold a migration\'s worker.'),
    cfg.ListOpt(
        'api_retry_statuses',
        mutable=True,
        item_type=types.Integer(min=400, max=599),
        default=[429, 500, 502, 503, 504],
        help='HTTP statuses taken for transient faults: a request safe '
             'to repeat that gets one is sent again (api_retries), a plan '
             'item that fails with one is tried again ([conductor] '
             'item_retries). 502, 503 and 504 come from a '
             'proxy or an API that cannot answer now; 429 asks to come '
             'back later; 500 is in the list because OpenStack APIs '
             'answer it for passing faults of their own (a lost database '
             'connection, a message-queue timeout), and repeating a '
             'request that is safe to repeat costs only the bounded '
             'retries when the fault is lasting.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
