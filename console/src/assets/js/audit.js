// Audit log (AUDIT): the hash-chained events, filtered and paged by the server; run
// `audit verify` (POST /api/v1/audit/verify, itself an audited action) and show its result;
// the witness status.
import { api, el, fill, table, say, describe, when, page, values, paged } from './console.js';

const FIELDS = ['type', 'user', 'node', 'session', 'from', 'to'];

function rfc3339(v) {
  if (!v) return v;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v) ? `${v.length === 16 ? v + ':00' : v}Z` : v;
}

function rest(ev) {
  const skip = new Set(['type', 'at', 'time', 'ts', 'seq', 'user', 'node', 'session', 'session_id', 'hash', 'prev_hash', 'chain']);
  return Object.entries(ev).filter(([k, v]) => !skip.has(k) && v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join('  ');
}

function render(items) {
  return table(items, [
    ['Seq', (e) => (e.seq === undefined ? '' : String(e.seq))],
    ['Time', (e) => when(e.at || e.time || e.ts)],
    ['Event', (e) => e.type],
    ['User', (e) => e.user || ''],
    ['Node', (e) => e.node || ''],
    ['Session', (e) => {
      const id = e.session || e.session_id;
      return id ? el('a', { href: `/sessions/${encodeURIComponent(id)}` }, id) : '';
    }],
    ['Details', rest],
  ], { empty: 'No event matches.' });
}

function keyValues(obj) {
  if (!obj || typeof obj !== 'object') return el('p', {}, String(obj));
  return el('dl', {}, Object.entries(obj).map(([k, v]) => [el('dt', {}, k),
    el('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))]));
}

async function search(form) {
  const v = values(form);
  const query = {};
  for (const f of FIELDS) if (v[f]) query[f] = f === 'from' || f === 'to' ? rfc3339(v[f]) : v[f];
  await paged(document.getElementById('events'), (before) => api('/audit/events', { query: { ...query, before } }), render);
}

page('/audit', async () => {
  const form = document.getElementById('filters');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search(form).catch((err) => say(`Search failed: ${describe(err)}`, true));
  });
  const verify = document.getElementById('verify');
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    const out = document.getElementById('verify-result');
    fill(out, 'Verifying the chain…');
    try {
      const r = await api('/audit/verify', { method: 'POST', body: {} });
      out.classList.toggle('error', !r.ok);
      out.classList.toggle('ok', !!r.ok);
      fill(out, el('strong', {}, r.ok ? 'The audit chain verifies.' : 'The audit chain does NOT verify.'), ' ', r.summary || '',
        r.first_broken ? el('span', {}, ` First broken: ${typeof r.first_broken === 'object' ? JSON.stringify(r.first_broken) : r.first_broken}`) : null);
    } catch (err) {
      out.classList.add('error');
      fill(out, `Verify failed: ${describe(err)}`);
    } finally {
      verify.disabled = false;
    }
  });
  const witness = document.getElementById('witness');
  api('/audit/witness').then((w) => fill(witness, keyValues(w)))
    .catch((err) => fill(witness, el('p', { class: 'error' }, `Witness status unavailable: ${describe(err)}`)));
  await search(form);
});
