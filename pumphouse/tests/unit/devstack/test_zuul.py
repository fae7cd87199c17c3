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

"""The gate (.zuul.yaml) names what exists: playbooks, tox environments,
test modules; Zuul itself only runs it elsewhere."""

import configparser
import pathlib
import re

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[4]
FUNCTIONAL = 'pumphouse-devstack-functional'


@pytest.fixture(scope='module')
def zuul():
    if not (REPO / '.zuul.yaml').exists():
        pytest.skip('.zuul.yaml is not in this tree (an installed package)')
    entries = yaml.safe_load((REPO / '.zuul.yaml').read_text())
    jobs = {e['job']['name']: e['job'] for e in entries if 'job' in e}
    project = next(e['project'] for e in entries if 'project' in e)
    return jobs, project


@pytest.fixture(scope='module')
def tox():
    if not (REPO / 'tox.ini').exists():
        pytest.skip('tox.ini is not in this tree (an installed package)')
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / 'tox.ini')
    return parser


def test_standard_templates(zuul):
    _, project = zuul
    assert {'openstack-python3-jobs', 'openstack-cover-jobs',
            'publish-openstack-docs-pti', 'release-notes-jobs-python3',
            'api-ref-jobs'} <= set(project['templates'])


def test_our_jobs_are_checked_and_gated(zuul):
    jobs, project = zuul
    for pipeline in ('check', 'gate'):
        assert set(project[pipeline]['jobs']) == set(jobs)


def test_functional_job_is_a_devstack_job_with_the_plugin(zuul):
    job = zuul[0][FUNCTIONAL]
    assert job['parent'] == 'devstack'
    assert 'pumphouse' in job['vars']['devstack_plugins']
    services = job['vars']['devstack_services']
    assert services['pumphouse-api'] and services['pumphouse-conductor']
    # The provision tests enroll fake-hardware nodes in Ironic
    assert services['ir-api'] and services['ir-cond']
    assert 'fake-hardware' in job['vars']['devstack_localrc'][
        'IRONIC_ENABLED_HARDWARE_TYPES']
    # The source cloud runs no Pumphouse
    subnode = job['group-vars']['subnode']['devstack_services']
    assert not subnode['pumphouse-api'] and not subnode['pumphouse-conductor']


def test_playbooks_exist(zuul):
    for job in zuul[0].values():
        for key in ('pre-run', 'run', 'post-run'):
            playbooks = job.get(key) or []
            if isinstance(playbooks, str):
                playbooks = [playbooks]
            for playbook in playbooks:
                assert (REPO / playbook).is_file(), playbook


def test_tox_environments_exist(zuul, tox):
    playbook = yaml.safe_load(
        (REPO / zuul[0][FUNCTIONAL]['run']).read_text())
    envs = [task['vars']['tox_envlist'] for play in playbook
            for task in play['tasks'] if 'include_role' in task]
    envs += [job['vars']['tox_envlist'] for job in zuul[0].values()
             if 'tox_envlist' in job.get('vars', {})]
    assert envs
    for env in envs:
        assert tox.has_section(f'testenv:{env}'), env


def test_functional_devstack_leaves_out_only_existing_tests(tox):
    commands = tox['testenv:functional-devstack']['commands']
    named = re.findall(r'--(?:ignore|deselect)=([^\s:]+)', commands)
    assert named
    for path in named:
        assert (REPO / path).is_file(), path
