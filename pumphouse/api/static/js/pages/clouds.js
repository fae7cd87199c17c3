// Clouds: the registered clouds, registering one, validating one.

import * as api from '../api.js';
import {h, clear, field, select, table, clearErrors, showError, errorBox,
        confirmDialog, announce, when} from '../dom.js';

function where(cloud) {
  if (cloud.cloud) return `clouds.yaml: ${cloud.cloud}`;
  return (cloud.auth && cloud.auth.auth_url) || '–';
}

function versions(service) {
  return service.versions.map((v) => {
    const micro = v.max_microversion
      ? ` (${v.min_microversion || '?'}–${v.max_microversion})` : '';
    return `${v.version || '?'}${v.status ? ' ' + v.status : ''}${micro}`;
  }).join(', ') || '–';
}

function validationResult(result) {
  const parts = [h('p', {class: result.valid ? 'ok' : 'error'},
    result.valid ? `Valid (checked by ${result.conductor}).`
      : `Not valid: ${result.reason}: ${result.message}`)];
  if (result.services.length) {
    parts.push(table('Services and API versions found',
      ['Type', 'Name', 'Region', 'URL', 'Versions', 'Error'],
      result.services.map((s) => [s.type, s.name || '–', s.region || '–',
                                  s.url || '–', versions(s),
                                  s.error || '']))); 
  }
  return h('div', {class: 'validation'}, parts);
}

function registerForm(onDone) {
  const mode = select([['cloud', 'An entry of clouds.yaml'],
                       ['auth', 'Credentials']], {name: 'mode'});
  const byName = h('div', {},
    field('clouds.yaml entry', h('input', {name: 'cloud'}), {name: 'cloud'}));
  const byAuth = h('div', {hidden: true},
    field('Auth URL', h('input', {name: 'auth_url', type: 'url',
                                  placeholder: 'https://keystone:5000/v3'}),
          {name: 'auth/auth_url'}),
    field('User name', h('input', {name: 'username', autocomplete: 'off'}),
          {name: 'auth/username'}),
    field('Password', h('input', {name: 'password', type: 'password',
                                  autocomplete: 'new-password'}),
          {name: 'auth/password',
           help: 'Stored encrypted, never shown again.'}),
    field('User domain', h('input', {name: 'user_domain_name',
                                     value: 'Default'}),
          {name: 'auth/user_domain_name'}),
    field('Project', h('input', {name: 'project_name', value: 'admin'}),
          {name: 'auth/project_name'}),
    field('Project domain', h('input', {name: 'project_domain_name',
                                        value: 'Default'}),
          {name: 'auth/project_domain_name'}),
    field('Region', h('input', {name: 'region_name'}), {name: 'region_name'}),
    field('Interface', select(['', 'public', 'internal', 'admin'],
                              {name: 'interface'}), {name: 'interface'}));
  const form = h('form', {class: 'card', novalidate: true,
                          'aria-labelledby': 'register-title'},
    h('h2', {id: 'register-title'}, 'Register a cloud'),
    field('Name', h('input', {name: 'name', required: true}), {name: 'name'}),
    field('Description', h('input', {name: 'description'}),
          {name: 'description'}),
    field('From', mode, {name: 'mode'}),
    byName, byAuth,
    h('div', {class: 'buttons'}, h('button', {type: 'submit'}, 'Register')));
  mode.addEventListener('change', () => {
    byName.hidden = mode.value !== 'cloud';
    byAuth.hidden = mode.value !== 'auth';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const text = (name) => (data.get(name) || '').trim();
    const body = {name: text('name')};
    if (text('description')) body.description = text('description');
    if (mode.value === 'cloud') {
      body.cloud = text('cloud');
    } else {
      body.auth_type = 'password';
      body.auth = {};
      for (const key of ['auth_url', 'username', 'user_domain_name',
                         'project_name', 'project_domain_name']) {
        if (text(key)) body.auth[key] = text(key);
      }
      if (data.get('password')) body.auth.password = data.get('password');
      if (text('region_name')) body.region_name = text('region_name');
      if (text('interface')) body.interface = text('interface');
    }
    try {
      const cloud = await api.call('POST', '/v1/clouds', body);
      form.reset();
      announce(`Cloud ${cloud.name} registered.`);
      onDone(cloud);
    } catch (e) {
      if (form.elements.password) form.elements.password.value = '';
      showError(form, e);
    }
  });
  return form;
}

export async function render(main, {signal}) {
  main.append(h('h1', {}, 'Clouds'));
  const list = h('section', {'aria-labelledby': 'clouds-title'},
                 h('h2', {id: 'clouds-title'}, 'Registered clouds'));
  const results = h('div', {'aria-live': 'polite'});
  main.append(list, results);

  async function refresh() {
    clear(list).append(h('h2', {id: 'clouds-title'}, 'Registered clouds'));
    let clouds;
    try {
      clouds = await api.listAll('/v1/clouds', 'clouds', {signal});
    } catch (e) {
      list.append(errorBox(e));
      return;
    }
    if (!clouds.length) {
      list.append(h('p', {}, 'No cloud is registered yet.'));
      return;
    }
    list.append(table('Registered clouds', ['Name', 'Description', 'Where',
                                            'Registered', 'Actions'],
      clouds.map((cloud) => [cloud.name, cloud.description || '',
        where(cloud), when(cloud.created_at),
        h('span', {class: 'actions'},
          h('button', {type: 'button', class: 'small', onclick: async (e) => {
            const button = e.currentTarget;
            button.disabled = true;
            clear(results).append(h('p', {}, `Validating ${cloud.name}…`));
            try {
              const result = await api.call(
                'POST', `/v1/clouds/${encodeURIComponent(cloud.uuid)}/validate`);
              clear(results).append(h('h2', {}, `Validation of ${cloud.name}`),
                                    validationResult(result));
            } catch (err) {
              clear(results).append(errorBox(err));
            } finally {
              button.disabled = false;
            }
          }}, 'Validate'),
          h('a', {class: 'button small secondary',
                  href: `#/source/${encodeURIComponent(cloud.name)}`}, 'Browse'),
          h('button', {type: 'button', class: 'small danger', onclick: async () => {
            if (!await confirmDialog(`Forget cloud ${cloud.name}?`,
              `Pumphouse forgets cloud ${cloud.name} and its stored credentials. `
              + 'Nothing changes in the cloud itself.', `Forget ${cloud.name}`)) {
              return;
            }
            try {
              await api.call('DELETE',
                             `/v1/clouds/${encodeURIComponent(cloud.uuid)}`);
              announce(`Cloud ${cloud.name} forgotten.`);
              refresh();
            } catch (err) {
              clear(results).append(errorBox(err));
            }
          }}, 'Forget'))])));
  }
  await refresh();
  main.append(registerForm(() => refresh()));
}
