// Hosts: registering one, each registered host's step on its way from
// the source to the destination, its operations log (live), and
// evacuate / reassign / enable, each confirmed by name.

import * as api from '../api.js';
import {h, clear, table, errorBox, badge, when, announce,
        confirmDialog} from '../dom.js';
import {registerForm} from './host_register.js';

export const STEPS = ['in_source', 'disabled', 'evacuated', 'removed',
                      'powered', 'provisioning', 'in_destination'];

const ACTIONS = [
  {label: 'Evacuate', target: 'evacuated',
   detail: (host) => `Host ${host.name} is disabled in ${host.source} and every `
     + 'server on it is live- or cold-migrated to other hosts as its evacuation '
     + 'plan says. Servers that cannot go anywhere stop it, with nothing changed.'},
  {label: 'Reassign', target: 'in_destination',
   detail: (host) => `Host ${host.name} is evacuated, removed from ${host.source}, `
     + `power-cycled into provisioning and joined to ${host.destination || 'the destination'} `
     + 'as a compute host. It leaves the source cloud for good.'},
  {label: 'Enable', target: 'in_source',
   detail: (host) => `Host ${host.name} is enabled again in ${host.source}'s `
     + 'scheduling; nothing moves.'},
];

export function steps(host) {
  const current = STEPS.indexOf(host.state);
  return h('ol', {class: 'steps', 'aria-label': `Steps of ${host.name}`},
    STEPS.map((step, i) => h('li', {
      class: i < current ? 'past' : i === current ? 'current' : 'future',
      'aria-current': i === current ? 'step' : undefined},
    step.replace('_', ' '),
    host.target === step && i !== current ? ' (target)' : '')));
}

async function hostList(main, query, signal) {
  main.append(h('h1', {}, 'Hosts'));
  const list = h('section', {'aria-label': 'Registered hosts'});
  const status = h('div', {'aria-live': 'polite'});
  main.append(list, status);

  async function refresh() {
    let hosts;
    try {
      hosts = await api.listAll('/v1/hosts', 'hosts', {signal});
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      clear(list).append(errorBox(e));
      return false;
    }
    clear(list);
    if (!hosts.length) {
      list.append(h('p', {}, 'No host is registered. Register one below, '
        + 'or from the compute hosts the ',
        h('a', {href: '#/source'}, 'source browser'), ' lists.'));
      return true;
    }
    list.append(table('Registered hosts', ['Host', 'Source', 'Destination',
                                            'State', 'Target', 'Step'],
      hosts.map((host) => [
        h('a', {href: `#/hosts/${encodeURIComponent(host.uuid)}`}, host.name),
        host.source || '–', host.destination || '–',
        badge(host.state, 'host'), host.target || '–', steps(host)])));
    return true;
  }
  if (!await refresh()) return;

  let clouds = [];
  try {
    clouds = await api.listAll('/v1/clouds', 'clouds', {signal});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    // The names are typed then.
  }
  const preset = {name: query.get('name'), source: query.get('source')};
  const form = registerForm({clouds, preset, onDone: async (host) => {
    if (query.has('name')) {
      // The form is done with the preset: reloading shows it empty.
      history.replaceState(null, '', '#/hosts');
    }
    clear(status).append(h('p', {class: 'ok'}, `Host ${host.name} registered. `,
      h('a', {href: `#/hosts/${encodeURIComponent(host.uuid)}`},
        `Open host ${host.name}`)));
    await refresh();
  }});
  main.append(form);
  if (preset.name) {
    // Come from the source browser: the form is what the user is here for.
    form.scrollIntoView({block: 'start'});
    form.elements.namedItem('destination').focus();
  }
}

const OPTIONS = ['to_destination', 'aggregate', 'cold_fallback',
                 'migration_options'];

/** A driver as the API shows it: its name and what may be shown of its
 * info (never a secret). */
function driverText(driver) {
  if (!driver) return 'none';
  const info = Object.entries(driver.info || {})
    .sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) =>
    `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return info.length ? `${driver.driver} (${info.join(', ')})` : driver.driver;
}

function facts(host) {
  // The options a host is registered with (pumphouse.hosts.inventory);
  // the host flow keeps its own in there too.
  const options = Object.entries(host.options || {}).filter(
    ([key]) => OPTIONS.includes(key)).map(([key, value]) =>
    `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return h('dl', {class: 'compact facts'},
    h('dt', {}, 'Power'), h('dd', {}, driverText(host.power)),
    h('dt', {}, 'Provision'), h('dd', {}, driverText(host.provision)),
    h('dt', {}, 'MACs'), h('dd', {}, (host.macs || []).join(', ') || '–'),
    h('dt', {}, 'Options'), h('dd', {}, options.join(', ') || '–'));
}

async function hostDetail(main, ident, signal) {
  const path = `/v1/hosts/${encodeURIComponent(ident)}`;
  let host;
  try {
    host = await api.get(path, {signal});
  } catch (e) {
    main.append(h('h1', {}, 'Host'), errorBox(e));
    return;
  }
  const summary = h('div', {});
  const buttons = h('div', {class: 'buttons'});
  const message = h('div', {'aria-live': 'polite'});
  const log = h('ol', {class: 'log', role: 'log', 'aria-label': 'Operations'});
  const plan = h('div', {});
  main.append(h('h1', {}, `Host ${host.name}`), summary, buttons, message,
    h('section', {'aria-labelledby': 'ops-title'},
      h('h2', {id: 'ops-title'}, 'Operations'),
      h('div', {class: 'log-wrap', tabindex: '0', role: 'region',
                'aria-label': 'Operations'}, log)),
    h('section', {'aria-labelledby': 'plan-title'},
      h('h2', {id: 'plan-title'}, 'Evacuation plan'), plan));

  function drawHost() {
    clear(summary).append(
      h('p', {}, badge(host.state, 'host'), ` from ${host.source} to `
        + `${host.destination || '(no destination)'}`
        + (host.target ? ` · going to ${host.target}` : '')),
      steps(host), facts(host));
    if (host.info_error) summary.append(h('p', {class: 'warning'}, host.info_error));
    if (host.last_error) summary.append(h('p', {class: 'error'}, host.last_error));
    clear(buttons).append(...ACTIONS.map((action) => h('button', {
      type: 'button', class: action.target === 'in_destination' ? 'danger' : '',
      onclick: async () => {
        const ok = await confirmDialog(`${action.label} host ${host.name}?`,
                                       action.detail(host),
                                       `${action.label} ${host.name}`);
        if (!ok) return;
        clear(message);
        try {
          host = await api.call('PUT', `${path}/state`, {target: action.target});
          announce(`Host ${host.name} goes to ${action.target}.`);
          drawHost();
        } catch (e) {
          message.append(errorBox(e));
        }
      }}, action.label)));
  }
  drawHost();

  api.get(`${path}/evacuation-plan`, {signal}).then((found) => {
    const servers = found.servers || [];
    clear(plan).append(servers.length ? table('Servers and where they go',
      ['Server', 'Status', 'How', 'Action', 'To', 'Why'],
      servers.map((s) => [s.name || s.id, s.status || '–', s.method || '–',
        s.action || '–', s.target || (s.candidates || []).join(', ') || '–',
        s.reason || ''])) : h('p', {}, 'No server in the plan.'));
  }).catch((e) => {
    if (e.name !== 'AbortError') clear(plan).append(h('p', {class: 'muted'}, e.message));
  });

  let after = null;
  while (!signal.aborted) {
    try {
      const found = await api.get(`${path}/operations?limit=200`
                                  + (after ? `&after=${after}` : ''), {signal});
      for (const op of found.operations) {
        after = op.id;
        log.append(h('li', {class: `level-${op.level}`},
          h('time', {datetime: op.created_at}, when(op.created_at)), ' ',
          h('span', {class: 'event-type'}, op.step), ' ', op.state,
          op.message ? ` – ${op.message}` : ''));
      }
      const now = await api.get(path, {signal});
      if (now.state !== host.state || now.target !== host.target
          || now.last_error !== host.last_error) {
        host = now;
        drawHost();
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
    }
    await api.sleep(2000, signal);
  }
}

export async function render(main, {args, query, signal}) {
  if (args[0]) {
    await hostDetail(main, decodeURIComponent(args[0]), signal);
  } else {
    await hostList(main, query, signal);
  }
}
