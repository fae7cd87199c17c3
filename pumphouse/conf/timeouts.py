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

"""Options of the [timeouts] group: how long Pumphouse waits for a cloud.

Each wait polls the cloud until the resource reaches the status wanted
and fails the plan item (undoing what it started) when it takes longer.
Raise them for slow clouds or large disks.
"""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='timeouts', title='Waits on the clouds')

opts = [
    cfg.IntOpt(
        'server_action',
        mutable=True,
        default=300,
        min=1,
        help='Seconds a power action of a server may take: suspend, '
             'resume, stop, start (source and destination).'),
    cfg.IntOpt(
        'server_boot',
        mutable=True,
        default=600,
        min=1,
        help='Seconds the copy of a server may take to become ACTIVE in '
             'the destination.'),
    cfg.IntOpt(
        'server_delete',
        mutable=True,
        default=300,
        min=1,
        help='Seconds a deleted server may take to disappear (a '
             'half-built copy being removed).'),
    cfg.IntOpt(
        'server_snapshot',
        mutable=True,
        default=1800,
        min=1,
        help='Seconds the snapshot of a source server\'s disk may take to '
             'become an active image (server_data_mode = snapshot).'),
    cfg.IntOpt(
        'volume_status',
        mutable=True,
        default=600,
        min=1,
        help='Seconds a volume or image status change that moves no data '
             'may take (a volume being attached or detached, a clone on a '
             'copy-on-write backend, an image becoming active). Where data '
             'moves, volume_seconds_per_gib is added per GiB.'),
    cfg.IntOpt(
        'volume_seconds_per_gib',
        mutable=True,
        default=60,
        min=0,
        help='Seconds per GiB of volume size added to volume_status where '
             'a volume\'s data moves (clone, upload to an image, volume '
             'created from an image).'),
    cfg.IntOpt(
        'image_settle',
        mutable=True,
        default=30,
        min=1,
        help='Seconds Glance is given to notice an image upload that was '
             'cut off (its uploader killed) before a resumed run deletes '
             'the image and uploads it again.'),
    cfg.FloatOpt(
        'server_poll_interval',
        mutable=True,
        default=0.5,
        min=0.1,
        max=10.0,
        help='Seconds between two reads of a server whose status '
             'Pumphouse waits for (suspend, boot, start, stop, delete), '
             'for the first 10 seconds of the wait; the pause then grows '
             'by half at each read, up to 3 seconds (or this value if it '
             'is longer). Most of these waits end within seconds and '
             'some hold the turn of a source host '
             '([conductor] max_servers_per_host): a short pause ends them '
             'when the server is ready, at the cost of about two reads a '
             'second per waiting server for Nova\'s API, which answers '
             'them from its database.'),
    cfg.IntOpt(
        'stack_adopt',
        mutable=True,
        default=600,
        min=1,
        help='Seconds the destination\'s Heat may take to adopt a migrated '
             'stack (to reach ADOPT_COMPLETE); adopting moves no data, it '
             'only checks and records each resource.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
