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

"""SQLAlchemy models of Pumphouse's database.

Every change here comes with an alembic revision under
``pumphouse/db/schema/alembic_migrations/versions``; a test compares the
two on every supported backend.
"""

from oslo_db.sqlalchemy import models
from oslo_db.sqlalchemy import types as db_types
from sqlalchemy import orm
from sqlalchemy import schema
from sqlalchemy import types
from sqlalchemy.dialects import mysql

# On MySQL/MariaDB: TEXT holds only 64 KiB, so long values are MEDIUMTEXT
# (16 MiB); and identifiers compare case-sensitively (utf8mb4_bin), as
# they do in OpenStack and on the other backends.
LongText = types.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
JsonDict = db_types.JsonEncodedDict(mysql_as_medium=True)
JsonList = db_types.JsonEncodedList(mysql_as_medium=True)
PreciseDateTime = types.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                                'mysql')


class Base(models.TimestampMixin, models.ModelBase, orm.DeclarativeBase):
    """Base of all models: ``created_at``/``updated_at`` and dict access."""

    __table_args__ = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
                      'mysql_collate': 'utf8mb4_bin'}

    def as_dict(self) -> dict:
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


class Cloud(Base):
    """A source or destination cloud and how to reach it.

    ``config`` holds what may be shown (clouds.yaml entry name, auth URL,
    user and project names, region, interface); ``credentials`` holds the
    whole connection configuration encrypted with the credential key.
    """

    __tablename__ = 'clouds'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_clouds0uuid'),
        schema.UniqueConstraint('name', name='uniq_clouds0name'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    description = schema.Column(LongText, nullable=True)
    config = schema.Column(JsonDict, nullable=False)
    credentials = schema.Column(LongText, nullable=True)


class Migration(Base):
    """One migration of a workload from a source to a destination cloud."""

    __tablename__ = 'migrations'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_migrations0uuid'),
        schema.Index('migrations_project_id_idx', 'project_id'),
        schema.Index('migrations_state_idx', 'state'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=True)
    project_id = schema.Column(types.String(255), nullable=False)
    user_id = schema.Column(types.String(255), nullable=True)
    source_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    destination_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    workload = schema.Column(JsonDict, nullable=False)
    options = schema.Column(JsonDict, nullable=False)
    state = schema.Column(types.String(32), nullable=False)
    #: The owner (see Owner) working on it now, if any.
    owner = schema.Column(types.String(255), nullable=True)
    last_error = schema.Column(LongText, nullable=True)
    started_at = schema.Column(types.DateTime, nullable=True)
    finished_at = schema.Column(types.DateTime, nullable=True)
    report = schema.Column(JsonDict, nullable=True)
    #: Results of the plan's pre-checks (quotas, capacity, addresses).
    checks = schema.Column(JsonList, nullable=True)
    #: How long the plan was expected to take when it was made
    #: (:mod:`pumphouse.engine.estimate`); None before revision 0008.
    estimate = schema.Column(JsonDict, nullable=True)


class PlanItem(Base):
    """One resource of a migration's plan and how far it got."""

    __tablename__ = 'plan_items'
    __table_args__ = (
        schema.UniqueConstraint('migration_id', 'resource_type', 'source_id',
                                name='uniq_plan_items0migration_resource'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    migration_id = schema.Column(
        types.Integer, schema.ForeignKey('migrations.id', ondelete='CASCADE'),
        nullable=False)
    resource_type = schema.Column(types.String(64), nullable=False)
    source_id = schema.Column(types.String(255), nullable=False)
    source_name = schema.Column(types.String(255), nullable=True)
    action = schema.Column(types.String(16), nullable=False)
    depends_on = schema.Column(JsonList, nullable=False)
    state = schema.Column(types.String(16), nullable=False)
    destination_id = schema.Column(types.String(255), nullable=True)
    attempts = schema.Column(types.Integer, nullable=False, default=0)
    error = schema.Column(LongText, nullable=True)
    bytes_done = schema.Column(types.BigInteger, nullable=False, default=0)
    bytes_total = schema.Column(types.BigInteger, nullable=True)
    details = schema.Column(JsonDict, nullable=True)
    #: When the item's latest run began (its first attempt in that run)
    #: and when it was done; None for an item not done yet.
    started_at = schema.Column(PreciseDateTime, nullable=True)
    finished_at = schema.Column(PreciseDateTime, nullable=True)
    #: finished_at - started_at less the time the item waited for a
    #: transfer slot or its source host's turn: what later estimates
    #: learn from.
    work_seconds = schema.Column(types.Float, nullable=True)


class Mapping(Base):
    """Source id to destination id of a migrated resource.

    Unique per (source cloud, destination cloud, type, source id): this is
    what makes a re-run create nothing twice, across migrations.
    """

    __tablename__ = 'mappings'
    __table_args__ = (
        schema.UniqueConstraint('source_cloud_id', 'destination_cloud_id',
                                'resource_type', 'source_id',
                                name='uniq_mappings0source_resource'),
        schema.Index('mappings_destination_id_idx', 'destination_id'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    source_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    destination_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    resource_type = schema.Column(types.String(64), nullable=False)
    source_id = schema.Column(types.String(255), nullable=False)
    destination_id = schema.Column(types.String(255), nullable=False)
    migration_id = schema.Column(
        types.Integer, schema.ForeignKey('migrations.id', ondelete='SET NULL'),
        nullable=True)


class Event(Base):
    """A line of a migration's progress log."""

    __tablename__ = 'events'
    __table_args__ = (
        schema.Index('events_migration_id_idx', 'migration_id', 'id'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    migration_id = schema.Column(
        types.Integer, schema.ForeignKey('migrations.id', ondelete='CASCADE'),
        nullable=True)
    plan_item_id = schema.Column(
        types.Integer, schema.ForeignKey('plan_items.id', ondelete='CASCADE'),
        nullable=True)
    level = schema.Column(types.String(16), nullable=False)
    event_type = schema.Column(types.String(64), nullable=False)
    message = schema.Column(LongText, nullable=False)
    conductor = schema.Column(types.String(255), nullable=True)


class Owner(Base):
    """A process that may own work (a migration or a host): a conductor,
    or a command-line process working on its own; with its heartbeat.

    Only owners of kind ``conductor`` are sent work over RPC; a
    ``command`` owner heart-beats so that nobody takes its work over while
    it is alive.
    """

    __tablename__ = 'owners'
    __table_args__ = (
        schema.UniqueConstraint('name', name='uniq_owners0name'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    name = schema.Column(types.String(255), nullable=False)
    kind = schema.Column(types.String(16), nullable=False)
    online = schema.Column(types.Boolean, nullable=False, default=True)
    heartbeat_at = schema.Column(PreciseDateTime, nullable=False)
    #: The conductor RPC API version a conductor serves (``X.Y``); empty
    #: for a command-line owner and a conductor of an earlier release.
    rpc_version = schema.Column(types.String(32), nullable=True)


class HostTurn(Base):
    """One turn of a source host, held by a migration that moves one of
    the host's servers now (see :mod:`pumphouse.db.host_turn_api`).

    A host has ``[conductor] max_servers_per_host`` turns, numbered by
    ``slot`` from 0, shared by every migration of the deployment: the
    unique key lets one migration only hold a given slot. ``holder`` is the
    owner running the migration when it took the turn (None for a run
    without an owner); a turn whose migration no longer runs, or whose
    holder is gone or no longer holds the migration, is stale and taken
    back by the next one to ask.
    """

    __tablename__ = 'host_turns'
    __table_args__ = (
        schema.UniqueConstraint('source_cloud_id', 'host', 'slot',
                                name='uniq_host_turns0host_slot'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    source_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    host = schema.Column(types.String(255), nullable=False)
    slot = schema.Column(types.Integer, nullable=False)
    migration_id = schema.Column(
        types.Integer, schema.ForeignKey('migrations.id', ondelete='CASCADE'),
        nullable=False)
    holder = schema.Column(types.String(255), nullable=True)


class IssuedPassword(Base):
    """A password Pumphouse gave a migrated user, until it is fetched.

    Encrypted with the credential key; the row is deleted when the operator
    fetches it, so it can be read only once.
    """

    __tablename__ = 'issued_passwords'
    __table_args__ = (
        schema.UniqueConstraint('migration_id', 'user_source_id',
                                name='uniq_issued_passwords0user'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    migration_id = schema.Column(
        types.Integer, schema.ForeignKey('migrations.id', ondelete='CASCADE'),
        nullable=False)
    user_source_id = schema.Column(types.String(255), nullable=False)
    user_destination_id = schema.Column(types.String(255), nullable=False)
    user_name = schema.Column(types.String(255), nullable=False)
    domain_name = schema.Column(types.String(255), nullable=True)
    secret = schema.Column(LongText, nullable=False)


class Host(Base):
    """A source hypervisor Pumphouse frees and hands to the destination.

    Joins what the operator registers (power and provision drivers with
    their info, encrypted with the credential key like cloud credentials;
    the NICs' MACs) with where the host is on its way: ``state`` is the
    last state reached (:mod:`pumphouse.hosts.states`), ``target`` where
    the operation under way goes, ``failed_step`` the step that failed.
    """

    __tablename__ = 'hosts'
    __table_args__ = (
        schema.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        schema.UniqueConstraint('source_cloud_id', 'name',
                                name='uniq_hosts0source_cloud_name'),
        schema.Index('hosts_state_idx', 'state'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    uuid = schema.Column(types.String(36), nullable=False)
    name = schema.Column(types.String(255), nullable=False)
    source_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=False)
    destination_cloud_id = schema.Column(
        types.Integer, schema.ForeignKey('clouds.id'), nullable=True)
    state = schema.Column(types.String(32), nullable=False)
    target = schema.Column(types.String(32), nullable=True)
    failed_step = schema.Column(types.String(32), nullable=True)
    options = schema.Column(JsonDict, nullable=False)
    power_driver = schema.Column(types.String(64), nullable=True)
    power_info = schema.Column(LongText, nullable=True)
    provision_driver = schema.Column(types.String(64), nullable=True)
    provision_info = schema.Column(LongText, nullable=True)
    #: What may be shown of the info, as its driver described it when it
    #: was registered (no secret); the API shows it without loading
    #: drivers.
    power_public = schema.Column(JsonDict, nullable=True)
    provision_public = schema.Column(JsonDict, nullable=True)
    macs = schema.Column(JsonList, nullable=False)
    #: The owner (see Owner) working on it now, if any.
    owner = schema.Column(types.String(255), nullable=True)
    last_error = schema.Column(LongText, nullable=True)
    #: The evacuation plan the host's evacuation follows (see
    #: :mod:`pumphouse.hosts.evacuation_plan`); made anew for each
    #: request, kept for a resume or a take-over. None reads back as {}.
    evacuation_plan = schema.Column(JsonDict, nullable=True)


class HostOperation(Base):
    """One step of a host's way, as it ran: the host's progress log."""

    __tablename__ = 'host_operations'
    __table_args__ = (
        schema.Index('host_operations_host_id_idx', 'host_id', 'id'),
        Base.__table_args__,
    )

    id = schema.Column(types.Integer, primary_key=True)
    host_id = schema.Column(
        types.Integer, schema.ForeignKey('hosts.id', ondelete='CASCADE'),
        nullable=False)
    step = schema.Column(types.String(32), nullable=False)
    #: ``running``, ``done``, ``failed`` or ``info`` (a progress line).
    state = schema.Column(types.String(16), nullable=False)
    level = schema.Column(types.String(16), nullable=False)
    message = schema.Column(LongText, nullable=True)
    conductor = schema.Column(types.String(255), nullable=True)
