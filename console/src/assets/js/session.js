// One recorded session (AUDIT): its details, events, file transfers with SHA-256, and its
// recording in asciinema-player (speed, pause, seek), fetched from
// /api/v1/sessions/{id}/recording (served only once its hash chain verifies; each fetch is audited
// as recording.viewed), with a download link for the asciicast v2 file.
import { api, el, fill, table, say, describe, when, bytes, page, ApiFailure } from './console.js';

function details(s) {
  const rows = [
    ['Session', s.id], ['User', s.user], ['Login', s.login], ['Node', s.node], ['Kind', s.kind],
    ['Command', s.command], ['App', s.app], ['Requests', s.requests], ['Instance', s.instance], ['Source', s.source], ['Started', when(s.started)],
    ['Ended', s.live ? 'still live' : when(s.ended)], ['Outcome', s.outcome],
    ['Bytes in / out', `${bytes(s.bytes_in)} / ${bytes(s.bytes_out)}`],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  return el('dl', {}, rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/** The fields of an event other than the ones shown in their own columns, as "k=v" text. */
function rest(ev) {
  const skip = new Set(['type', 'at', 'time', 'ts', 'seq', 'user', 'session', 'session_id', 'chain', 'hash', 'prev_hash']);
  return Object.entries(ev).filter(([k, v]) => !skip.has(k) && v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join('  ');
}

let player = null;

function play(container, data, speed, startAt) {
  if (player) player.dispose();
  player = window.AsciinemaPlayer.create({ data }, container, {
    speed, startAt, controls: true, fit: 'width', idleTimeLimit: 2, terminalFontFamily: 'monospace',
  });
  return player;
}

async function recording(s) {
  const box = document.getElementById('recording');
  const id = encodeURIComponent(s.id);
  if (!s.recording || !s.recording.present) {
    fill(box, el('p', { class: 'empty' }, 'This session has no terminal recording.'));
    return;
  }
  if (!window.AsciinemaPlayer) {
    fill(box, el('p', { class: 'error' }, 'The terminal player is missing from this build (assets/vendor).'));
    return;
  }
  const res = await fetch(`/api/v1/sessions/${id}/recording`, { credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  if (!res.ok) {
    let why = text;
    try {
      const j = JSON.parse(text);
      why = `${j.message || j.error} (${j.error}, HTTP ${res.status})`;
    } catch (e) {
      why = `HTTP ${res.status}`;
    }
    fill(box, el('p', { class: 'error', id: 'recording-refused' }, `The recording is not shown: ${why}`));
    return;
  }
  const stage = el('div', { id: 'player', class: 'player' });
  const speed = el('select', { id: 'speed', name: 'speed' },
    ['0.5', '1', '1.5', '2', '4', '8'].map((v) => el('option', { value: v, selected: v === '1' }, `${v}×`)));
  speed.addEventListener('change', () => {
    const at = player ? player.getCurrentTime() : 0;
    play(stage, text, Number(speed.value), at);
    player.play();
  });
  fill(box,
    el('p', { class: 'verified' }, 'The recording\u2019s hash chain verified.'),
    el('p', { class: 'controls' },
      el('label', { for: 'speed' }, 'Speed '), speed, ' ',
      el('a', { href: `/api/v1/sessions/${id}/recording?download=1`, download: `session-${s.id}.cast`, id: 'download' }, 'Download (asciicast v2)')),
    stage,
    el('p', { class: 'hint' }, 'Space pauses and plays; the arrow keys and the progress bar seek.'));
  play(stage, text, 1, 0);
}

page('/sessions', async () => {
  const parts = location.pathname.split('/');
  const id = decodeURIComponent(parts[parts.length - 1] || '');
  let s;
  try {
    s = await api(`/sessions/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) {
      fill(document.getElementById('main'), el('h1', {}, 'No such session'), el('p', {}, `There is no session ${id} for you to see.`));
      return;
    }
    throw err;
  }
  document.title = `Session ${s.id} · Gatehouse`;
  fill(document.getElementById('title'), `Session ${s.id}`);
  fill(document.getElementById('details'), details(s));
  fill(document.getElementById('events'), table(s.events || [], [
    ['Time', (e) => when(e.at || e.time || e.ts)],
    ['Event', (e) => e.type],
    ['User', (e) => e.user || ''],
    ['Details', rest],
  ], { empty: 'No events.' }));
  fill(document.getElementById('transfers'), table(s.transfers || [], [
    ['Operation', (t) => t.op],
    ['Path', (t) => (t.target ? `${t.path} → ${t.target}` : t.path)],
    ['Bytes', (t) => bytes(t.bytes)],
    ['SHA-256', (t) => el('code', {}, t.sha256 || '')],
  ], { empty: 'No file transfers.' }));
  try {
    await recording(s);
  } catch (err) {
    say(`The recording could not be loaded: ${describe(err)}`, true);
  }
});
