// Pumphouse web UI: the plan's dependency graph as SVG, drawn here with a
// simple layered layout (longest path from the items that need nothing,
// a few barycenter sweeps to order each layer), left to right. Large
// plans start collapsed: one node per resource type, expanded on demand.
// Pan with the mouse or the arrow keys, zoom with the wheel or + and -.

import {h, clear} from './dom.js';

export const ACTIONS = ['create', 'reuse', 'skip', 'conflict'];
/** Plans larger than this start with every type collapsed. */
export const COLLAPSE_AT = 300;
const NODE_W = 168;
const NODE_H = 30;
const GAP_X = 70;
const GAP_Y = 10;
const SWEEPS = 2;
/** The most nodes one column of a layer holds before it wraps. */
const MAX_ROWS = 30;
const SUB_GAP = 14;

function shorten(text, length = 22) {
  return text.length > length ? text.slice(0, length - 1) + '…' : text;
}

/** The nodes and edges to draw: items of expanded types, one node per
 * collapsed type; edges go from what is needed to what needs it. */
export function visibleGraph(items, expanded) {
  const nodes = new Map();
  const keyOf = new Map();
  for (const item of items) {
    const type = item.resource_type;
    if (expanded.has(type)) {
      const key = `i:${item.id}`;
      keyOf.set(item.id, key);
      nodes.set(key, {key, type, item, label: item.source_name || item.source_id,
                      action: item.action, count: 1});
    } else {
      const key = `t:${type}`;
      keyOf.set(item.id, key);
      let node = nodes.get(key);
      if (!node) {
        node = {key, type, item: null, label: type, count: 0, actions: {}};
        nodes.set(key, node);
      }
      node.count += 1;
      node.actions[item.action] = (node.actions[item.action] || 0) + 1;
    }
  }
  const edges = new Map();
  for (const item of items) {
    const to = keyOf.get(item.id);
    for (const dependency of item.depends_on) {
      const from = keyOf.get(dependency);
      if (!from || from === to) continue;
      edges.set(`${from}>${to}`, [from, to]);
    }
  }
  return {nodes, edges: [...edges.values()]};
}

/** Layers and positions: {positions: Map(key -> {x, y}), width, height}. */
export function layout(nodes, edges) {
  const incoming = new Map([...nodes.keys()].map((k) => [k, []]));
  const outgoing = new Map([...nodes.keys()].map((k) => [k, []]));
  for (const [from, to] of edges) {
    outgoing.get(from).push(to);
    incoming.get(to).push(from);
  }
  // Longest path layering over a topological order (Kahn); whatever a
  // cycle leaves goes after the last layer.
  const layer = new Map();
  const waiting = new Map([...nodes.keys()].map((k) => [k, incoming.get(k).length]));
  let ready = [...nodes.keys()].filter((k) => waiting.get(k) === 0);
  for (const key of ready) layer.set(key, 0);
  while (ready.length) {
    const next = [];
    for (const key of ready) {
      for (const to of outgoing.get(key)) {
        layer.set(to, Math.max(layer.get(to) || 0, layer.get(key) + 1));
        waiting.set(to, waiting.get(to) - 1);
        if (waiting.get(to) === 0) next.push(to);
      }
    }
    ready = next;
  }
  const deepest = Math.max(0, ...layer.values());
  for (const key of nodes.keys()) {
    if (waiting.get(key) > 0) layer.set(key, deepest + 1);
  }
  const layers = [];
  for (const [key, index] of layer) {
    (layers[index] = layers[index] || []).push(key);
  }
  const compact = layers.filter(Boolean);
  const order = new Map();
  for (const keys of compact) {
    keys.sort((a, b) => {
      const na = nodes.get(a);
      const nb = nodes.get(b);
      return na.type.localeCompare(nb.type) || na.label.localeCompare(nb.label);
    });
    keys.forEach((k, i) => order.set(k, i));
  }
  // Barycenter sweeps: each node towards the mean place of its neighbours
  // in the layer before (down) and after (up).
  for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
    const down = sweep % 2 === 0;
    const sequence = down ? compact.slice(1) : compact.slice(0, -1).reverse();
    for (const keys of sequence) {
      const weight = new Map(keys.map((k) => {
        const near = down ? incoming.get(k) : outgoing.get(k);
        if (!near.length) return [k, order.get(k)];
        return [k, near.reduce((sum, n) => sum + order.get(n), 0) / near.length];
      }));
      keys.sort((a, b) => weight.get(a) - weight.get(b));
      keys.forEach((k, i) => order.set(k, i));
    }
  }
  // A layer taller than MAX_ROWS wraps into sub-columns, so that a
  // type of hundreds of items keeps the drawing readable.
  const tallest = Math.max(1, ...compact.map((keys) => Math.min(MAX_ROWS,
                                                                 keys.length)));
  const height = tallest * (NODE_H + GAP_Y);
  const positions = new Map();
  let x = 0;
  for (const keys of compact) {
    const columns = Math.ceil(keys.length / MAX_ROWS);
    const rows = Math.ceil(keys.length / columns);
    const offset = (height - rows * (NODE_H + GAP_Y)) / 2;
    keys.forEach((key, i) => {
      positions.set(key, {x: x + Math.floor(i / rows) * (NODE_W + SUB_GAP),
                          y: offset + (i % rows) * (NODE_H + GAP_Y)});
    });
    x += columns * (NODE_W + SUB_GAP) - SUB_GAP + GAP_X;
  }
  return {positions, width: x, height, layers: compact.length};
}

function actionSummary(actions) {
  return ACTIONS.filter((a) => actions[a]).map((a) => `${a} ${actions[a]}`)
    .join(', ');
}

function drawNode(node, position, onToggle) {
  const group = h('svg:g', {class: `node ${node.item ? node.action : 'type'}`,
                            transform: `translate(${position.x} ${position.y})`});
  group.dataset.key = node.key;
  group.append(h('svg:rect', {width: NODE_W, height: NODE_H, rx: 5}));
  if (node.item) {
    const item = node.item;
    group.append(
      h('svg:title', {}, `${item.resource_type} ${node.label}: ${item.action}`
        + (item.state ? ` (${item.state})` : '') + ` – item ${item.id}`),
      h('svg:text', {x: 8, y: 12, class: 'type-label'}, shorten(node.type, 28)),
      h('svg:text', {x: 8, y: 25}, shorten(node.label)));
    return group;
  }
  // A collapsed type: a bar of its actions, focusable to expand.
  let x = 0;
  for (const action of ACTIONS) {
    const count = node.actions[action] || 0;
    if (!count) continue;
    const width = (NODE_W * count) / node.count;
    group.append(h('svg:rect', {class: `bar ${action}`, x, y: NODE_H - 6,
                                width, height: 6}));
    x += width;
  }
  const label = `${node.type}: ${node.count} items (${actionSummary(node.actions)})`;
  group.setAttribute('tabindex', '0');
  group.setAttribute('role', 'button');
  group.setAttribute('aria-label', `${label}. Expand`);
  group.append(h('svg:title', {}, `${label} – click or press Enter to expand`),
               h('svg:text', {x: 8, y: 16}, shorten(node.type, 20)),
               h('svg:text', {x: NODE_W - 8, y: 16, 'text-anchor': 'end',
                              class: 'count'}, String(node.count)));
  group.addEventListener('click', () => onToggle(node.type));
  group.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onToggle(node.type);
    }
  });
  return group;
}

function edgePath(edges, positions) {
  const parts = [];
  for (const [from, to] of edges) {
    const a = positions.get(from);
    const b = positions.get(to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const bend = Math.max(20, (x2 - x1) / 2);
    parts.push(`M${x1} ${y1}C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}`);
  }
  return parts.join('');
}

/**
 * A graph view of ``items`` in ``container``. Returns {redraw, expandAll,
 * collapseAll}; ``onRender(ms, counts)`` is told how long each drawing took.
 */
export function graphView(container, items, {onRender} = {}) {
  const types = [...new Set(items.map((i) => i.resource_type))].sort();
  const expanded = new Set(items.length > COLLAPSE_AT ? [] : types);
  let view = {x: 0, y: 0, k: 1};
  let size = {width: 1, height: 1};
  const viewport = h('svg:g', {class: 'viewport'});
  const svg = h('svg:svg', {class: 'graph', role: 'group', tabindex: '0',
                            'aria-roledescription': 'graph',
                            'aria-label': 'Plan graph: arrow keys pan, + and - zoom, 0 fits. '
                              + 'Collapsed types are buttons that expand.'},
                viewport);
  const status = h('p', {class: 'muted graph-status', 'aria-live': 'polite'});
  const toolbar = h('div', {class: 'toolbar', role: 'toolbar',
                            'aria-label': 'Graph controls'},
    h('button', {type: 'button', class: 'small secondary', onclick: () => zoom(1.25)},
      'Zoom in'),
    h('button', {type: 'button', class: 'small secondary', onclick: () => zoom(0.8)},
      'Zoom out'),
    h('button', {type: 'button', class: 'small secondary', onclick: () => fit()},
      'Fit'),
    h('button', {type: 'button', class: 'small secondary', onclick: () => {
      types.forEach((t) => expanded.add(t));
      redraw();
    }}, 'Expand all'),
    h('button', {type: 'button', class: 'small secondary', onclick: () => {
      expanded.clear();
      redraw();
    }}, 'Collapse by type'));
  const legend = h('ul', {class: 'legend', 'aria-label': 'Colours'},
    ACTIONS.map((a) => h('li', {}, h('span', {class: `swatch ${a}`}), a)),
    h('li', {}, h('span', {class: 'swatch type'}), 'collapsed type'));
  const typeList = h('details', {class: 'types'},
    h('summary', {}, 'Expand or collapse types'),
    h('div', {class: 'type-checks'}, types.map((type) => {
      const count = items.filter((i) => i.resource_type === type).length;
      const id = `type-${type.replace(/[^a-z0-9]/gi, '-')}`;
      const box = h('input', {type: 'checkbox', id, checked: expanded.has(type),
                              dataset: {type}});
      box.addEventListener('change', () => {
        if (box.checked) expanded.add(type); else expanded.delete(type);
        redraw();
      });
      return h('label', {for: id}, box, ` ${type} (${count})`);
    })));
  clear(container).append(toolbar, legend, typeList, svg, status);

  function apply() {
    viewport.setAttribute('transform',
                          `translate(${view.x} ${view.y}) scale(${view.k})`);
  }
  function zoom(factor, cx, cy) {
    const box = svg.getBoundingClientRect();
    const px = cx === undefined ? box.width / 2 : cx;
    const py = cy === undefined ? box.height / 2 : cy;
    const k = Math.min(4, Math.max(0.02, view.k * factor));
    view = {x: px - ((px - view.x) * k) / view.k,
            y: py - ((py - view.y) * k) / view.k, k};
    apply();
  }
  function fit() {
    const box = svg.getBoundingClientRect();
    const k = Math.min(1.5, (box.width - 20) / Math.max(1, size.width),
                       (box.height - 20) / Math.max(1, size.height));
    view = {x: 10, y: 10, k: Math.max(0.02, k)};
    apply();
  }
  function toggle(type) {
    if (expanded.has(type)) expanded.delete(type); else expanded.add(type);
    redraw(`t:${type}`);
  }
  function redraw(focusKey) {
    const started = performance.now();
    const {nodes, edges} = visibleGraph(items, expanded);
    const placed = layout(nodes, edges);
    size = {width: placed.width, height: placed.height};
    const fragment = document.createDocumentFragment();
    fragment.append(h('svg:path', {class: 'edges', d: edgePath(edges, placed.positions)}));
    for (const node of nodes.values()) {
      fragment.append(drawNode(node, placed.positions.get(node.key), toggle));
    }
    clear(viewport).append(fragment);
    for (const box of typeList.querySelectorAll('input')) {
      box.checked = expanded.has(box.dataset.type);
    }
    fit();
    const elapsed = performance.now() - started;
    status.textContent = `${nodes.size} nodes, ${edges.length} edges in `
      + `${placed.layers} layers (${expanded.size} of ${types.length} types expanded).`;
    if (focusKey) {
      const again = viewport.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      (again || svg).focus();
    }
    if (onRender) onRender(elapsed, {nodes: nodes.size, edges: edges.length});
  }

  svg.addEventListener('wheel', (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - box.left,
         event.clientY - box.top);
  }, {passive: false});
  let drag = null;
  svg.addEventListener('pointerdown', (event) => {
    if (event.target.closest('.node.type')) return;
    drag = {x: event.clientX, y: event.clientY, view: {...view}};
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener('pointermove', (event) => {
    if (!drag) return;
    view = {...drag.view, x: drag.view.x + event.clientX - drag.x,
            y: drag.view.y + event.clientY - drag.y};
    apply();
  });
  svg.addEventListener('pointerup', () => { drag = null; });
  svg.addEventListener('keydown', (event) => {
    if (event.target !== svg) return;
    const step = 60;
    const moves = {ArrowLeft: [step, 0], ArrowRight: [-step, 0],
                   ArrowUp: [0, step], ArrowDown: [0, -step]};
    if (moves[event.key]) {
      view = {...view, x: view.x + moves[event.key][0],
              y: view.y + moves[event.key][1]};
      apply();
    } else if (event.key === '+' || event.key === '=') zoom(1.25);
    else if (event.key === '-') zoom(0.8);
    else if (event.key === '0') fit();
    else return;
    event.preventDefault();
  });
  redraw();
  return {redraw, types, expanded};
}
