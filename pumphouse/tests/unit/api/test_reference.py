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

"""The API reference (api-ref/) renders every route of the OpenAPI
document and every microversion of the history."""

import importlib.util
import pathlib
import re

import pytest

from pumphouse.api import versions

REPO = pathlib.Path(__file__).resolve().parents[4]
SOURCE = REPO / 'api-ref' / 'source'


@pytest.fixture(scope='module')
def openapi_rst():
    path = SOURCE / '_exts' / 'openapi_rst.py'
    if not path.exists():
        pytest.skip(f'{path} is not in this tree (an installed package)')
    spec = importlib.util.spec_from_file_location('openapi_rst', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def document(openapi_rst):
    return openapi_rst.document()


@pytest.fixture(scope='module')
def pages(openapi_rst, document):
    """The generated text of each page, by page, as the directives of the
    pages ask for it."""
    rendered = {}
    for page in sorted(SOURCE.glob('*.rst')):
        source = page.read_text()
        lines = []
        for tag in re.findall(r'^\.\. openapi-operations:: (\S+)$', source,
                              re.MULTILINE):
            lines += openapi_rst.operations_rst(document, tag)
        if re.search(r'^\.\. openapi-microversions::$', source,
                     re.MULTILINE):
            lines += openapi_rst.history_rst(document, versions.HISTORY)
        rendered[page.name] = '\n'.join(lines)
    return rendered


def test_every_route_is_on_a_page(openapi_rst, document, pages):
    routes = [(method, path) for method, path, _ in
              openapi_rst.operations(document)]
    assert len(routes) > 20
    everything = '\n'.join(pages.values())
    missing = [f'{method} {path}' for method, path in routes
               if f'\n.. rest_method:: {method} {path}\n' not in everything]
    assert missing == []


def test_every_route_is_on_one_page_only(openapi_rst, document, pages):
    for method, path, _ in openapi_rst.operations(document):
        stanza = f'.. rest_method:: {method} {path}\n'
        on = [name for name, text in pages.items() if stanza in text]
        assert len(on) == 1, (method, path, on)


def test_every_tag_has_a_page_in_the_toctree(openapi_rst, document, pages):
    index = (SOURCE / 'index.rst').read_text()
    for tag in openapi_rst.tags(document):
        page = next(name for name, text in pages.items()
                    if text and name != 'microversion-history.rst'
                    and all(f'.. rest_method:: {m} {p}\n' in text
                            for m, p, _ in openapi_rst.operations(document,
                                                                  tag)))
        assert f'\n   {page[:-4]}\n' in index, page


def test_history_page_has_every_microversion(pages):
    history = pages['microversion-history.rst']
    for version in versions.supported():
        name = versions.format_version(version)
        assert f'\n{name}\n====\n' in f'\n{history}', name
    # The operations a microversion added are listed under it
    assert ':ref:`GET /v1/hosts/{host}/evacuation-plan' in history


def test_request_body_fields_are_listed(openapi_rst, document):
    text = '\n'.join(openapi_rst.operations_rst(document, 'clouds'))
    assert '``name``' in text
    assert 'The body in microversions' not in text
    hosts = '\n'.join(openapi_rst.operations_rst(document, 'hosts'))
    # PUT .../state has a body of its own from 1.2 on (servers)
    assert 'The body in microversions 1.2 to ' in hosts
    assert '``servers``' in hosts
    migrations = '\n'.join(openapi_rst.operations_rst(document,
                                                      'migrations'))
    # POST /v1/migrations takes stack workloads from 1.4 on
    assert 'The body in microversions 1.0 to 1.3:' in migrations
    assert '``workload.project`` (Optional)' in migrations


def test_text_escapes_markup(openapi_rst):
    assert openapi_rst.text('a `b_c`s *d* e_') == (
        'a \\ ``b_c``\\ s \\*d\\* e\\_')
