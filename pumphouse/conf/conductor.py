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
        mutable=True,
        default=120,
        min=1,
        help='Seconds the API waits for a conductor to answer a call.'),
    cfg.IntOpt(
        'workers',
        default=4,
        min=1,
        help='How many migrations one conductor works on at once '
             '(planning, applying or verifying). Work that finds every '
             'worker busy is left to another conductor, or to this one '
             'once a worker is free, through the take-over.'),
    cfg.IntOpt(
        'apply_workers',
        mutable=True,
        default=4,
        min=1,
        max=64,
        help='How many resources of one migration are migrated in '
             'parallel, unless the migration sets its apply_workers '
             'option. The servers of one source host move at most '
             '[conductor] max_servers_per_host at a time (across every '
             'migration), so a source of '
             'H hosts moves up to H x max_servers_per_host servers at '
             'once, one worker each, while the other workers do the '
             'items servers wait for. Measured on the test clouds (two '
             'source hosts, tools/bench/fleet.py): with 4 workers a '
             'migration of 30 or of 300 servers took 3.5 s per server, '
             'three migrations at once through the service 3.4 s; '
             'with 8 workers (tools/bench/servers_limit.py) the clouds\' '
             'own bound, four servers at once, was the limit. Raise it '
             'towards H x max_servers_per_host for a source of many '
             'hosts whose destination takes the load.'),
    cfg.IntOpt(
        'item_retries',
        mutable=True,
        default=3,
        min=0,
        max=20,
        help='How often a plan item that failed with a transient fault '
             'of a cloud (a connection failed, reset or timed out, or one '
             'of [clouds] api_retry_statuses) is tried again in the same '
             'run, after its requests exhausted their own retries or were '
             'not safe to repeat (a POST is never sent twice: the cloud '
             'may have acted on it). Each new attempt first looks for '
             'what an earlier one made in the destination and adopts it, '
             'as a resumed migration does, so nothing is created twice; '
             'each is an event of the migration (type "retry"). 3 lets an '
             'item with a few POSTs through a cloud that fails one call '
             'in ten, and bounds the time a lasting fault costs. 0 fails '
             'the item at its first fault, as before.'),
    cfg.FloatOpt(
        'item_retry_delay',
        mutable=True,
        default=5.0,
        min=0.0,
        help='Seconds of the first pause before a plan item is tried '
             'again (item_retries); it doubles with each attempt up to '
             'item_retry_max_delay, drawn at random below that bound so '
             'that failed items do not all come back at once. 5 seconds '
             'gives a cloud that has just failed a moment to recover.'),
    cfg.FloatOpt(
        'item_retry_max_delay',
        mutable=True,
        default=60.0,
        min=0.0,
        help='The longest pause before a plan item is tried again, in '
             'seconds.'),
    cfg.IntOpt(
        'max_transfers',
        default=2,
        min=1,
        max=64,
        help='How many image or volume data copies one migration runs at '
             'once (each streams from the source to the destination). '
             'One stream already moves data at the rate of the slower '
             'side, in practice the destination\'s upload (0.84 of an '
             'upload-only copy of 1 GiB, tools/bench/image_copy.py); a '
             'second one keeps that side busy while the first one '
             'checks its hashes and waits for the image to become '
             'active. More add streams that share the same upload link '
             'and disks, and hold more of the destination\'s store '
             'half-written at once.'),
    cfg.IntOpt(
        'max_servers_per_host',
        default=2,
        min=1,
        max=64,
        help='How many servers of one source hypervisor host are moved '
             'at once, across every migration of the deployment (the '
             'migrations sharing the conductors\' database, whichever '
             'conductor or pumphouse command runs them), so that a '
             'host\'s servers are not all suspended together. A server '
             'holds one of its host\'s turns only while it is suspended '
             'and its copy boots; a server that finds every turn held '
             'waits (the database is asked again every 0.5 s, then up to '
             'every 2 s), and the wait is not counted as its work. The '
             'turns of a migration that stopped running, or whose '
             'conductor or command stopped heart-beating ([conductor] '
             'heartbeat_timeout), are taken back. Every conductor of the '
             'deployment should have the same value. Measured on the '
             'test clouds (tools/bench/servers_limit.py, 24 servers '
             'on two hosts), the same server moves done without this '
             'bound were slower, not faster (62.7 s against 60.4 s, '
             '47.8 against 41.3): the hosts and the destination gain '
             'nothing from more servers at once, and each more one '
             'suspended is one more workload down; ten migrations at once '
             'bounded per migration only (tools/bench/fleet.py) had up to '
             '16 servers of a host suspended at once and took 1.34 times '
             'longer per server. Raise it for hypervisors whose suspend '
             'and resume are slow but not busy.'),
    cfg.IntOpt(
        'takeover_interval',
        mutable=True,
        default=10,
        min=1,
        help='Seconds between two searches for migrations that need a '
             'conductor: those whose conductor stopped heart-beating, '
             'those no conductor picked up, and, at start-up, those this '
             'conductor had before it was restarted. They are resumed from '
             'their plan items.'),
    cfg.IntOpt(
        'graceful_shutdown_timeout',
        mutable=True,
        default=60,
        min=0,
        help='Seconds a stopping conductor waits for its work under way. '
             'It starts nothing new: the plan items under way finish (a '
             'request to a cloud is never cut short), an item waiting to '
             'be tried again and the items not started are left pending, '
             'and a host stops before its next step. Its migrations stay '
             'running and its hosts keep their target, for the take-over '
             '(the other conductors, or this one restarted), which '
             'resumes them without creating anything twice. An item still '
             'running after these seconds is left too, and taken over as '
             'an interrupted one.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
