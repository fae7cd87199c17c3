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

"""Options of the [identity] group: migrating Keystone users."""

from oslo_config import cfg

opt_group = cfg.OptGroup(name='identity', title='Identity migration')

opts = [
    cfg.StrOpt(
        'password_mode',
        default='reset',
        choices=[('reset', 'Give every created user a new random password. '
                           'The passwords are kept encrypted until the '
                           'operator fetches them, once.'),
                 ('copy_hash', 'Copy the password hashes from the source '
                               'Keystone database to the destination one, '
                               'so users keep their passwords. Needs '
                               'source_keystone_connection and '
                               'destination_keystone_connection.')],
        help='What migrated users get as their password. A migration may '
             'choose otherwise with its password_mode option.'),
    cfg.StrOpt(
        'source_keystone_connection',
        secret=True,
        help='SQLAlchemy URL of the source Keystone database, read for '
             'password_mode = copy_hash.'),
    cfg.StrOpt(
        'destination_keystone_connection',
        secret=True,
        help='SQLAlchemy URL of the destination Keystone database, written '
             'for password_mode = copy_hash.'),
    cfg.StrOpt(
        'destination_project_role',
        default='admin',
        help='Role the destination cloud\'s user is given on a destination '
             'project while Pumphouse creates what the project owns and '
             'only a token scoped to it can create (server groups, '
             'servers). The grant is removed when the migration run ends, '
             'unless the user already had it. Needs a password (not an '
             'application credential) for the destination cloud.'),
    cfg.StrOpt(
        'boot_user_domain',
        help='Domain (ID or name) of the temporary users that boot the '
             'copies of servers with a keypair (pumphouse-boot-<server '
             'id>, deleted once the copy runs). They log in with a '
             'password, so the domain must be SQL-backed. By default the '
             'domain of the destination cloud\'s user.'),
    cfg.StrOpt(
        'boot_user_role',
        default='member',
        help='Role the temporary boot user gets on the destination '
             'project of the server it boots; it needs no more than what '
             'booting with the project\'s ports, volumes, images and '
             'server group takes. When the destination has no such role, '
             'destination_project_role is given instead.'),
    cfg.StrOpt(
        'source_project_role',
        default='reader',
        help='Role the source cloud\'s user is given on a source project '
             'while discovery lists what only a token scoped to the '
             'project can list (its Heat stacks: Heat lists stacks per '
             'project only). Reading is all it is used for; the grant is '
             'removed when planning ends, unless the user already had '
             'it.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(opt_group)
    conf.register_opts(opts, group=opt_group)
