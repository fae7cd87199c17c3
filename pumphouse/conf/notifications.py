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

"""Options of the [notifications] group: versioned notifications of
state changes (see :mod:`pumphouse.notifications`)."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='notifications',
                         title='Versioned notifications')

#: The priorities of notifications, lowest first.
LEVELS = ('debug', 'info', 'warning', 'error', 'critical')

opts = [
    cfg.StrOpt(
        'notification_level',
        choices=[(level, f'send notifications of priority {level} and '
                         'above') for level in LEVELS],
        mutable=True,
        help='The lowest priority of the versioned notifications the API '
             'and the conductors send (a state change is sent as info, a '
             'change to failed as error). Unset, the default, sends none. '
             'They go through the oslo.messaging notification driver of '
             '[oslo_messaging_notifications] driver, which must be set too '
             '(messagingv2 to a message queue), to the '
             '[oslo_messaging_notifications] transport_url, else '
             '[DEFAULT] transport_url. The pumphouse command sends none.'),
    cfg.ListOpt(
        'versioned_notifications_topics',
        default=['pumphouse_versioned_notifications'],
        help='The topics the versioned notifications are sent to.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
