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

"""Options of the [hardware] group: power and provision drivers."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='hardware',
                         title='Power and provision drivers of hosts')

opts = [
    cfg.IntOpt(
        'provision_timeout',
        mutable=True,
        default=3600,
        min=1,
        help='Seconds one provision driver call may take to make a host a '
             'destination compute node (Ironic: enroll to active; Fuel: '
             'discovery to ready) before it fails. A later call resumes '
             'from where the provider is.'),
    cfg.FloatOpt(
        'provision_poll_interval',
        mutable=True,
        default=10.0,
        min=0.0,
        help='Seconds between two looks at the provider\'s state (an '
             'Ironic node, a Fuel node or task) while a host is being '
             'provisioned.'),
    cfg.StrOpt(
        'ironic_api_version',
        default='1.78',
        help='Bare metal API microversion the ironic power and provision '
             'drivers use. At least 1.56: nodes are created with their '
             'hardware interfaces and deployed with a config drive given '
             'as JSON.'),
    cfg.IntOpt(
        'power_timeout',
        mutable=True,
        default=120,
        min=1,
        help='Seconds the ironic power driver waits for a node to reach '
             'the power state it was asked for.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """The group's options, for oslo-config-generator."""
    return [(opt_group.name, opts)]
