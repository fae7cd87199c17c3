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

"""Options of the [hosts] group: freeing source hypervisors and handing
them to the destination cloud."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='hosts', title='Host reassignment')

opts = [
    cfg.StrOpt(
        'disabled_reason',
        default='pumphouse: host is being moved to another cloud',
        help='The reason recorded on the source nova-compute service '
             'Pumphouse disables.'),
    cfg.IntOpt(
        'evacuate_timeout',
        mutable=True,
        default=1800, min=1,
        help='Seconds the live or cold migration of one server off a '
             'host may take.'),
    cfg.IntOpt(
        'evacuate_workers',
        default=2, min=1,
        help='Servers moved off one host at once.'),
    cfg.IntOpt(
        'join_timeout',
        mutable=True,
        default=3600, min=1,
        help='Seconds to wait for a provisioned host\'s nova-compute to '
             'report to the destination cloud with an inventory.'),
    cfg.FloatOpt(
        'poll_interval',
        mutable=True,
        default=5.0, min=0.1,
        help='Seconds between two looks at something the clouds do in '
             'the background (migrations, services, providers).'),
    cfg.IntOpt(
        'workers',
        default=2, min=1,
        help='Host operations one conductor works on at once.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
