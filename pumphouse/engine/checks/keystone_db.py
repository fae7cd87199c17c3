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

"""The ``keystone_db`` pre-check: can ``copy_hash`` reach both Keystone
databases?

With ``password_mode = copy_hash`` a created user gets its password hash
copied between the two Keystone databases right after it is created. A
wrong ``[identity] *_keystone_connection`` would only show then, with the
user already in the destination and no password: half done. The check
connects to both databases when the plan creates users, and makes sure
each is a Keystone database (its ``local_user`` and ``password`` tables)
and that the source one is the source cloud's (it holds the users the
plan creates).
"""

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pumphouse.conf import CONF
from pumphouse.engine.checks.result import FAILED
from pumphouse.engine.checks.result import PASSED
from pumphouse.engine.checks.result import Result

CATEGORY = 'keystone_db'
TABLES = ('local_user', 'password')
_USER = sa.table('user', sa.column('id'))
#: Seconds a connection attempt may take (drivers that honour it).
CONNECT_TIMEOUT = 10


def password_mode(ctx) -> str:
    return ctx.options.get('password_mode') or CONF.identity.password_mode


def check(ctx, plan, drivers) -> list[Result]:
    users = [r.id for r in plan.created('identity.user')]
    if not users or password_mode(ctx) != 'copy_hash':
        return []
    return [_check_side('source', CONF.identity.source_keystone_connection,
                        users),
            _check_side('destination',
                        CONF.identity.destination_keystone_connection, [])]


def shown(url: str) -> str:
    """The URL as a message may show it: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return '(not a database URL)'


def _check_side(side: str, url: str | None, user_ids: list[str]) -> Result:
    option = f'[identity] {side}_keystone_connection'
    if not url:
        return Result(CATEGORY, side, FAILED,
                      f'password_mode copy_hash needs {option}')
    try:
        problem = _problem(url, user_ids)
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        problem = f'cannot connect: {_reason(e, url)}'
    if problem:
        return Result(CATEGORY, side, FAILED,
                      f'{option} ({shown(url)}): {problem}; no user was '
                      'created')
    return Result(CATEGORY, side, PASSED,
                  f'{option} ({shown(url)}) is a Keystone database')


def _problem(url: str, user_ids: list[str]) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            missing = [t for t in TABLES
                       if not sa.inspect(conn).has_table(t)]
            if missing:
                return (f'it has no table {", ".join(missing)}: not a '
                        'Keystone database')
            if not user_ids:
                return None
            found = set(conn.execute(
                sa.select(_USER.c.id).where(_USER.c.id.in_(user_ids))
            ).scalars())
            absent = sorted(set(user_ids) - found)
            if absent:
                return (f'{len(absent)} of the {len(user_ids)} users to '
                        f'create are not in it (e.g. {absent[0]}): not the '
                        'source cloud\'s Keystone database')
            return None
    finally:
        engine.dispose()


def _engine(url: str) -> sa.engine.Engine:
    parsed = make_url(url)
    args = {}
    if parsed.get_backend_name() in ('mysql', 'postgresql'):
        args['connect_timeout'] = CONNECT_TIMEOUT
    return sa.create_engine(parsed, connect_args=args,
                            poolclass=sa.pool.NullPool)


def _reason(error: Exception, url: str) -> str:
    """The error's first line, without the URL's password."""
    text = str(getattr(error, 'orig', None) or error).splitlines()[0] \
        if str(error) else type(error).__name__
    password = _password(url)
    if password:
        text = text.replace(password, '***')
    return text


def _password(url: str) -> str | None:
    try:
        return make_url(url).password
    except (sa.exc.ArgumentError, ValueError):
        return None
