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

"""Temporary role grants for project-scoped destination connections."""

import types
import unittest
from unittest import mock

from pumphouse.common import exception
from pumphouse.drivers.resources import scoped


def connection(held=(), role='admin'):
    identity = mock.Mock()
    identity.find_role.return_value = (
        types.SimpleNamespace(id='r1') if role else None)
    identity.role_assignments.side_effect = lambda **kw: [
        a for a in held if a == kw['scope_project_id']]
    conn = mock.Mock(identity=identity, current_user_id='u1')
    conn.connect_as.side_effect = lambda **kw: ('scoped', kw['project_id'])
    return conn


class TestProjectAccess(unittest.TestCase):

    def test_grants_once_and_releases(self):
        conn = connection()
        access = scoped.ProjectAccess(conn, 'admin')
        self.assertEqual(('scoped', 'p1'), access.connection('p1'))
        self.assertEqual(('scoped', 'p1'), access.connection('p1'))
        conn.identity.assign_project_role_to_user.assert_called_once_with(
            'p1', 'u1', 'r1')
        access.release()
        conn.identity.unassign_project_role_from_user.assert_called_once_with(
            'p1', 'u1', 'r1')
        access.release()
        self.assertEqual(
            1, conn.identity.unassign_project_role_from_user.call_count)

    def test_a_role_already_held_is_left_alone(self):
        conn = connection(held=('p1',))
        access = scoped.ProjectAccess(conn, 'admin')
        access.connection('p1')
        access.release()
        conn.identity.assign_project_role_to_user.assert_not_called()
        conn.identity.unassign_project_role_from_user.assert_not_called()

    def test_a_kept_grant_outlives_the_run(self):
        conn = connection()
        access = scoped.ProjectAccess(conn, 'admin')
        access.connection('p1')
        access.keep('p1', 'u1', 'r1')
        access.release()
        conn.identity.unassign_project_role_from_user.assert_not_called()

    def test_unknown_role_is_a_clear_error(self):
        access = scoped.ProjectAccess(connection(role=None), 'nope')
        with self.assertRaises(exception.CloudConfigError) as caught:
            access.connection('p1')
        self.assertIn("no role 'nope'", str(caught.exception))


class TestSourceAccess(unittest.TestCase):
    """Reading a source project: any role held will do."""

    def test_any_role_held_is_enough_to_read(self):
        conn = connection()
        conn.identity.role_assignments.side_effect = lambda **kw: (
            [] if 'role_id' in kw else ['member on p1'])
        access = scoped.ProjectAccess(conn, 'reader', side='source')
        access.connection('p1')
        conn.identity.assign_project_role_to_user.assert_not_called()

    def test_no_role_is_a_reader_grant_given_back(self):
        conn = connection()
        access = scoped.ProjectAccess(conn, 'reader', side='source')
        access.connection('p1')
        access.release()
        conn.identity.assign_project_role_to_user.assert_called_once_with(
            'p1', 'u1', 'r1')
        conn.identity.unassign_project_role_from_user.assert_called_once()

    def test_unknown_role_names_the_source_option(self):
        access = scoped.ProjectAccess(connection(role=None), 'nope',
                                      side='source')
        with self.assertRaises(exception.CloudConfigError) as caught:
            access.connection('p1')
        self.assertIn('[identity] source_project_role', str(caught.exception))
