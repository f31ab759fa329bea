// The console's shared module: API calls (same-origin cookie, X-CSRF-Token on state changes),
// DOM building (text only through textContent and attributes: never innerHTML with data),
// the navigation bar and the not-logged-in notice. Every page module starts with `page(...)`.

/** A refused API call: HTTP status, the API's error code and its message ({"error", "message"}). */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

let viewer = null;

/** The logged-in viewer (GET /api/v1/whoami), cached for the page's life. */
export function whoami() {
  return viewer;
}

/**
 * Calls the JSON API. `path` starts after /api/v1; `body` (an object) is sent as JSON.
 * POST, PUT, PATCH and DELETE carry the console session's CSRF token. Resolves to the parsed JSON
 * (or null for an empty body); rejects with an ApiFailure for any non-2xx answer.
 */
export async function api(path, { method = 'GET', body, query } = {}) {
  let url = '/api/v1' + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, v);
    }
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && viewer && viewer.csrf_token) {
    headers['X-CSRF-Token'] = viewer.csrf_token;
  }
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (!res.ok) {
    throw new ApiFailure(res.status, json && json.error, json && json.message);
  }
  return json;
}

/**
 * Builds an element. `attrs`: attribute name to value (`class`, `href`, `type`, ...; a function
 * value under `on*` becomes an event listener; false/null/undefined are skipped). Children:
 * strings (as text nodes), nodes, arrays of them, or null.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      e.addEventListener(k.slice(2), v);
    } else if (k === 'value') {
      e.value = v;
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(e, children);
  return e;
}

function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else if (c instanceof Node) parent.appendChild(c);
    else parent.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces the children of `node` with `children`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A table with a header row and one row per item; `columns` is [[title, item => cell], ...]. */
export function table(items, columns, { empty = 'Nothing here.', caption } = {}) {
  if (!items || items.length === 0) return el('p', { class: 'empty' }, empty);
  return el('table', {},
    caption ? el('caption', {}, caption) : null,
    el('thead', {}, el('tr', {}, columns.map(([title]) => el('th', { scope: 'col' }, title)))),
    el('tbody', {}, items.map((item) => el('tr', {}, columns.map(([, cell]) => el('td', {}, cell(item)))))));
}

/** Shows `message` in the page's status line (role=status); `error` styles it as a failure. */
export function say(message, error = false) {
  const s = document.getElementById('status');
  if (!s) return;
  s.textContent = message;
  s.classList.toggle('error', error);
}

/** Text for a failed call, naming the error code when the API gave one. */
export function describe(err) {
  if (err instanceof ApiFailure) {
    return `${err.message}${err.code ? ` (${err.code}, HTTP ${err.status})` : ` (HTTP ${err.status})`}`;
  }
  return String(err && err.message ? err.message : err);
}

/** "2026-11-30 01:02:03 UTC" for an RFC 3339 time, or "" */
export function when(rfc3339) {
  if (!rfc3339) return '';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return String(rfc3339);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** "1h 02m 03s" for a number of seconds (text such as "30m" as it is). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds === '') return '';
  if (!Number.isFinite(Number(seconds))) return String(seconds); // already text such as "30m"
  let s = Math.max(0, Math.round(Number(seconds)));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "1.2 KiB" for a byte count. */
export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Whether the viewer holds `permission` ("AUDIT", "ADMIN"). */
export function may(permission) {
  return !!(viewer && Array.isArray(viewer.permissions) && viewer.permissions.includes(permission));
}

/** The values of a form's named fields, trimmed, as an object. */
export function values(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === 'string' ? v.trim() : v;
  return out;
}

/**
 * A button that asks for text (a reason or comment) in a small inline form before acting.
 * `required` refuses an empty text; `act(text)` runs the call and returns a promise.
 */
export function actionWithText(label, { placeholder, required, act, name }) {
  const box = el('span', { class: 'action' });
  const open = el('button', { type: 'button', 'data-action': name || label.toLowerCase() }, label);
  open.addEventListener('click', () => {
    const input = el('input', { type: 'text', name: 'text', placeholder, 'aria-label': placeholder, required: !!required });
    const form = el('form', { class: 'inline', novalidate: true }, input,
      el('button', { type: 'submit' }, label),
      el('button', { type: 'button', onclick: () => fill(box, open) }, 'Cancel'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (required && !text) {
        say(`${placeholder} is required.`, true);
        input.focus();
        return;
      }
      form.querySelectorAll('button, input').forEach((b) => { b.disabled = true; });
      try {
        await act(text);
      } catch (err) {
        say(`${label} failed: ${describe(err)}`, true);
        form.querySelectorAll('button, input').forEach((b) => { b.disabled = false; });
      }
    });
    fill(box, form);
    input.focus();
  });
  box.appendChild(open);
  return box;
}

const NAV = [
  ['/', 'Overview', null],
  ['/requests', 'Requests', null],
  ['/grants', 'Grants', null],
  ['/locks', 'Locks', 'ADMIN'],
  ['/live', 'Live', 'AUDIT'],
  ['/sessions', 'Sessions', 'AUDIT'],
  ['/audit', 'Audit log', 'AUDIT'],
  ['/me', 'Me', null],
];

function nav(current) {
  const links = NAV.filter(([, , need]) => !need || may(need) || (need === 'AUDIT' && may('ADMIN')))
    .map(([href, label]) => el('li', {}, el('a', { href, 'aria-current': href === current ? 'page' : null }, label)));
  return el('nav', { 'aria-label': 'Console' }, el('ul', {}, links));
}

/**
 * The not-logged-in page. The API's 401 message names the exact command
 * ("log in first: run 'ssh -p PORT HOST web-login' ..."); without one, the default port and this host.
 */
function loginNotice(main, err) {
  const named = /'(ssh [^']*web-login)'/.exec((err && err.message) || '');
  const command = named ? named[1] : `ssh -p 2222 ${location.hostname} web-login`;
  fill(main,
    el('h1', {}, 'Log in to the console'),
    el('p', {}, 'You are not logged in (or your console session has ended). Ask the gateway for a one-time login link over SSH:'),
    el('pre', { class: 'command', id: 'login-command' }, command),
    el('p', {}, named
      ? 'Open the printed link within a minute; it works once and logs this browser in as you.'
      : 'Use the SSH port and host name you normally connect to (2222 is the default). Open the printed link within a minute; it works once and logs this browser in as you.'));
}

/**
 * Starts a page: loads whoami, draws the navigation, then runs `init(viewer, main)`.
 * `path` names the page in the navigation. A 401 shows how to log in instead.
 */
export async function page(path, init) {
  const main = document.getElementById('main');
  const header = document.getElementById('top');
  try {
    viewer = await api('/whoami');
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) {
      loginNotice(main, err);
      return;
    }
    fill(main, el('h1', {}, 'The console is unavailable'), el('p', { class: 'error' }, describe(err)));
    return;
  }
  if (header) {
    fill(header,
      el('a', { class: 'brand', href: '/' }, 'Gatehouse'),
      nav(path),
      el('span', { class: 'who', id: 'who' }, `${viewer.user}${viewer.tenant ? ' @ ' + viewer.tenant : ''}`));
  }
  try {
    await init(viewer, main);
  } catch (err) {
    say(describe(err), true);
  }
}

/**
 * Draws a server-paged list into `target`: `load(before)` returns {items, next}; `render(items)`
 * returns a node. Shows "Older" while the API names a next cursor, "Newest" after paging.
 */
export async function paged(target, load, render) {
  const cursors = [];
  async function show(before) {
    const result = await load(before);
    const items = (result && result.items) || [];
    const older = result && result.next
      ? el('button', { type: 'button', class: 'older', onclick: () => { cursors.push(before); show(result.next).catch((e) => say(describe(e), true)); } }, 'Older')
      : null;
    const newest = cursors.length > 0
      ? el('button', { type: 'button', class: 'newest', onclick: () => { cursors.length = 0; show(undefined).catch((e) => say(describe(e), true)); } }, 'Newest')
      : null;
    fill(target, render(items), el('p', { class: 'pager' }, newest, older));
  }
  await show(undefined);
}
