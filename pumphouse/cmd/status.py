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

"""pumphouse-status: ``upgrade check``, is this deployment ready?

Run it with the configuration of the API and conductors, as their user
(the key file must be readable by it): after installing a new release,
before restarting the services, and afterwards to confirm. Each check
prints Success, Warning or Failure with what is wrong and what to do; the
exit status is the worst result (0, 1 or 2; 255 when a check itself
broke).

As oslo.upgradecheck asks, the checks read the database with plain SQL on
reflected tables, not with the models: the database may be of an older
or newer revision than this code.
"""

import contextlib
import datetime
import logging
import os
import sys
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_policy import policy as oslo_policy
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck
from oslo_utils import timeutils

from pumphouse import policies
from pumphouse.common import crypto
from pumphouse.common import exception
from pumphouse.common import policy
from pumphouse.conductor import rpcapi
from pumphouse.conf import CONF
from pumphouse.db import api as db_api
from pumphouse.db import schema
from pumphouse.db import secret_api

SUCCESS = upgradecheck.Code.SUCCESS
WARNING = upgradecheck.Code.WARNING
FAILURE = upgradecheck.Code.FAILURE

def _result(code: upgradecheck.Code, details: str) -> upgradecheck.Result:
    return upgradecheck.Result(code, details)


def _database_error(error: Exception) -> upgradecheck.Result:
    if isinstance(error, sa.exc.NoSuchTableError):
        return _result(FAILURE, f'The database has no {error} table: it '
                                'is not upgraded (see the database '
                                'revision check).')
    inner = getattr(error, 'inner_exception', None) or error
    reason = str(inner).strip().splitlines()[0] if str(inner).strip() \
        else type(inner).__name__
    return _result(FAILURE, 'Cannot read the database ([database] '
                            f'connection): {reason}')


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split('.')
    return int(major), int(minor)


def _live_conductors() -> list[dict]:
    """Name and announced RPC version (None when the row has none) of
    the conductors that heart-beat within ``[conductor]
    heartbeat_timeout``."""
    engine = db_api.get_engine()
    owners = sa.Table('owners', sa.MetaData(), autoload_with=engine)
    oldest = timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.conductor.heartbeat_timeout)
    version = (owners.c.rpc_version if 'rpc_version' in owners.c
               else sa.null())
    query = sa.select(owners.c.name, version.label('rpc_version')).where(
        owners.c.kind == 'conductor', owners.c.online.is_(True),
        owners.c.heartbeat_at >= oldest).order_by(owners.c.name)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


@contextlib.contextmanager
def _policy_messages() -> Iterator[list[str]]:
    """What oslo.policy logs while rules are loaded and checked (its
    only way of naming undefined references and cycles), kept off the
    console."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger('oslo_policy')
    handler = Collect(logging.WARNING)
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``pumphouse-status upgrade check``."""

    def _check_database(self) -> upgradecheck.Result:
        """The database is at the revision this release needs."""
        try:
            current, head = schema.current(), schema.head()
        except (db_exc.DBError, sa.exc.SQLAlchemyError) as e:
            return _database_error(e)
        if current == head:
            return _result(SUCCESS, f'The database is at revision {head}.')
        if current is None:
            return _result(FAILURE, 'The database has no schema: run '
                                    '"pumphouse-dbsync upgrade".')
        if not schema.is_known(current):
            ahead = schema.revisions_ahead(current, head)
            if ahead is not None and ahead <= schema.TOLERATED_AHEAD:
                return _result(WARNING, f'The database is at revision '
                                        f'{current}, one newer than this '
                                        f'release\'s {head}: a newer '
                                        'release upgraded it. The services '
                                        'of this release still run on it '
                                        'during a rolling upgrade; upgrade '
                                        'them next (conductors, then the '
                                        'API).')
            return _result(FAILURE, f'The database is at revision '
                                    f'{current}, which this release does '
                                    'not know: a newer release of '
                                    'Pumphouse upgraded it. Install that '
                                    'release here too.')
        return _result(FAILURE, f'The database is at revision {current} '
                                f'but this release needs {head}: run '
                                '"pumphouse-dbsync upgrade".')

    def _check_credential_key(self) -> upgradecheck.Result:
        """The key file is there, readable by this user, and decrypts
        what is stored."""
        path = CONF.credentials.key_file
        try:
            crypto.check_key_file(path)
        except exception.CredentialKeyMissing as e:
            return _result(FAILURE, str(e))
        except exception.CredentialKeyError as e:
            return _result(FAILURE, f'{e} ({path}). Run this check as the '
                                    'user of the services.')
        keys = crypto.multi_fernet(crypto.read_keys(path))
        try:
            stored = secret_api.count()
            unreadable = secret_api.unreadable(keys)
        except (db_exc.DBError, sa.exc.SQLAlchemyError):
            stored, unreadable = 0, []  # the database check says why
        if stored and len(unreadable) == stored:
            return _result(FAILURE, f'None of the {stored} secrets stored '
                                    f'in the database can be decrypted with '
                                    f'the key file {path}: it is not this '
                                    "deployment's key. Copy the key file "
                                    'from a node where the services work.')
        if unreadable:
            return _result(WARNING, f'{len(unreadable)} of the {stored} '
                                    'stored secrets cannot be decrypted '
                                    f'with the key file {path} (stored with '
                                    'a key it no longer holds): '
                                    f'{", ".join(unreadable)}. Register '
                                    'those clouds and hosts again.')
        mode = os.stat(path).st_mode & 0o777
        if mode & 0o077:
            return _result(WARNING, f'The key file {path} can be read by '
                                    f'other users (mode {mode:04o}); make '
                                    'it 0600, owned by the user of the '
                                    'services.')
        return _result(SUCCESS, f'The key file {path} decrypts the '
                                f'{stored} stored secrets.')

    def _check_policy_file(self) -> upgradecheck.Result:
        """A policy file, when there is one, loads and names only known
        rules with a valid syntax."""
        name = CONF.oslo_policy.policy_file
        path = CONF.find_file(name)
        if path is None:
            if name != policy.DEFAULT_POLICY_FILE:
                return _result(FAILURE, f'[oslo_policy] policy_file is '
                                        f'{name}, which does not exist (a '
                                        'relative path is looked for '
                                        'beside the configuration files).')
            return _result(SUCCESS, 'No policy file: the default rules '
                                    'apply.')
        enforcer = oslo_policy.Enforcer(CONF, policy_file=path)
        enforcer.register_defaults(policies.list_rules())
        with _policy_messages() as messages:
            try:
                enforcer.load_rules(force_reload=True)
            except (ValueError, OSError) as e:
                reason = str(e).strip().splitlines()[0]
                return _result(FAILURE, f'The policy file {path} cannot be '
                                        f'read: {reason}')
            valid_references = enforcer.check_rules(raise_on_violation=False)
        problems = []
        unknown = sorted(set(enforcer.file_rules)
                         - set(enforcer.registered_rules))
        if unknown:
            problems.append(f'unknown rules (ignored): {", ".join(unknown)}')
        unparsable = sorted(
            rule for rule, default in enforcer.file_rules.items()
            if str(enforcer.rules[rule]) == '!'
            and default.check_str.strip() != '!')
        if unparsable:
            problems.append('rules that cannot be parsed (they deny '
                            f'everything): {", ".join(unparsable)}')
        if not valid_references:
            problems.append(' '.join(
                m for m in messages if 'reference' in m or 'cycl' in m)
                or 'rules referring to undefined rules or to each other')
        if problems:
            return _result(FAILURE, f'The policy file {path} has '
                                    + '; '.join(problems) + '.')
        return _result(SUCCESS, f'The policy file {path} is valid '
                                f'({len(enforcer.file_rules)} rules).')

    def _check_conductors(self) -> upgradecheck.Result:
        """At least one conductor heart-beats."""
        try:
            live = _live_conductors()
        except (db_exc.DBError, sa.exc.SQLAlchemyError) as e:
            return _database_error(e)
        if not live:
            timeout = CONF.conductor.heartbeat_timeout
            return _result(FAILURE, 'No conductor is alive (none has '
                                    f'heart-beaten in the last {timeout} '
                                    'seconds, [conductor] '
                                    'heartbeat_timeout): the API cannot '
                                    'do anything. Start pumphouse-conductor '
                                    'or read its log.')
        names = ', '.join(c['name'] for c in live)
        return _result(SUCCESS, f'{len(live)} live: {names}.')

    def _check_rpc_version(self) -> upgradecheck.Result:
        """The live conductors serve the RPC API version this release's
        API sends."""
        ours = rpcapi.ConductorAPI.RPC_API_VERSION
        try:
            live = _live_conductors()
        except (db_exc.DBError, sa.exc.SQLAlchemyError) as e:
            return _database_error(e)
        if not live:
            return _result(WARNING, 'No live conductor to compare with '
                                    f'(this release sends up to {ours}).')
        silent, incompatible, older = [], [], []
        for conductor in live:
            theirs = conductor['rpc_version']
            if theirs is None:
                silent.append(conductor['name'])
                continue
            try:
                version = _version(theirs)
            except ValueError:
                incompatible.append(f'{conductor["name"]} ({theirs!r})')
                continue
            if version[0] != _version(ours)[0]:
                incompatible.append(f'{conductor["name"]} ({theirs})')
            elif version < _version(ours):
                older.append(f'{conductor["name"]} ({theirs})')
        if incompatible:
            return _result(FAILURE, 'These conductors serve an RPC API '
                                    f'incompatible with {ours}, which this '
                                    'release sends: '
                                    f'{", ".join(incompatible)}. Run the '
                                    'same release on the API and the '
                                    'conductors.')
        if older:
            return _result(WARNING, 'These conductors serve an older RPC '
                                    f'API than {ours}, which this '
                                    'release\'s API sends: '
                                    f'{", ".join(older)}. Requests that '
                                    'need the newer calls fail until they '
                                    'are upgraded: upgrade and restart the '
                                    'conductors before the API.')
        if silent:
            return _result(WARNING, 'These conductors do not announce the '
                                    'RPC API version they serve (a release '
                                    'from before they did): '
                                    f'{", ".join(silent)}. Restart them '
                                    'with this release.')
        return _result(SUCCESS, f'Every live conductor serves {ours} or a '
                                'compatible later version.')

    _upgrade_checks = (
        ('Database revision', _check_database),
        ('Credential key', _check_credential_key),
        ('Policy file', _check_policy_file),
        ('Policy file format', (common_checks.check_policy_json,
                                {'conf': CONF})),
        ('Live conductors', _check_conductors),
        ('Conductor RPC version', _check_rpc_version),
    )


def main(argv: list[str] | None = None) -> int:
    # The results say what is wrong; Pumphouse's own log lines (the key
    # file's error, ...) would only repeat it on stderr.
    logging.getLogger('pumphouse').addHandler(logging.NullHandler())
    # Checked once: an unreachable database is a failed check, not
    # [database] max_retries attempts.
    CONF.set_override('max_retries', 0, group='database')
    return upgradecheck.main(
        CONF, project='pumphouse', upgrade_command=Checks(),
        argv=sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
