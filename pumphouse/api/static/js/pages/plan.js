// Plan: what a migration will do, its pre-checks (with overrides), its
// conflicts (and how to resolve them), the graph or its table, and start.

import * as api from '../api.js';
import {h, clear, field, select, table, errorBox, badge, when, announce,
        confirmDialog, showError, estimateText} from '../dom.js';
import {ACTIONS, graphView} from '../graph.js';
import {cloudNames, workloadText} from './migrations.js';

const PAGE = 100;

function countTables(items) {
  const byAction = Object.fromEntries(ACTIONS.map((a) => [a, 0]));
  const byType = new Map();
  for (const item of items) {
    byAction[item.action] = (byAction[item.action] || 0) + 1;
    const row = byType.get(item.resource_type)
      || Object.fromEntries(ACTIONS.map((a) => [a, 0]));
    row[item.action] += 1;
    byType.set(item.resource_type, row);
  }
  return h('div', {class: 'counts'},
    h('ul', {class: 'action-counts', 'aria-label': 'Items per action'},
      ACTIONS.map((a) => h('li', {class: `count-${a}`},
                           h('strong', {}, String(byAction[a])), ` ${a}`))),
    table('Items per resource type and action', ['Type', ...ACTIONS, 'Total'],
      [...byType.entries()].sort().map(([type, row]) => [
        type, ...ACTIONS.map((a) => row[a] || ''),
        ACTIONS.reduce((sum, a) => sum + row[a], 0)])));
}

function itemTable(items) {
  const container = h('div', {});
  const types = [...new Set(items.map((i) => i.resource_type))].sort();
  const typeFilter = select([['', 'All types'], ...types], {name: 'type'});
  const actionFilter = select([['', 'All actions'], ...ACTIONS], {name: 'action'});
  const text = h('input', {type: 'search', name: 'q'});
  const pager = h('div', {class: 'pager'});
  const output = h('div', {});
  let page = 0;
  const byId = new Map(items.map((i) => [i.id, i]));
  function rows() {
    const q = text.value.trim().toLowerCase();
    return items.filter((i) => (!typeFilter.value || i.resource_type === typeFilter.value)
      && (!actionFilter.value || i.action === actionFilter.value)
      && (!q || `${i.source_name || ''} ${i.source_id}`.toLowerCase().includes(q)));
  }
  function draw() {
    const found = rows();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    page = Math.min(page, pages - 1);
    const shown = found.slice(page * PAGE, (page + 1) * PAGE);
    clear(output).append(table(`Plan items ${page * PAGE + 1}–`
      + `${page * PAGE + shown.length} of ${found.length}`,
      ['Item', 'Type', 'Name', 'Action', 'State', 'Needs', 'Note'],
      shown.map((i) => [String(i.id), i.resource_type, i.source_name || i.source_id,
        badge(i.action), i.state,
        i.depends_on.slice(0, 6).map((d) => {
          const dep = byId.get(d);
          return dep ? `${dep.resource_type} ${dep.source_name || dep.source_id}` : d;
        }).join('; ') + (i.depends_on.length > 6 ? ` and ${i.depends_on.length - 6} more` : ''),
        i.note || i.error || ''])));
    clear(pager).append(
      h('button', {type: 'button', class: 'small secondary', disabled: page === 0,
                   onclick: () => { page -= 1; draw(); }}, 'Previous'),
      h('span', {}, ` Page ${page + 1} of ${pages} `),
      h('button', {type: 'button', class: 'small secondary',
                   disabled: page >= pages - 1,
                   onclick: () => { page += 1; draw(); }}, 'Next'));
  }
  for (const control of [typeFilter, actionFilter]) {
    control.addEventListener('change', () => { page = 0; draw(); });
  }
  text.addEventListener('input', () => { page = 0; draw(); });
  container.append(h('form', {class: 'inline', role: 'search',
                              onsubmit: (e) => e.preventDefault()},
    field('Type', typeFilter), field('Action', actionFilter),
    field('Name or id', text)), output, pager);
  draw();
  return container;
}

/** Graph and table as two tabs (arrow keys move between the tabs). */
function planViews(items, onRender) {
  const graphPanel = h('div', {id: 'panel-graph', role: 'tabpanel',
                               'aria-labelledby': 'tab-graph', class: 'graph-panel'});
  const tablePanel = h('div', {id: 'panel-table', role: 'tabpanel',
                               'aria-labelledby': 'tab-table', hidden: true});
  const tabs = [
    h('button', {type: 'button', role: 'tab', id: 'tab-graph',
                 'aria-controls': 'panel-graph', 'aria-selected': 'true'}, 'Graph'),
    h('button', {type: 'button', role: 'tab', id: 'tab-table', tabindex: '-1',
                 'aria-controls': 'panel-table', 'aria-selected': 'false'},
      'Table'),
  ];
  let tableDrawn = false;
  function choose(index) {
    tabs.forEach((tab, i) => {
      tab.setAttribute('aria-selected', String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
    });
    graphPanel.hidden = index !== 0;
    tablePanel.hidden = index !== 1;
    if (index === 1 && !tableDrawn) {
      tablePanel.append(itemTable(items));
      tableDrawn = true;
    }
    tabs[index].focus();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => choose(i));
    tab.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
        event.preventDefault();
        choose((i + 1) % 2);
      }
    });
  });
  const section = h('section', {'aria-labelledby': 'graph-title'},
    h('h2', {id: 'graph-title'}, 'Plan items'),
    h('div', {role: 'tablist', 'aria-label': 'Plan view'}, tabs),
    graphPanel, tablePanel);
  // Drawn once the section is in the page (the graph fits its box).
  requestAnimationFrame(() => graphView(graphPanel, items, {onRender}));
  return section;
}

function checksSection(migration, checks, overrides, onChange) {
  if (!checks.length) {
    return h('section', {}, h('h2', {}, 'Pre-checks'), h('p', {}, 'No pre-check ran.'));
  }
  const failed = checks.filter((c) => c.status === 'failed');
  const summary = h('p', {class: failed.length ? 'warning' : 'ok'},
    failed.length ? `${failed.length} pre-check(s) failed: the migration `
      + 'cannot start unless each is overridden on purpose.'
      : 'Every pre-check passed.');
  const rows = checks.map((check) => {
    let action = '';
    if (check.status === 'failed' && migration.state === 'planned') {
      const button = h('button', {type: 'button', class: 'small secondary',
                                  'aria-pressed': String(overrides.has(check.name)),
                                  'aria-label': `Override ${check.name}`},
                       'Override');
      button.addEventListener('click', () => {
        if (overrides.has(check.name)) overrides.delete(check.name);
        else overrides.add(check.name);
        button.setAttribute('aria-pressed', String(overrides.has(check.name)));
        announce(overrides.has(check.name) ? `${check.name} will be overridden.`
          : `${check.name} is no longer overridden.`);
        onChange();
      });
      action = button;
    } else if (check.overridden) {
      action = 'overridden';
    }
    return [check.name, check.category, badge(check.status), check.message,
            check.needed ?? '–', check.available ?? '–', action];
  });
  return h('section', {'aria-labelledby': 'checks-title'},
    h('h2', {id: 'checks-title'}, 'Pre-checks'), summary,
    table('Pre-checks', ['Check', 'Category', 'Status', 'Message', 'Needed',
                         'Available', 'Override'], rows));
}

function conflictsSection(migration, items) {
  const conflicts = items.filter((i) => i.action === 'conflict');
  if (!conflicts.length) return null;
  const resolution = select([['reuse', 'Reuse what is in the destination'],
                             ['rename', 'Create renamed copies']],
                            {name: 'conflict_resolution'});
  const form = h('form', {class: 'inline', novalidate: true},
    field('Resolve the conflicts by', resolution, {name: 'options/conflict_resolution'}),
    h('div', {class: 'buttons'},
      h('button', {type: 'submit'}, 'Plan again with this resolution')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {source: migration.source, destination: migration.destination,
                  workload: migration.workload, strategies: migration.strategies,
                  supplementary: migration.supplementary,
                  options: {...migration.options,
                            conflict_resolution: resolution.value}};
    delete body.options.override_checks;
    if (migration.name) body.name = migration.name;
    try {
      const created = await api.call('POST', '/v1/migrations', body);
      location.hash = `#/migrations/${created.uuid}`;
    } catch (e) {
      showError(form, e);
    }
  });
  return h('section', {'aria-labelledby': 'conflicts-title'},
    h('h2', {id: 'conflicts-title'}, `Conflicts (${conflicts.length})`),
    h('p', {}, 'Same name in the destination, different content. The plan '
      + 'stops here until you say how to resolve them: a new plan is made '
      + 'with that resolution.'),
    table('Conflicting resources', ['Item', 'Type', 'Name', 'Differences'],
      conflicts.map((i) => [String(i.id), i.resource_type, i.source_name || i.source_id,
        i.differences ? h('dl', {class: 'compact'},
          Object.entries(i.differences).map(([k, v]) => [
            h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]))
          : (i.note || '–')])),
    form);
}

export async function render(main, {args, signal}) {
  const uuid = args[0];
  const path = `/v1/migrations/${encodeURIComponent(uuid)}`;
  const started = performance.now();
  let migration;
  let plan;
  let names;
  try {
    [migration, plan, names] = await Promise.all([
      api.get(path, {signal}), api.get(`${path}/plan`, {signal}),
      cloudNames(signal)]);
  } catch (e) {
    main.append(h('h1', {}, 'Plan'), errorBox(e));
    return;
  }
  const items = plan.items;
  main.append(h('h1', {}, `Plan: ${migration.name || uuid}`),
    h('p', {class: 'summary'}, badge(migration.state), ' ',
      workloadText(migration.workload), ' from ',
      h('strong', {}, names[migration.source] || migration.source), ' to ',
      h('strong', {}, names[migration.destination] || migration.destination),
      ` · created ${when(migration.created_at)} · `,
      h('a', {href: `#/migrations/${uuid}/progress`}, 'Progress'), ' · ',
      h('a', {href: `#/migrations/${uuid}/report`}, 'Report')));
  if (migration.last_error) {
    main.append(h('p', {class: 'error', role: 'alert'}, migration.last_error));
  }
  if (migration.state === 'planning') {
    main.append(h('p', {'aria-live': 'polite'}, 'Planning… this page reloads when the plan is ready.'));
    (async () => {
      while (!signal.aborted) {
        await api.sleep(2000, signal);
        if (signal.aborted) return;
        try {
          const now = await api.get(path, {signal});
          if (now.state !== 'planning') {
            window.dispatchEvent(new HashChangeEvent('hashchange'));
            return;
          }
        } catch (e) {
          return;
        }
      }
    })();
    return;
  }
  const overrides = new Set();
  const startBox = h('section', {'aria-labelledby': 'start-title'});
  function drawStart() {
    clear(startBox).append(h('h2', {id: 'start-title'}, 'Start'));
    if (migration.state !== 'planned') {
      startBox.append(h('p', {}, `This migration is ${migration.state}: `,
        h('a', {href: `#/migrations/${uuid}/progress`}, 'follow its progress'), '.'));
      return;
    }
    const creates = items.filter((i) => i.action === 'create').length;
    const form = h('form', {novalidate: true},
      h('p', {}, `Starting applies the plan: ${creates} resource(s) are created `
        + `in ${names[migration.destination] || 'the destination'}.`
        + (overrides.size ? ` Overriding: ${[...overrides].join(', ')}.` : '')),
      h('div', {class: 'buttons'},
        h('button', {type: 'submit', class: 'primary'}, 'Start migration')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = await confirmDialog(`Start ${migration.name || 'this migration'}?`,
        `${creates} resource(s) will be created in `
        + `${names[migration.destination] || migration.destination}; source servers `
        + `are ${migration.options.server_cutover === 'delete' ? 'deleted'
          : migration.options.server_cutover === 'stop' ? 'stopped' : 'kept'} `
        + 'after cutover.', 'Start');
      if (!ok) return;
      const body = {target: 'running'};
      if (overrides.size) body.override_checks = [...overrides];
      try {
        await api.call('PUT', `${path}/state`, body);
        location.hash = `#/migrations/${uuid}/progress`;
      } catch (e) {
          showError(form, e);
      }
    });
    startBox.append(form);
  }
  drawStart();
  main.append(
    h('section', {'aria-labelledby': 'counts-title'},
      h('h2', {id: 'counts-title'}, `What the plan does (${items.length} items)`),
      h('p', {class: 'estimate'}, `Estimated time: ${estimateText(plan.estimate)}`),
      countTables(items)),
    checksSection(migration, plan.checks, overrides, drawStart));
  const conflicts = conflictsSection(migration, items);
  if (conflicts) main.append(conflicts);
  main.append(startBox);
  if (items.length) {
    main.append(planViews(items, (ms, counts) => {
      const box = main.querySelector('.graph-panel');
      if (box && !box.dataset.firstRenderMs) {
        box.dataset.firstRenderMs = String(Math.round(performance.now() - started));
      }
      if (box) {
        box.dataset.drawMs = String(Math.round(ms));
        box.dataset.nodes = String(counts.nodes);
      }
    }));
  }
}
