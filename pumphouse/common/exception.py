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

"""Exceptions of Pumphouse.

Every exception that may reach a user derives from
:class:`PumphouseException`, carries an HTTP status ``code`` and formats its
message from ``_msg_fmt``. The API turns them into JSON errors with that
code; over RPC they are re-raised as the same class (the module is in the
allowed remote exception modules).
"""

from http import client as http_client

from oslo_log import log

LOG = log.getLogger(__name__)


class PumphouseException(Exception):
    """Base class of Pumphouse's exceptions.

    Subclasses set ``_msg_fmt`` to a %-format string whose keys are passed as
    keyword arguments, and ``code`` to the HTTP status the API answers with.
    """

    _msg_fmt = 'An unknown exception occurred.'
    code = http_client.INTERNAL_SERVER_ERROR
    safe = False

    def __init__(self, message: str | None = None, **kwargs) -> None:
        self.kwargs = kwargs
        if 'code' not in self.kwargs:
            self.kwargs['code'] = self.code
        if not message:
            try:
                message = self._msg_fmt % kwargs
            except (KeyError, TypeError):
                LOG.exception('Exception in string format operation of '
                              '%(cls)s; kwargs: %(keys)s',
                              {'cls': self.__class__.__name__,
                               'keys': sorted(kwargs)})
                message = self._msg_fmt
        super().__init__(message)

    def __str__(self) -> str:
        return self.args[0] if self.args else self._msg_fmt


class Invalid(PumphouseException):
    _msg_fmt = 'Invalid request: %(reason)s'
    code = http_client.BAD_REQUEST


class InvalidParameterValue(Invalid):
    _msg_fmt = '%(reason)s'


class NotAcceptable(PumphouseException):
    _msg_fmt = 'Request not acceptable: %(reason)s'
    code = http_client.NOT_ACCEPTABLE


class Forbidden(PumphouseException):
    _msg_fmt = 'Policy does not allow %(action)s to be performed.'
    code = http_client.FORBIDDEN


class NotFound(PumphouseException):
    _msg_fmt = 'Resource could not be found.'
    code = http_client.NOT_FOUND


class CloudNotFound(NotFound):
    _msg_fmt = 'Cloud %(cloud)s could not be found.'


class Conflict(PumphouseException):
    _msg_fmt = 'Conflict: %(reason)s'
    code = http_client.CONFLICT


class CloudAlreadyExists(Conflict):
    _msg_fmt = 'A cloud named %(name)s already exists.'


class CloudInUse(Conflict):
    _msg_fmt = ('Cloud %(cloud)s is used by %(count)d migration(s) or '
                'host(s) and cannot be deleted.')


class TooManyValidations(PumphouseException):
    _msg_fmt = ('%(count)d cloud validation(s) are under way, as many as '
                'this API process waits for at once ([api] '
                'max_validations); try again in a moment.')
    code = http_client.TOO_MANY_REQUESTS


class ConductorAlreadyRegistered(Conflict):
    _msg_fmt = ('A live conductor named %(hostname)s is already registered; '
                'give this one another [DEFAULT] host.')


class NoConductorAvailable(PumphouseException):
    _msg_fmt = ('No conductor is alive to do this; start '
                'pumphouse-conductor and try again.')
    code = http_client.SERVICE_UNAVAILABLE


class ConductorTimeout(PumphouseException):
    _msg_fmt = ('The conductor did not answer within %(timeout)s seconds; '
                'the request may still complete.')
    code = http_client.SERVICE_UNAVAILABLE


class RPCVersionPinned(PumphouseException):
    _msg_fmt = ('This request needs conductor RPC API %(needed)s, but the '
                'API sends at most %(cap)s during a rolling upgrade '
                '([upgrade_levels] conductor = %(level)s). Try again once '
                'every conductor is upgraded and the cap is lifted.')
    code = http_client.SERVICE_UNAVAILABLE


class InvalidUpgradeLevel(PumphouseException):
    _msg_fmt = ('[upgrade_levels] conductor = %(level)s is neither "auto", '
                'a known Pumphouse release (%(releases)s) nor a conductor '
                'RPC API version %(major)s.x up to %(ours)s.')


class CredentialKeyError(PumphouseException):
    """The key file cannot be used. The message names the option, never
    the file's path (the service's log has it)."""

    _msg_fmt = ('Cannot use the credential key file ([credentials] '
                'key_file): %(reason)s')
    code = http_client.SERVICE_UNAVAILABLE


class CredentialKeyMissing(PumphouseException):
    """No key file where the configuration says one is: a process refuses
    to start. Only said on the operator's console, so the path is named."""

    _msg_fmt = ('The credential key file %(path)s ([credentials] key_file) '
                'does not exist. %(remedy)s')
    code = http_client.SERVICE_UNAVAILABLE


class CredentialKeyRotationIncomplete(PumphouseException):
    _msg_fmt = ('Secrets are still being stored with an old credential key '
                'while the rotation runs: a node has not got the new key '
                'file. Stop the API and conductors of the other nodes, run '
                '"pumphouse-dbsync rotate-key" again, then copy the key '
                'file to them. Nothing was lost: the key file still holds '
                'every old key.')


class CredentialDecryptError(Conflict):
    """Something stored cannot be decrypted with the keys of the key file:
    it was encrypted with a key the file no longer holds. ``what`` names
    it, ``remedy`` says how to store it again."""

    _msg_fmt = ('%(what)s cannot be decrypted with the credential key of '
                'this service ([credentials] key_file): it was stored with '
                'another key. %(remedy)s')


class CloudConfigError(Invalid):
    _msg_fmt = 'Cloud configuration is invalid: %(reason)s'


class DatabaseNotUpgraded(PumphouseException):
    _msg_fmt = ('The database is at revision %(current)s but this code needs '
                '%(head)s; run "pumphouse-dbsync upgrade".')


class DatabaseTooNew(PumphouseException):
    _msg_fmt = ('The database is at revision %(current)s, which %(how)s: '
                'this code (revision %(head)s) runs on a database at most '
                'one revision newer, while a rolling upgrade is under way. '
                'Install the release that upgraded the database here too.')


class ConfiguredDatabaseNotUpgraded(DatabaseNotUpgraded):
    """The ``pumphouse`` command upgrades only its embedded database."""

    _msg_fmt = ('The database of [database] connection is at revision '
                '%(current)s but this code needs %(head)s. The pumphouse '
                'command upgrades only the database of its own state '
                'directory, never a configured one: run "pumphouse-dbsync '
                'upgrade" with this configuration first.')


class MigrationNotFound(NotFound):
    _msg_fmt = 'Migration %(migration)s could not be found.'


class InvalidStateTransition(Conflict):
    _msg_fmt = ('Migration %(migration)s is %(state)s and cannot go to '
                '%(target)s.')


class MigrationBusy(Conflict):
    _msg_fmt = ('Migration %(migration)s is being worked on by %(owner)s. '
                'If that process died, it counts as gone once its heartbeat '
                'is older than [conductor] heartbeat_timeout; try again '
                'then.')


class PlanConflict(Conflict):
    _msg_fmt = ('The plan has %(count)d conflict(s) with what already exists '
                'in the destination: %(items)s. Choose a resolution '
                '(reuse, rename or fail) or fix the destination.')


class InvalidHardwareInfo(Invalid):
    _msg_fmt = 'Invalid %(driver)s driver info: %(reason)s.'


class PowerError(PumphouseException):
    _msg_fmt = 'Could not %(action)s of %(address)s: %(reason)s.'


class HostNotFound(NotFound):
    _msg_fmt = 'Host %(host)s could not be found.'


class HostAlreadyRegistered(Conflict):
    _msg_fmt = 'Host %(host)s of cloud %(cloud)s is already registered.'


class InvalidHostTransition(Conflict):
    _msg_fmt = ('Host %(host)s is %(state)s; it cannot go to %(target)s '
                'from there.')


class HostBusy(Conflict):
    _msg_fmt = ('Host %(host)s is being moved to %(target)s by '
                '%(owner)s. If that process died, it counts as gone '
                'once its heartbeat is older than [conductor] '
                'heartbeat_timeout; try again then.')


class HostStepFailed(PumphouseException):
    _msg_fmt = 'Step %(step)s of host %(host)s failed: %(reason)s'


class WaitStopped(PumphouseException):
    """The run was told to stop (cancelled, taken over, its owner
    stopping) while an item waited for its turn, before it changed
    anything: the item is left pending for whoever runs the migration
    next."""

    _msg_fmt = 'The run stops while %(what)s waits for %(turn)s'


class EvacuationInfeasible(Conflict):
    """The evacuation plan of a host leaves a server without a way off
    it: the evacuation does not start (or go on)."""

    _msg_fmt = 'Host %(host)s cannot be evacuated: %(reason)s'


class CloudUnreachable(PumphouseException):
    """A cloud a request needs to read right away did not answer."""

    _msg_fmt = 'Cloud %(cloud)s could not be read: %(reason)s'
    code = http_client.SERVICE_UNAVAILABLE


class CloudProjectNotFound(NotFound):
    _msg_fmt = 'Project %(project)s could not be found in cloud %(cloud)s.'


class CloudServiceMissing(Conflict):
    """A cloud whose catalog lacks the service a request reads."""

    _msg_fmt = ('Cloud %(cloud)s has no %(service)s (no %(service_type)s '
                'service in its catalog).')


class InvalidEvacuationChoice(Invalid):
    """A choice for a server that is not on the host, or not a choice."""


class EvacuationPlanNotFound(NotFound):
    _msg_fmt = ('Host %(host)s has no evacuation plan yet; one is made '
                'when it is asked to evacuate (POST its evacuation-plan for '
                'a dry run).')


class DataMismatch(PumphouseException):
    _msg_fmt = ('The data of %(what)s does not match: %(fields)s differ '
                '(expected %(expected)s, got %(actual)s).')


class DestinationChanged(Conflict):
    _msg_fmt = ('%(resource)s: the destination now has %(destination_id)s '
                'in its place, which differs in %(attributes)s; it was not '
                'there when the migration was planned. Nothing was created. '
                'Plan the migration again.')


class PreCheckFailed(Conflict):
    _msg_fmt = ('Migration %(migration)s: %(count)d pre-check(s) of the plan '
                'failed: %(checks)s. Make room in the destination and plan '
                'again, or override a check by its name or category.')


class MigrationInProgress(Conflict):
    _msg_fmt = ('Migration %(migration)s is %(state)s and cannot be '
                'deleted until it is no longer planning, running or '
                'verifying.')


class MigrationReportNotFound(NotFound):
    _msg_fmt = ('Migration %(migration)s has no verification report yet: '
                'it has one once it is verified.')


class MigrationHasNoPlan(Conflict):
    _msg_fmt = ('Migration %(migration)s has no plan (did planning fail?); '
                'plan it again before starting it.')


class ProvisionError(PumphouseException):
    _msg_fmt = ('Could not provision host %(host)s with the %(driver)s '
                'provision driver: %(reason)s.')
