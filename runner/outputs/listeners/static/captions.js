// Captions on the broadcast clock: each arrives ahead of (or with) its speech, with its start on the clock,
// and shows when the player's position reaches it. Shared by the listener page and the overlay.

export const RTL_LANGUAGES = new Set(["ar", "he", "iw", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"]);

export function direction(code) {
  return RTL_LANGUAGES.has(String(code).toLowerCase().split(/[-_]/)[0]) ? "rtl" : "ltr";
}

export class CaptionSchedule {
  constructor() { this.clear(); }

  clear() {
    this.pending = new Map(); // "utterance:sentence" -> {text, start, end}
    this.current = null;
  }

  add(message) {
    const id = `${message.utterance}:${message.sentence}`;
    if (this.current && this.current.id === id) {
      this.current.end = message.end ?? this.current.end; // the same caption again: its end is known now
      return;
    }
    const known = this.pending.get(id);
    this.pending.set(id, { id, text: message.text, start: message.start, end: message.end ?? known?.end ?? null });
  }

  retract(message) { this.pending.delete(`${message.utterance}:${message.sentence}`); }

  // The captions whose start the clock has passed, oldest first (each returned once), as ``position`` moves.
  due(position) {
    const due = [...this.pending.values()].filter((c) => c.start <= position + 0.05).sort((a, b) => a.start - b.start);
    for (const caption of due) this.pending.delete(caption.id);
    if (due.length) this.current = due[due.length - 1];
    return due;
  }

  // The shown caption has been over for ``linger`` seconds (an overlay clears the screen).
  stale(position, linger) {
    return this.current && this.current.end !== null && position > this.current.end + linger;
  }
}
