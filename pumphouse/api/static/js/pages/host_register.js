// Registering a source host: its name and clouds, its power and provision
// drivers with their info, its NICs' MACs and how it goes (POST
// /v1/hosts). Secrets are typed in password fields only: sent once in the
// request body, never shown again (the API keeps them encrypted and
// leaves them out of every answer), never put in a URL or in storage,
// and cleared from the form once sent.

import * as api from '../api.js';
import {h, clear, field, select, clearErrors, showError,
        announce} from '../dom.js';

/**
 * The drivers the form offers and the info each takes, as their schemas
 * say (pumphouse/drivers/hardware). ``key`` is the info key, with ``/``
 * for a nested one; ``type``: text (default), integer, password (a secret
 * string), secret-json (a secret object, JSON), id-or-name, list
 * (comma-separated), checkbox, textarea, url. Anything else goes in the
 * driver's "More info" box as KEY=VALUE.
 */
export const DRIVERS = {
  power: {
    ipmi: {label: 'ipmi (a BMC, IPMI over LAN)', fields: [
      {key: 'address', label: 'BMC address', required: true},
      {key: 'port', label: 'BMC port', type: 'integer', placeholder: '623'},
      {key: 'username', label: 'BMC user name', required: true},
      {key: 'password', label: 'BMC password', type: 'password',
       required: true},
    ]},
    ironic: {label: 'ironic (a node of the destination\'s Ironic)', fields: [
      {key: 'node', label: 'Ironic node', required: true,
       help: 'Name or UUID of the node in the destination cloud.'},
    ]},
    fake: {label: 'fake (development and tests only)', fields: [
      {key: 'id', label: 'Machine id', required: true},
    ]},
  },
  provision: {
    manual: {label: 'manual (the operator installs it)', fields: [
      {key: 'instructions', label: 'Instructions', type: 'textarea',
       help: 'Added to the request to install the host (where the '
         + 'installer is, which role…).'},
    ]},
    ironic: {label: 'ironic (the destination\'s Ironic deploys it)', fields: [
      {key: 'image_source', label: 'Image to deploy', required: true,
       help: 'A Glance image of the destination, or a URL.'},
      {key: 'node', label: 'Ironic node name',
       help: 'Found or enrolled by this name (default: the host name).'},
      {key: 'driver', label: 'Ironic hardware type', placeholder: 'ipmi'},
      {key: 'resource_class', label: 'Resource class'},
      {key: 'root_gb', label: 'Root disk (GiB)', type: 'integer'},
      {key: 'driver_info', label: 'Node driver info (JSON)',
       type: 'secret-json',
       help: 'Holds the BMC credentials: stored encrypted, never shown '
         + 'again.'},
      {key: 'configdrive', label: 'Config drive (JSON or text)',
       type: 'secret-json', help: 'Never shown again.'},
    ]},
    fuel: {label: 'fuel (a Fuel environment deploys it)', fields: [
      {key: 'url', label: 'Nailgun URL', type: 'url', required: true},
      {key: 'auth/auth_url', label: 'Fuel Keystone URL', type: 'url',
       required: true},
      {key: 'auth/username', label: 'Fuel user name', required: true},
      {key: 'auth/password', label: 'Fuel password', type: 'password',
       required: true},
      {key: 'auth/project_name', label: 'Fuel project'},
      {key: 'auth/user_domain_name', label: 'Fuel user domain'},
      {key: 'auth/project_domain_name', label: 'Fuel project domain'},
      {key: 'cluster', label: 'Fuel environment', type: 'id-or-name',
       required: true, help: 'Its id or name.'},
      {key: 'roles', label: 'Roles', type: 'list',
       help: 'Comma-separated (default: compute).'},
      {key: 'insecure', label: 'Do not verify Fuel\'s TLS certificate',
       type: 'checkbox'},
    ]},
    fake: {label: 'fake (development and tests only)', fields: [
      {key: 'fail', label: 'Fail with'},
    ]},
  },
};

const KINDS = {power: 'Power', provision: 'Provision'};

// pumphouse.common.masking.is_secret_key: a value under such a key is a
// secret, which goes in a password field, never in a box shown in clear.
const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token',
                      'private_key', 'privatekey', 'api_key', 'apikey',
                      'auth_key', 'authkey', 'configdrive', 'adminpass',
                      'admin_pass', 'new_pass', 'sys_pswd'];
const SECRET_SUFFIX = /(^|[_\-.\s])(pass|pwd|pw|psk)$/;

export function isSecretKey(key) {
  const lowered = key.toLowerCase();
  return SECRET_WORDS.some((word) => lowered.includes(word))
    || SECRET_SUFFIX.test(lowered);
}

/** A message about the form's input (not the API's), shown like one. */
class InputError extends Error {
  constructor(message, control) {
    super(message);
    this.control = control;
  }
}

/** Whether a value read as JSON holds a secret key somewhere. */
function holdsSecret(value) {
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => isSecretKey(key)
                                      || holdsSecret(item));
  }
  return false;
}

/** KEY=VALUE lines as a mapping: VALUE is read as JSON when it parses
 * (``port=623`` is a number), as the command line does. No line is ever
 * quoted back (it may be a mistyped secret), and no secret is taken
 * (``secretKeys``: more keys that are, such as a driver's whole
 * ``driver_info``). */
export function parsePairs(text, what, control, secretKeys = []) {
  const result = {};
  for (const line of text.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at <= 0) {
      throw new InputError(`${what} takes KEY=VALUE, one per line (a line `
                           + `has no ${at < 0 ? '=' : 'key'}).`, control);
    }
    const key = line.slice(0, at).trim();
    const text = line.slice(at + 1).trim();
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      value = text;
    }
    if (isSecretKey(key) || secretKeys.includes(key) || holdsSecret(value)) {
      throw new InputError(`${what}: ${key} holds a secret, and this box is `
                           + 'shown in clear: give it in its password '
                           + 'field.', control);
    }
    result[key] = value;
  }
  return result;
}

function setPath(target, path, value) {
  const keys = path.split('/');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] = node[key] || {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}

/** A field's value as its driver's schema wants it; undefined when the
 * field is left empty. Values that do not convert are sent as typed: the
 * API says what is wrong with them. */
function fieldValue(spec, control) {
  const type = spec.type || 'text';
  if (type === 'checkbox') return control.checked ? true : undefined;
  if (type === 'password') return control.value === '' ? undefined
    : control.value;
  const text = control.value.trim();
  if (text === '') return undefined;
  if (type === 'integer') return /^-?\d+$/.test(text) ? Number(text) : text;
  if (type === 'id-or-name') return /^\d+$/.test(text) ? Number(text) : text;
  if (type === 'list') {
    return text.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (type === 'secret-json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      return text;
    }
  }
  return text;
}

function infoControl(kind, spec) {
  const type = spec.type || 'text';
  const name = `${kind}_info_${spec.key.replace(/\//g, '_')}`;
  if (type === 'textarea') return h('textarea', {name, rows: 3});
  if (type === 'checkbox') return h('input', {name, type: 'checkbox'});
  if (type === 'password' || type === 'secret-json') {
    // Never offered to a password manager, never prefilled.
    return h('input', {name, type: 'password', autocomplete: 'new-password',
                       spellcheck: 'false'});
  }
  return h('input', {
    name, type: type === 'url' ? 'url' : 'text',
    inputmode: type === 'integer' ? 'numeric' : undefined,
    placeholder: spec.placeholder, autocomplete: 'off',
    spellcheck: 'false', required: spec.required});
}

/** A driver's picker and the fields of the chosen driver's info. */
function driverSection(kind) {
  const picker = select([['', 'None (an evacuation needs none)'],
                         ...Object.entries(DRIVERS[kind]).map(
                           ([name, driver]) => [name, driver.label])],
                        {name: `${kind}_driver`});
  const fields = h('div', {});
  let controls = [];
  let more = null;

  function draw() {
    // The previous driver's fields go, with whatever was typed in them.
    clear(fields);
    controls = [];
    more = null;
    const driver = DRIVERS[kind][picker.value];
    if (!driver) return;
    for (const spec of driver.fields) {
      const control = infoControl(kind, spec);
      controls.push([spec, control]);
      const hint = spec.type === 'checkbox' ? 'check' : undefined;
      const help = spec.type === 'password'
        ? 'Stored encrypted, never shown again.' : spec.help;
      fields.append(field(`${spec.label}${spec.required ? ' (required)' : ''}`,
                          control, {name: `${kind}/info/${spec.key}`, help,
                                    hint}));
    }
    more = h('textarea', {name: `${kind}_info_more`, rows: 2,
                          spellcheck: 'false'});
    fields.append(field(`More ${kind} info`, more, {
      name: `${kind}/info`,
      help: 'KEY=VALUE, one per line; VALUE is read as JSON when it parses. '
        + 'Secrets go in their password field, not here.'}));
  }
  picker.addEventListener('change', draw);

  return {
    kind, picker,
    element: h('fieldset', {},
      h('legend', {}, KINDS[kind]),
      field(`${KINDS[kind]} driver`, picker, {name: `${kind}/driver`}),
      fields),
    draw,
    /** {driver, info} for the request, or undefined without a driver. */
    value() {
      if (!picker.value) return undefined;
      const info = {};
      for (const [spec, control] of controls) {
        const value = fieldValue(spec, control);
        if (value !== undefined) setPath(info, spec.key, value);
      }
      const secret = DRIVERS[kind][picker.value].fields.filter(
        (spec) => ['password', 'secret-json'].includes(spec.type)).map(
        (spec) => spec.key.split('/')[0]);
      Object.assign(info, parsePairs(more.value, `More ${kind} info`, more,
                                     secret));
      return {driver: picker.value, info};
    },
    /** The info field an API message about this driver's info is
     * about: "Invalid ipmi driver info: port: ..." (``where`` dotted for a
     * nested key), "info: 'password' is a required property". */
    fieldOf(where, rest) {
      const path = where === 'info' ? '' : where.replace(/\./g, '/');
      const required = (/'([^']+)' is a required property/.exec(rest)
                        || [])[1];
      const keys = [required && (path ? `${path}/${required}` : required),
                    path, path.split('/')[0]].filter(Boolean);
      for (const key of keys) {
        const found = controls.find(([spec]) => spec.key === key);
        if (found) return found[1];
      }
      return null;
    },
    more: () => more,
  };
}

/** The control an API error about a driver's info is about. */
function hardwareField(sections, message) {
  const match = /^Invalid (\S+) driver info: ([^:]+): ([\s\S]*)$/.exec(
    message);
  if (!match) return null;
  const [, driver, where, rest] = match;
  const using = sections.filter((s) => s.picker.value === driver);
  for (const section of using) {
    const control = section.fieldOf(where, rest);
    if (control) return control;
  }
  // Not one of the fields (an unknown key): the "More info" box.
  return using.length ? using[0].more() : null;
}

function lines(text) {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The "Register a host" form. ``clouds``: the registered clouds (their
 * names are offered; any name may be typed); ``preset``: {name, source}
 * (from the source browser); ``onDone(host)`` once registered.
 */
export function registerForm({clouds = [], preset = {}, onDone}) {
  const names = clouds.map((c) => c.name);
  const source = preset.source || names[0] || '';
  const destination = names.find((n) => n !== source) || '';
  const cloudList = h('datalist', {id: 'host-clouds'},
                      names.map((n) => h('option', {value: n})));
  const cloudInput = (name, value) => h('input', {
    name, list: 'host-clouds', autocomplete: 'off', spellcheck: 'false',
    value});
  const power = driverSection('power');
  const provision = driverSection('provision');
  const sections = [power, provision];
  const coldFallback = h('input', {name: 'cold_fallback', type: 'checkbox'});
  // Checked again by form.reset().
  coldFallback.defaultChecked = true;
  coldFallback.checked = true;
  const form = h('form', {class: 'card', novalidate: true,
                          'aria-labelledby': 'register-host-title'},
    h('h2', {id: 'register-host-title'}, 'Register a host'),
    h('p', {class: 'muted'}, 'A compute host of the source cloud, as '
      + 'nova-compute names it. Evacuating it needs only its name and '
      + 'source; reassigning it to the destination needs its power and '
      + 'provision drivers.'),
    h('fieldset', {}, h('legend', {}, 'Host'),
      field('Host name', h('input', {name: 'name', autocomplete: 'off',
                                     spellcheck: 'false', required: true,
                                     value: preset.name || ''}),
            {name: 'name'}),
      field('Source cloud', cloudInput('source', source), {name: 'source'}),
      field('Destination cloud', cloudInput('destination', destination),
            {name: 'destination',
             help: 'Where the host goes when reassigned, and where an '
               + 'evacuation to the destination moves its servers.'}),
      cloudList),
    power.element, provision.element,
    h('fieldset', {}, h('legend', {}, 'Options'),
      field('NIC MAC addresses', h('textarea', {name: 'macs', rows: 2,
                                                spellcheck: 'false'}),
            {name: 'macs', help: 'For provisioning; one per line or '
              + 'comma-separated.'}),
      field('Destination aggregate', h('input', {name: 'aggregate',
                                                 autocomplete: 'off'}),
            {name: 'options/aggregate',
             help: 'A host aggregate of the destination the host joins.'}),
      field('Evacuate to the destination',
            h('input', {name: 'to_destination', type: 'checkbox'}),
            {name: 'options/to_destination', hint: 'check',
             help: 'Its servers are migrated to the destination cloud '
               + 'instead of to other hosts of the source.'}),
      field('Cold-migrate a server that cannot move live', coldFallback,
            {name: 'options/cold_fallback', hint: 'check',
             help: 'Which reboots it; unchecked, such a server stops the '
               + 'evacuation.'}),
      field('Options of the migration to the destination',
            h('textarea', {name: 'migration_options', rows: 2,
                           spellcheck: 'false',
                           placeholder: 'conflict_resolution=reuse'}),
            {name: 'options/migration_options',
             help: 'KEY=VALUE, one per line, as a migration\'s options; '
               + 'used when servers go to the destination cloud.'})),
    h('div', {class: 'buttons'}, h('button', {type: 'submit'}, 'Register')));

  function forgetSecrets() {
    for (const input of form.querySelectorAll('input[type="password"]')) {
      input.value = '';
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const element = (name) => form.elements.namedItem(name);
    const text = (name) => element(name).value.trim();
    const button = form.querySelector('button[type="submit"]');
    let body;
    try {
      body = {name: text('name'), source: text('source')};
      if (text('destination')) body.destination = text('destination');
      for (const section of sections) {
        const value = section.value();
        if (value) body[section.kind] = value;
      }
      const macs = lines(element('macs').value);
      if (macs.length) body.macs = macs;
      const options = {};
      if (text('aggregate')) options.aggregate = text('aggregate');
      if (element('to_destination').checked) options.to_destination = true;
      if (!coldFallback.checked) options.cold_fallback = false;
      const migrationOptions = parsePairs(
        element('migration_options').value,
        'Options of the migration to the destination',
        element('migration_options'));
      if (Object.keys(migrationOptions).length) {
        options.migration_options = migrationOptions;
      }
      if (Object.keys(options).length) body.options = options;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      forgetSecrets();
      showError(form, e, e.control);
      return;
    }
    button.disabled = true;
    try {
      const host = await api.call('POST', '/v1/hosts', body);
      form.reset();
      element('name').value = '';
      for (const section of sections) section.draw();
      announce(`Host ${host.name} registered.`);
      if (onDone) await onDone(host);
    } catch (e) {
      showError(form, e, hardwareField(sections, e.message || ''));
    } finally {
      // Sent once; never kept in the page.
      forgetSecrets();
      button.disabled = false;
    }
  });
  return form;
}
