// Terminal output as plain text for a <pre>: removes ANSI/VT escape sequences (ECMA-48 CSI and
// OSC, charset designations), applies backspaces and carriage returns roughly, and drops other
// control characters. The result goes into the page with textContent only.

const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const CHARSET = /\x1b[()*+][0-9A-Za-z]/g;
const ESC2 = /\x1b[@-Z\\-_=>78]/g;

/** `raw` terminal output without escapes; `\r\n` becomes `\n`, a lone `\r` is dropped. */
export function plain(raw) {
  const s = String(raw).replace(OSC, '').replace(CSI, '').replace(CHARSET, '').replace(ESC2, '')
    .replace(/\r\n/g, '\n').replace(/\r/g, '');
  let out = '';
  for (const ch of s) {
    if (ch === '\b') {
      out = out.slice(0, -1);
    } else if (ch === '\n' || ch === '\t' || ch >= ' ') {
      if (ch !== '\x7f') out += ch;
    }
  }
  return out;
}

/** A <pre> that shows at most `limit` characters of terminal text, scrolled to the end. */
export class TextTerminal {
  constructor(pre, limit = 200000) {
    this.pre = pre;
    this.limit = limit;
    this.text = '';
  }

  write(raw) {
    this.text += plain(raw);
    if (this.text.length > this.limit) this.text = this.text.slice(this.text.length - this.limit);
    this.pre.textContent = this.text;
    this.pre.scrollTop = this.pre.scrollHeight;
  }
}
