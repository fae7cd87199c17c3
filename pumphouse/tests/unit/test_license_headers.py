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

"""Every Python file of the repository carries the Apache 2.0 license
header (``tools/license_headers.py --fix`` adds it)."""

import importlib.util
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
TOOL = REPO / 'tools' / 'license_headers.py'


@pytest.fixture(scope='module')
def headers():
    if not TOOL.exists():
        pytest.skip(f'{TOOL} is not in this tree (an installed package)')
    spec = importlib.util.spec_from_file_location('license_headers', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_python_file_has_the_header(headers):
    paths = [REPO / p for p in headers.DEFAULT_PATHS]
    lacking = [str(p.relative_to(REPO)) for p in headers.missing(paths)]
    assert lacking == [], ('no Apache 2.0 license header; add it with '
                           'tools/license_headers.py --fix')


def test_this_package_is_looked_at(headers):
    found = headers.python_files([REPO / 'pumphouse'])
    assert pathlib.Path(__file__).resolve() in found
    assert not [p for p in found if '__pycache__' in p.parts]


def test_header_goes_after_shebang_and_encoding(headers, tmp_path):
    script = tmp_path / 'script.py'
    script.write_text('#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\n'
                      '"""Doc."""\n')
    assert headers.missing([tmp_path]) == [script]
    headers.main(['--fix', str(tmp_path)])
    text = script.read_text()
    assert text.startswith('#!/usr/bin/env python3\n# -*- coding: utf-8 '
                           '-*-\n' + headers.HEADER + '\n"""Doc."""\n')
    assert headers.missing([tmp_path]) == []


def test_empty_files_stay_empty(headers, tmp_path):
    (tmp_path / '__init__.py').write_text('')
    assert headers.missing([tmp_path]) == []


def test_a_file_without_it_is_reported(headers, tmp_path, capsys):
    module = tmp_path / 'module.py'
    module.write_text('"""Doc."""\n\nVALUE = 1\n')
    assert headers.main([str(tmp_path)]) == 1
    assert 'module.py: no Apache 2.0 license header' in capsys.readouterr().out
    assert module.read_text() == '"""Doc."""\n\nVALUE = 1\n'
