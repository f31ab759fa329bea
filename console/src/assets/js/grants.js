// Grants: the active grants the viewer may see, with the time left (counted down here between
// loads), and revoke.
import { api, el, fill, table, say, describe, when, duration, page } from './console.js';

let timer = null;

async function load() {
  const target = document.getElementById('grants');
  const result = await api('/grants');
  const loaded = Date.now();
  const items = (result && result.items) || [];
  const clocks = [];
  fill(target, table(items, [
    ['Grant', (g) => g.id],
    ['User', (g) => g.user || g.requester || ''],
    ['Login', (g) => g.login],
    ['Nodes', (g) => (Array.isArray(g.nodes) ? g.nodes.join(', ') : (g.nodes || g.node || ''))],
    ['Request', (g) => g.request || ''],
    ['Expires', (g) => when(g.expires)],
    ['Time left', (g) => {
      const span = el('span', { class: 'countdown' }, duration(g.seconds_left));
      clocks.push([span, Number(g.seconds_left)]);
      return span;
    }],
    ['', (g) => el('span', { 'data-grant': g.id }, el('button', { type: 'button', 'data-action': 'revoke', onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await api(`/grants/${encodeURIComponent(g.id)}/revoke`, { method: 'POST', body: {} });
        say(`Revoked grant ${g.id}.`);
        await load();
      } catch (err) {
        ev.target.disabled = false;
        say(`Revoke failed: ${describe(err)}`, true);
      }
    } }, 'Revoke'))],
  ], { empty: 'No active grants.' }));
  if (timer) clearInterval(timer);
  timer = setInterval(() => {
    const gone = (Date.now() - loaded) / 1000;
    for (const [span, left] of clocks) span.textContent = duration(Math.max(0, left - gone));
  }, 1000);
}

page('/grants', async () => {
  document.getElementById('refresh').addEventListener('click', () => load().catch((e) => say(describe(e), true)));
  await load();
});
