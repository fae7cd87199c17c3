// New migration: the workload, strategies, supplementary resources,
// conflict resolution, cutover and workers; creating it plans it.

import * as api from '../api.js';
import {h, field, select, clearErrors, showError, errorBox} from '../dom.js';

const KINDS = [['project', 'Project(s)'], ['domain', 'Domain(s)'],
               ['server', 'Server(s)'], ['host', 'All servers of host(s)'],
               ['resources', 'Resources (TYPE=ID)'],
               ['stack', 'Heat stack(s)']];

function lines(text) {
  return text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

export async function render(main, {query, signal}) {
  main.append(h('h1', {}, 'New migration'));
  let clouds = [];
  try {
    clouds = await api.listAll('/v1/clouds', 'clouds', {signal});
  } catch (e) {
    // A member may not list clouds: names are typed then.
    if (e.status !== 403) main.append(errorBox(e));
  }
  const cloudControl = (name, label, preset) => {
    const control = clouds.length
      ? select(clouds.map((c) => c.name), {name})
      : h('input', {name, required: true});
    if (preset) control.value = preset;
    return field(label, control, {name});
  };
  const sourcePreset = query.get('source') || (clouds[0] && clouds[0].name);
  const destinationPreset = query.get('destination')
    || (clouds.find((c) => c.name !== sourcePreset) || {}).name;
  const kind = select(KINDS, {name: 'kind'});
  kind.value = query.get('kind') || 'project';
  // Only a stack workload has a project (where its stacks are looked up).
  const stackProject = h('div', {},
    field('Project', h('input', {name: 'project',
                                 value: query.get('project') || ''}),
          {name: 'workload/project', help: 'Of the stacks (name or id); '
            + 'optional.'}));
  const showKindFields = () => {
    stackProject.hidden = kind.value !== 'stack';
  };
  kind.addEventListener('change', showKindFields);
  showKindFields();
  const form = h('form', {class: 'card', novalidate: true},
    h('fieldset', {}, h('legend', {}, 'Clouds'),
      field('Name of the migration', h('input', {name: 'name'}), {name: 'name'}),
      cloudControl('source', 'Source cloud', sourcePreset),
      cloudControl('destination', 'Destination cloud', destinationPreset)),
    h('fieldset', {}, h('legend', {}, 'Workload'),
      field('Kind', kind, {name: 'workload/kind'}),
      field('Names', h('textarea', {name: 'names', rows: 3, required: true},
                       query.get('names') || ''),
            {name: 'workload/names', help: 'One per line (project, domain, '
              + 'server, host or stack names; TYPE=ID for resources).'}),
      stackProject,
      field('Domain', h('input', {name: 'domain', value: query.get('domain') || ''}),
            {name: 'workload/domain', help: 'Of the projects, or of the '
              + 'project of the stacks (name or id).'}),
      field('Only the servers on hosts', h('input', {name: 'hosts'}),
            {name: 'workload/hosts', help: 'Comma-separated; projects only.'})),
    h('fieldset', {}, h('legend', {}, 'What comes along'),
      field('Strategies', h('textarea', {name: 'strategies', rows: 2,
                                         placeholder: 'identity.user=all'}),
            {name: 'strategies', help: 'TYPE=STRATEGY, one per line: all, '
              + 'tenant, specific, public, used, depend, user, host.'}),
      field('Supplementary resources', select([['depend', 'What the workload needs'],
                                               ['all', 'All']],
                                              {name: 'supplementary'}),
            {name: 'supplementary'})),
    h('fieldset', {}, h('legend', {}, 'Options'),
      field('On conflict', select([['fail', 'Stop (fail)'], ['reuse', 'Reuse'],
                                   ['rename', 'Rename']],
                                  {name: 'conflict_resolution'}),
            {name: 'options/conflict_resolution'}),
      field('Rename suffix', h('input', {name: 'rename_suffix'}),
            {name: 'options/rename_suffix'}),
      field('Source servers after cutover',
            select([['keep', 'Keep'], ['stop', 'Stop'], ['delete', 'Delete']],
                   {name: 'server_cutover'}),
            {name: 'options/server_cutover'}),
      field('Stop source servers by', select(['suspend', 'stop'],
                                             {name: 'server_stop_mode'}),
            {name: 'options/server_stop_mode'}),
      field('Server data', select(['image', 'snapshot'], {name: 'server_data_mode'}),
            {name: 'options/server_data_mode'}),
      field('Workers', h('input', {name: 'apply_workers', type: 'number', min: 1,
                                   max: 64, inputmode: 'numeric'}),
            {name: 'options/apply_workers', help: 'Items applied at once (1–64).'}),
      field('Passwords of migrated users',
            select([['', 'As configured'], ['reset', 'Reset (new random)'],
                    ['copy_hash', 'Copy hashes']], {name: 'password_mode'}),
            {name: 'options/password_mode'})),
    h('div', {class: 'buttons'},
      h('button', {type: 'submit'}, 'Plan the migration')));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const text = (name) => (data.get(name) || '').trim();
    const workload = {kind: kind.value, names: lines(text('names'))};
    if (text('domain')) workload.domain = text('domain');
    if (text('hosts')) workload.hosts = lines(text('hosts'));
    if (kind.value === 'stack' && text('project')) {
      workload.project = text('project');
    }
    const body = {source: text('source'), destination: text('destination'),
                  workload, supplementary: text('supplementary')};
    if (text('name')) body.name = text('name');
    const strategies = {};
    for (const line of lines(text('strategies'))) {
      const [type, strategy] = line.split('=').map((s) => s.trim());
      strategies[type] = strategy === undefined ? '' : strategy;
    }
    if (Object.keys(strategies).length) body.strategies = strategies;
    const options = {};
    for (const key of ['conflict_resolution', 'rename_suffix', 'server_cutover',
                       'server_stop_mode', 'server_data_mode', 'password_mode']) {
      if (text(key)) options[key] = text(key);
    }
    if (text('apply_workers')) {
      options.apply_workers = Number(text('apply_workers'));
      if (!Number.isInteger(options.apply_workers)) {
        options.apply_workers = text('apply_workers');
      }
    }
    body.options = options;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const migration = await api.call('POST', '/v1/migrations', body);
      location.hash = `#/migrations/${migration.uuid}`;
    } catch (e) {
      showError(form, e);
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('p', {class: 'muted'}, 'Creating a migration plans it; ',
                'nothing changes in either cloud until you start it.'), form);
}
