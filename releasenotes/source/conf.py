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

"""Sphinx configuration of Pumphouse's release notes (tox -e
releasenotes): reno reads the notes of releasenotes/notes from the git
history."""

# -- General configuration ---------------------------------------------

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

master_doc = 'index'
project = 'Pumphouse Release Notes'
copyright = 'Pumphouse developers'
exclude_patterns = ['_build']
pygments_style = 'native'

# Release notes are not versioned themselves.
version = ''
release = ''

# -- HTML output -------------------------------------------------------

html_theme = 'openstackdocs'
# The project is not hosted on opendev.org: no "edit on" or bug links.
openstackdocs_auto_name = False
