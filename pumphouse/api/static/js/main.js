// Pumphouse web UI: the shell (banner, session, navigation) and the
// router. Pages are addressed by the URL's fragment (#/clouds), so the
// API serves one page and the browser's history works.

import * as api from './api.js';
import {h, clear, errorBox} from './dom.js';
import * as clouds from './pages/clouds.js';
import * as hosts from './pages/hosts.js';
import * as login from './pages/login.js';
import * as mappings from './pages/mappings.js';
import * as migrations from './pages/migrations.js';
import * as newMigration from './pages/new_migration.js';
import * as plan from './pages/plan.js';
import * as progress from './pages/progress.js';
import * as report from './pages/report.js';
import * as source from './pages/source.js';

const ROUTES = [
  [/^\/login$/, login, 'Sign in'],
  [/^\/clouds$/, clouds, 'Clouds'],
  [/^\/source(?:\/([^/]+))?$/, source, 'Source browser'],
  [/^\/new$/, newMigration, 'New migration'],
  [/^\/migrations$/, migrations, 'Migrations'],
  [/^\/migrations\/([^/]+)$/, plan, 'Plan'],
  [/^\/migrations\/([^/]+)\/progress$/, progress, 'Progress'],
  [/^\/migrations\/([^/]+)\/report$/, report, 'Report'],
  [/^\/mappings$/, mappings, 'Mappings'],
  [/^\/hosts(?:\/([^/]+))?$/, hosts, 'Hosts'],
];

let cleanup = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/migrations';
  const [path, query] = raw.split('?');
  return {path, query: new URLSearchParams(query || '')};
}

function showSession() {
  const box = clear(document.getElementById('session'));
  const banner = clear(document.getElementById('banner'));
  if (api.authStrategy() !== 'keystone') {
    banner.append(h('p', {class: 'banner-noauth'},
      h('strong', {}, 'No authentication. '),
      'This API runs with auth_strategy = noauth: whoever reaches it is an ',
      'administrator of Pumphouse and of every cloud it knows.'));
    box.append(h('span', {class: 'muted'}, 'no authentication'));
    return;
  }
  const current = api.session();
  if (!current) return;
  box.append(
    h('span', {}, `${current.user.name || current.user.id}`,
      h('span', {class: 'muted'},
        ` · ${current.project.name || current.project.id}`
        + ` · ${current.roles.join(', ')}`)),
    h('button', {type: 'button', class: 'secondary small', onclick: () => {
      api.signOut();
      location.hash = '#/login';
      showSession();
    }}, 'Sign out'));
}

function markNavigation(path) {
  for (const link of document.querySelectorAll('#nav a')) {
    const target = link.getAttribute('href').slice(1);
    if (path === target || path.startsWith(target + '/')) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
}

async function route() {
  const main = document.getElementById('main');
  if (cleanup) {
    try { cleanup(); } catch (e) { /* the page is gone anyway */ }
    cleanup = null;
  }
  const {path, query} = parseHash();
  const needsSignIn = api.authStrategy() === 'keystone' && !api.session();
  if (needsSignIn && path !== '/login') {
    sessionStorage.setItem('pumphouse.after-login', location.hash);
    location.replace('#/login');
    return;
  }
  showSession();
  markNavigation(path);
  const found = ROUTES.map(([pattern, page, title]) => [path.match(pattern),
                                                         page, title])
    .find(([match]) => match);
  clear(main);
  if (!found) {
    document.title = 'Not found · Pumphouse';
    main.append(h('h1', {tabindex: '-1'}, 'Not found'),
                h('p', {}, 'This page does not exist. ',
                  h('a', {href: '#/migrations'}, 'Migrations')));
    main.querySelector('h1').focus();
    return;
  }
  const [match, page, title] = found;
  document.title = `${title} · Pumphouse`;
  const controller = new AbortController();
  cleanup = () => controller.abort();
  try {
    const more = await page.render(main, {
      args: match.slice(1), query, signal: controller.signal});
    if (typeof more === 'function') {
      cleanup = () => { controller.abort(); more(); };
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    main.append(errorBox(e));
  }
  const heading = main.querySelector('h1');
  if (heading && !main.contains(document.activeElement)) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

async function start() {
  // The skip link moves the focus; it must not change the route.
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
  try {
    await api.loadConfig();
  } catch (e) {
    clear(document.getElementById('main')).append(errorBox(e));
    return;
  }
  api.setUnauthorizedHandler(() => {
    if (!location.hash.startsWith('#/login')) {
      sessionStorage.setItem('pumphouse.after-login', location.hash);
      location.hash = '#/login';
    }
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) route();
  });
  await route();
}

start();
