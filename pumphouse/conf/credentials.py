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

"""Options of the [credentials] group: encryption of cloud credentials."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='credentials',
                         title='Encryption of stored credentials')

opts = [
    cfg.StrOpt(
        'key_file',
        default='$state_path/credentials.key',
        help='File holding the Fernet keys that encrypt cloud credentials '
             'in the database, one key per line; the first line encrypts, '
             'every line decrypts (so a key can be rotated by adding a new '
             'first line). pumphouse-dbsync, or the first service to start, '
             'creates it with mode 0600 when it is missing. Every API and '
             'conductor node needs the same file.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
