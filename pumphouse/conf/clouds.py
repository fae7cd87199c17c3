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
        default=60.0,
        min=1.0,
        help='Seconds to wait for one API request to a cloud.'),
    cfg.FloatOpt(
        'validation_timeout',
        default=20.0,
        min=1.0,
        help='Seconds one validation of a cloud (POST '
             '/v1/clouds/{cloud}/validate) may take in all. Each of its '
             'requests gets at most half of what is left, without retries; '
             'endpoints not asked by then are reported as not checked. The '
             'API waits this long, and a few seconds more, for the '
             'conductor\'s answer.'),
    cfg.IntOpt(
        'connect_retries',
        default=2,
        min=0,
        help='How often a request to a cloud is retried when the '
             'connection fails.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
