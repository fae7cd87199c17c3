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

"""Options of the [estimate] group: how long a plan is expected to take.

A plan's estimate (:mod:`pumphouse.engine.estimate`) is learnt from the
earlier migrations between the same two clouds; what it has no history
for it takes from these ranges. Each default says where it comes from:
they are wide on purpose, and the history replaces them as soon as there
is some.
"""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='estimate', title='Estimates of duration')

opts = [
    cfg.FloatOpt(
        'item_seconds_low',
        mutable=True,
        default=1.0, min=0.0,
        help='Seconds one plan item without data or server takes at best '
             '(a project, user, network, port, security group rule...), '
             'when no earlier migration between the same clouds tells. '
             'An assumption, not a measurement: such an item looks for '
             'its resource in the destination and creates it, 2 to 6 API '
             'requests, each at least a fraction of a second with token '
             'validation on a healthy cloud.'),
    cfg.FloatOpt(
        'item_seconds_high',
        mutable=True,
        default=6.0, min=0.0,
        help='Seconds one plan item without data or server takes at '
             'worst, without history (see item_seconds_low): 6 requests of '
             'about a second each on a busy cloud.'),
    cfg.FloatOpt(
        'server_seconds_low',
        mutable=True,
        default=30.0, min=0.0,
        help='Seconds one server takes at best without history: suspended '
             'in the source, booted in the destination until ACTIVE, '
             'checked and its source handled. An assumption: a Nova boot '
             'from an image already cached on the compute host takes '
             'about 10 to 20 seconds, and the server path adds its '
             'suspend, port checks and resume.'),
    cfg.FloatOpt(
        'server_seconds_high',
        mutable=True,
        default=240.0, min=0.0,
        help='Seconds one server takes at worst without history (see '
             'server_seconds_low): a boot that fetches its image to the '
             'compute host first; [timeouts] server_boot (600) is where '
             'it would fail instead.'),
    cfg.FloatOpt(
        'image_rate_low',
        mutable=True,
        default=10.0, min=0.01,
        help='MiB per second an image (or a server disk copied as a '
             'snapshot) is streamed from the source Glance to the '
             'destination at worst, without history. An assumption: a '
             'Glance on a shared or busy store.'),
    cfg.FloatOpt(
        'image_rate_high',
        mutable=True,
        default=100.0, min=0.01,
        help='MiB per second an image is streamed at best, without '
             'history: about what one 1 Gb/s link carries, and what '
             'tools/bench/image_copy.py measured on the test clouds, '
             'whose destination Glance took uploads at 80 to 120 MiB/s.'),
    cfg.FloatOpt(
        'volume_rate_low',
        mutable=True,
        default=3.0, min=0.01,
        help='MiB per second of a volume\'s size a volume copy moves at '
             'worst, without history: its data is moved three times '
             '(Cinder uploads it to an image, Pumphouse streams the '
             'image, Cinder writes the new volume from it), so a third '
             'of image_rate_low, rounded down.'),
    cfg.FloatOpt(
        'volume_rate_high',
        mutable=True,
        default=33.0, min=0.01,
        help='MiB per second of a volume\'s size a volume copy moves at '
             'best, without history: a third of image_rate_high (see '
             'volume_rate_low).'),
    cfg.IntOpt(
        'history_migrations',
        mutable=True,
        default=20, min=0,
        help='How many of the latest migrations between the same two '
             'clouds a new plan learns from: the times their finished '
             'items took and the rates their images and volumes moved '
             'at. 0 always uses the default ranges.'),
    cfg.IntOpt(
        'min_samples',
        mutable=True,
        default=3, min=1,
        help='How many finished items of a resource type (or, for a '
             'rate, copies of at least 64 MiB) the history must hold '
             'before their times replace the default range of that type.'),
    cfg.IntOpt(
        'min_observed',
        mutable=True,
        default=5, min=1,
        help='How many items of a running migration must have finished '
             'before the time left is scaled by how fast they went '
             'against their estimate.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
