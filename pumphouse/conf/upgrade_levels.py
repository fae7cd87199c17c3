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

"""Options of the [upgrade_levels] group: the RPC version caps of a
rolling upgrade (see :mod:`pumphouse.common.release_mappings`)."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='upgrade_levels',
                         title='RPC versions during a rolling upgrade')

opts = [
    cfg.StrOpt(
        'conductor',
        mutable=True,
        help='The highest conductor RPC API version the API sends: a '
             'version (1.3), the Pumphouse release whose conductors are '
             'still running (0.1), or "auto" for the oldest version the '
             'live conductors announce. Unset, the default, the API sends '
             'the version of its own release. Set it on the API nodes '
             'while conductors of the previous release run, and unset it '
             '(then send SIGHUP to pumphouse-api, or restart it) once '
             'every conductor is upgraded: a request that needs a newer '
             'call than the cap is refused meanwhile with a 503.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
