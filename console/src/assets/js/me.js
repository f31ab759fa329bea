// Me: who the console thinks you are (GET /api/v1/whoami), and your API tokens (revocable).
import { api, el, fill, table, say, describe, when, page } from './console.js';

async function tokens() {
  const target = document.getElementById('tokens');
  let result;
  try {
    result = await api('/api-tokens');
  } catch (err) {
    fill(target, el('p', { class: 'error' }, `Tokens unavailable: ${describe(err)}`));
    return;
  }
  fill(target, table((result && result.items) || [], [
    ['Token', (t) => t.id],
    ['Name', (t) => t.name || ''],
    ['Issued', (t) => when(t.issued || t.created)],
    ['Expires', (t) => when(t.expires)],
    ['State', (t) => (t.revoked ? 'revoked' : 'valid')],
    ['', (t) => (t.revoked ? '' : el('button', { type: 'button', 'data-action': 'revoke', onclick: async () => {
      try {
        await api(`/api-tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
        say(`Revoked token ${t.id}.`);
        await tokens();
      } catch (err) {
        say(`Revoke failed: ${describe(err)}`, true);
      }
    } }, 'Revoke'))],
  ], { empty: 'You have no API tokens. Get one with: ssh GATEWAY api-token --for 1h' }));
}

page('/me', async (viewer) => {
  const rows = [
    ['User', viewer.user],
    ['Tenant', viewer.tenant || '(none)'],
    ['Roles', (viewer.roles || []).join(', ') || '(none)'],
    ['Permissions', (viewer.permissions || []).join(', ') || '(none)'],
    ['Logged in by', viewer.via === 'token' ? 'API token' : 'browser session (web-login or identity provider)'],
    ['Key', viewer.key_fingerprint || '(none: identity provider login)'],
    ['Session ends', when(viewer.expires)],
  ];
  fill(document.getElementById('identity'), el('dl', {}, rows.map(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k.toLowerCase() }, v)])));
  await tokens();
});
