// Live sessions (AUDIT or ADMIN): every live session on every instance sharing the store (with its
// instance, and state `dead` once that instance stopped heartbeating); observe one read-only
// (server-sent events from /api/v1/live/{id}/observe: `header`, then `output` events carrying an
// asciicast v2 event line [t, "o", text], then `end`), terminate one with a required reason (ADMIN).
import { api, el, fill, table, say, describe, when, bytes, page, may, actionWithText } from './console.js';
import { TextTerminal } from './terminal-text.js';

let source = null;

function stopObserving(note) {
  if (source) {
    source.close();
    source = null;
  }
  const state = document.getElementById('observe-state');
  if (note && state) state.textContent = note;
  const stop = document.getElementById('observe-stop');
  if (stop) stop.disabled = true;
}

function observe(s) {
  stopObserving();
  const panel = document.getElementById('observe');
  const pre = el('pre', { class: 'terminal', id: 'observe-output', 'aria-live': 'off', tabindex: '0' });
  const state = el('p', { id: 'observe-state', role: 'status' }, 'Connecting…');
  const stop = el('button', { type: 'button', id: 'observe-stop', onclick: () => stopObserving('Stopped observing.') }, 'Stop observing');
  fill(panel, el('h2', {}, `Observing ${s.user} on ${s.login}@${s.node} (${s.id})`), state, stop, pre);
  panel.hidden = false;
  const term = new TextTerminal(pre);
  source = new EventSource(`/api/v1/live/${encodeURIComponent(s.id)}/observe`);
  source.addEventListener('open', () => { state.textContent = 'Observing live, read-only. The user has been told.'; });
  source.addEventListener('header', (ev) => {
    try {
      const h = JSON.parse(ev.data);
      const size = h.width > 0 && h.height > 0 ? ` (terminal ${h.width}x${h.height})` : '';
      state.textContent = `Observing live, read-only${size}. The user has been told.`;
    } catch (e) {
      // a header we cannot read does not stop the output
    }
  });
  source.addEventListener('output', (ev) => {
    try {
      const event = JSON.parse(ev.data);
      if (Array.isArray(event) && event[1] === 'o') term.write(event[2]);
    } catch (e) {
      say(`An output event could not be read: ${e.message}`, true);
    }
  });
  source.addEventListener('end', () => stopObserving('The session ended.'));
  source.addEventListener('error', () => {
    if (source && source.readyState === EventSource.CLOSED) stopObserving('Observing failed or was refused.');
  });
}

async function load() {
  const result = await api('/live');
  fill(document.getElementById('live'), table((result && result.items) || [], [
    ['Session', (s) => s.id],
    ['User', (s) => s.user],
    ['Login', (s) => s.login],
    ['Node', (s) => s.node],
    ['Kind', (s) => s.kind],
    ['Source', (s) => s.source],
    ['Started', (s) => when(s.started)],
    ['In', (s) => bytes(s.bytes_in)],
    ['Out', (s) => bytes(s.bytes_out)],
    ['Instance', (s) => s.instance],
    ['State', (s) => s.state],
    ['', (s) => el('span', { class: 'actions', 'data-session': s.id },
      s.observable ? el('button', { type: 'button', 'data-action': 'observe', onclick: () => observe(s) }, 'Observe') : null,
      may('ADMIN') ? actionWithText('Terminate', { name: 'terminate', placeholder: 'Reason', required: true,
        act: async (reason) => {
          await api(`/live/${encodeURIComponent(s.id)}/terminate`, { method: 'POST', body: { reason } });
          say(`Terminated ${s.id}.`);
          await load();
        } }) : null)],
  ], { empty: 'No live sessions.' }));
}

page('/live', async () => {
  document.getElementById('refresh').addEventListener('click', () => load().catch((e) => say(describe(e), true)));
  window.addEventListener('pagehide', () => stopObserving());
  await load();
});
