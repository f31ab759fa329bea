// Sessions (AUDIT): search recorded sessions by user, node, login, kind, time range, outcome and
// the text of the commands run; paged by the server, newest first. The form's values stay in the
// address (?user=...&q=...), so a search can be bookmarked or shared.
import { api, el, table, say, describe, when, bytes, page, values, paged } from './console.js';

const FIELDS = ['user', 'node', 'login', 'kind', 'from', 'to', 'outcome', 'q'];

/** A datetime-local value (taken as UTC) as RFC 3339, or the text as typed. */
function rfc3339(v) {
  if (!v) return v;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v) ? `${v.length === 16 ? v + ':00' : v}Z` : v;
}

function render(items) {
  return table(items, [
    ['Session', (s) => el('a', { href: `/sessions/${encodeURIComponent(s.id)}` }, s.id)],
    ['User', (s) => s.user],
    ['Login', (s) => s.login],
    ['Node', (s) => s.node],
    ['Kind', (s) => s.kind],
    ['Command', (s) => s.command || (s.app ? `app ${s.app}` : '')],
    ['Source', (s) => s.source],
    ['Started', (s) => when(s.started)],
    ['Ended', (s) => (s.live ? 'live' : when(s.ended))],
    ['Outcome', (s) => s.outcome || ''],
    ['In / out', (s) => `${bytes(s.bytes_in)} / ${bytes(s.bytes_out)}`],
  ], { empty: 'No session matches.' });
}

async function search(form) {
  const v = values(form);
  const query = {};
  for (const f of FIELDS) if (v[f]) query[f] = f === 'from' || f === 'to' ? rfc3339(v[f]) : v[f];
  const address = new URLSearchParams();
  for (const f of FIELDS) if (v[f]) address.set(f, v[f]);
  history.replaceState(null, '', `/sessions${address.toString() ? '?' + address : ''}`);
  say('Searching…');
  await paged(document.getElementById('results'), (before) => api('/sessions', { query: { ...query, before } }), render);
  say('');
}

page('/sessions', async () => {
  const form = document.getElementById('search');
  const given = new URLSearchParams(location.search);
  for (const f of FIELDS) {
    if (given.has(f) && form.elements[f]) form.elements[f].value = given.get(f);
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search(form).catch((err) => say(`Search failed: ${describe(err)}`, true));
  });
  await search(form);
});
