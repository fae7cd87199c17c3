// Sign in with Keystone: a user name and password, or a token. The
// password goes to this API's /ui/session once and is kept nowhere.

import * as api from '../api.js';
import {h, field, select, clearErrors, showError} from '../dom.js';

export async function render(main) {
  if (api.authStrategy() !== 'keystone') {
    main.append(h('h1', {}, 'Sign in'),
      h('p', {}, 'This API runs without authentication: there is nothing ',
        'to sign in to. ', h('a', {href: '#/migrations'}, 'Migrations')));
    return;
  }
  const method = select([['password', 'User name and password'],
                         ['token', 'Keystone token']], {name: 'method'});
  const passwordPart = h('div', {},
    field('User name', h('input', {name: 'username', autocomplete: 'username',
                                   required: true}), {name: 'username'}),
    field('Password', h('input', {name: 'password', type: 'password',
                                  autocomplete: 'current-password',
                                  required: true}), {name: 'password'}),
    field('User domain', h('input', {name: 'user_domain_name',
                                     value: 'Default'}),
          {name: 'user_domain_name'}));
  const tokenPart = h('div', {hidden: true},
    field('Token', h('input', {name: 'token', type: 'password',
                               autocomplete: 'off'}), {name: 'token'}));
  const form = h('form', {class: 'card narrow', novalidate: true},
    field('Sign in with', method, {name: 'method'}),
    passwordPart, tokenPart,
    field('Project', h('input', {name: 'project_name', required: true}),
          {name: 'project_name'}),
    field('Project domain', h('input', {name: 'project_domain_name',
                                        value: 'Default'}),
          {name: 'project_domain_name'}),
    h('div', {class: 'buttons'}, h('button', {type: 'submit'}, 'Sign in')));
  method.addEventListener('change', () => {
    passwordPart.hidden = method.value !== 'password';
    tokenPart.hidden = method.value !== 'token';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const body = {method: method.value};
    const names = method.value === 'password'
      ? ['username', 'password', 'user_domain_name'] : ['token'];
    for (const name of [...names, 'project_name', 'project_domain_name']) {
      const value = (data.get(name) || '').trim();
      if (value) body[name] = value;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await api.signIn(body);
      form.reset();
      const after = sessionStorage.getItem('pumphouse.after-login');
      sessionStorage.removeItem('pumphouse.after-login');
      location.hash = after && !after.startsWith('#/login') ? after
        : '#/migrations';
    } catch (e) {
      // The password field is emptied whatever happened.
      form.elements.password.value = '';
      showError(form, e);
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('h1', {}, 'Sign in'),
    h('p', {class: 'muted'}, 'With your Keystone account of the source cloud.'),
    form);
}
