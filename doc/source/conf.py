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

"""Sphinx configuration of Pumphouse's documentation (tox -e docs)."""

import os
import sys

# Our own extensions (state-machine diagrams, the pumphouse parser).
sys.path.insert(0, os.path.join(os.path.abspath(os.path.dirname(__file__)),
                                '_exts'))

# -- General configuration ---------------------------------------------

extensions = [
    'sphinx.ext.graphviz',
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'cliff.sphinxext',
    'sphinxarg.ext',
    'drivers_reference',
    'notification_payloads',
    'states_diagram',
]

master_doc = 'index'
project = 'Pumphouse'
copyright = 'Pumphouse developers'
exclude_patterns = ['_build']
pygments_style = 'native'

# -- Extensions --------------------------------------------------------

# cliff.sphinxext renders the commands of the OpenStackClient plugin.
autoprogram_cliff_application = 'openstack'

# The state-machine diagrams are SVG, drawn by graphviz's dot at build
# time from the automaton machines of the code.
graphviz_output_format = 'svg'

# -- HTML output -------------------------------------------------------

html_theme = 'openstackdocs'
# The project is not hosted on opendev.org: no "edit on" or bug links.
openstackdocs_auto_name = False
openstackdocs_auto_version = False
