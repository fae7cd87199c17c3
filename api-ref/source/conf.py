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

"""Sphinx configuration of the API reference (tox -e api-ref).

The pages are rendered from the OpenAPI document of the API
(``GET /v1/openapi.json``) by our extension ``openapi_reference``, with
os-api-ref's stanzas and style.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.abspath(os.path.dirname(__file__)),
                                '_exts'))

from pumphouse.api import versions  # noqa: E402

# -- General configuration ---------------------------------------------

extensions = [
    'openstackdocstheme',
    'os_api_ref',
    'openapi_reference',
]

master_doc = 'index'
project = 'Pumphouse API Reference'
copyright = 'Pumphouse developers'
exclude_patterns = ['_build']
pygments_style = 'native'

# The microversion selector of os-api-ref
os_api_ref_min_microversion = versions.format_version(versions.MIN_VERSION)
os_api_ref_max_microversion = versions.format_version(versions.MAX_VERSION)

# -- HTML output -------------------------------------------------------

html_theme = 'openstackdocs'
html_theme_options = {'sidebar_mode': 'toc'}
# The project is not hosted on opendev.org: no "edit on" or bug links.
openstackdocs_auto_name = False
openstackdocs_auto_version = False
