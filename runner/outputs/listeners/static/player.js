// How the page plays a language: a media element, never an AudioWorklet (that needs a secure context, which a
// phone opening http://192.168.x.y is not). Each player says where on the broadcast's clock it is playing, so
// that captions show as their speech is heard.
//   MsePlayer:   the AAC stream as fragmented MP4 over the WebSocket, into Media Source Extensions. The media
//                time is the broadcast clock. Android, desktops, iPads.
//   PlainPlayer: the same AAC as one endless HTTP stream in <audio src> (no MSE: iPhones).
//   SilentPlayer: captions only; the clock is the server's, as the socket last told it.

export const MIME = 'audio/mp4; codecs="mp4a.40.2"';
const LIVE_DELAY = 0.35; // seconds behind the newest audio: room for network jitter
const MAX_BEHIND = 2.5; // further behind than this (a stall, a backgrounded tab): jump to live
const KEEP_BEHIND = 30; // seconds of played audio kept in the buffer

export function chooseMode(wanted) {
  if (wanted === "none") return "none";
  if (window.MediaSource && MediaSource.isTypeSupported(MIME)) return "mse";
  const probe = document.createElement("audio");
  if (probe.canPlayType("audio/aac") || probe.canPlayType("audio/mp4")) return "plain";
  return "none";
}

class ServerClock {
  // The broadcast clock as the server last said it, run on by this device's clock.
  constructor() { this.at = null; }
  set(now) { this.at = { now, local: performance.now() }; }
  position() { return this.at ? this.at.now + (performance.now() - this.at.local) / 1000 : 0; }
}

export class SilentPlayer {
  constructor() { this.clock = new ServerClock(); this.mode = "none"; }
  hello(message) { this.clock.set(message.now); }
  position() { return this.clock.position(); }
  playing() { return true; }
  async start() {}
  async resume() { return true; }
  stop() {}
  switchTo() {}
  tick() {}
}

export class MsePlayer {
  constructor(audio, onProblem) {
    this.audio = audio;
    this.onProblem = onProblem;
    this.mode = "mse";
    this.queue = [];
    this.buffer = null;
    this.source = null;
    this.started = false;
  }

  async start() {
    // On the listener's tap: attach a MediaSource and play (browsers play only after a gesture).
    if (this.source) return;
    this.source = new MediaSource();
    this.url = URL.createObjectURL(this.source);
    this.audio.src = this.url;
    this.audio.play().catch(() => {}); // now, within the tap; it plays once audio is buffered
    await new Promise((resolve) => this.source.addEventListener("sourceopen", resolve, { once: true }));
    this.buffer = this.source.addSourceBuffer(MIME);
    this.buffer.mode = "segments";
    this.buffer.addEventListener("updateend", () => this.append());
    this.buffer.addEventListener("error", () => this.onProblem("decode"));
    this.append();
  }

  hello() {}

  // A binary frame of the socket: [kind u8, 3 reserved, sequence u32, start f64, encoded-at f64] + boxes.
  frame(data) {
    this.queue.push(new Uint8Array(data, 24));
    this.append();
  }

  append() {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || !this.queue.length || this.source.readyState !== "open") return;
    const next = this.queue[0];
    try {
      buffer.appendBuffer(next);
      this.queue.shift();
    } catch (error) {
      if (error.name === "QuotaExceededError" && this.audio.currentTime > 1) {
        buffer.remove(0, this.audio.currentTime - 1); // full: drop what was heard, then append again
      } else {
        this.queue.shift();
      }
    }
  }

  switchTo() {
    // Another language: drop what is buffered; its stream starts anew (init segment first) on the same clock.
    this.queue = [];
    this.started = false;
    const buffer = this.buffer;
    if (!buffer) return;
    try {
      if (buffer.updating) buffer.abort();
      if (buffer.buffered.length) buffer.remove(0, Infinity);
    } catch { /* the buffer is being torn down: a new one follows */ }
  }

  position() { return this.audio.currentTime; }
  playing() { return !this.audio.paused && this.audio.readyState >= 3; }

  // Every few hundred ms: start at the newest audio, stay near it, skip gaps (a reconnect), trim the past.
  tick() {
    const ranges = this.buffer?.buffered;
    if (!ranges || !ranges.length || this.buffer.updating) return;
    const end = ranges.end(ranges.length - 1);
    const now = this.audio.currentTime;
    const inside = [...Array(ranges.length).keys()].some((i) => ranges.start(i) <= now && now < ranges.end(i));
    if (!this.started || end - now > MAX_BEHIND || (!inside && now < end)) {
      const live = Math.max(ranges.start(ranges.length - 1), end - LIVE_DELAY);
      if (Math.abs(live - now) > 0.05) this.audio.currentTime = live;
      this.started = true;
    }
    if (now - ranges.start(0) > KEEP_BEHIND * 2) {
      try { this.buffer.remove(0, now - KEEP_BEHIND); } catch { /* busy: next time */ }
    }
  }

  async resume() {
    // After an interruption (a call, the OS pausing media): back to live and play; false if the browser
    // wants a tap first.
    this.started = false;
    this.tick();
    try {
      await this.audio.play();
      return true;
    } catch {
      return false;
    }
  }

  stop() {
    this.audio.pause();
    this.queue = [];
    this.started = false;
    this.buffer = null;
    this.source = null;
    this.audio.removeAttribute("src");
    this.audio.load();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}

export class PlainPlayer {
  constructor(audio, onProblem) {
    this.audio = audio;
    this.onProblem = onProblem;
    this.mode = "plain";
    this.origin = null; // where on the clock the stream's first sample is
    this.url = null;
    audio.addEventListener("error", () => { if (this.url) this.failed = true; });
  }

  async start(url) {
    this.url = url;
    return this.load().catch(() => {});
  }

  load() {
    this.origin = null;
    this.failed = false;
    this.audio.src = this.url;
    return this.audio.play();
  }

  hello(message) {
    if (message.audio_start !== undefined) this.origin = message.audio_start;
    else if (this.failed || this.audio.ended) this.load().catch(() => {}); // a reconnect after the stream ended
  }

  audioStart(position) { this.origin = position; } // the stream's time 0 is there on the clock
  frame() {}
  switchTo(url) { this.url = url; this.origin = null; }
  position() { return this.origin === null ? -1 : this.origin + this.audio.currentTime; }
  playing() { return !this.audio.paused && this.audio.readyState >= 3; }
  tick() {}

  async resume() {
    try {
      await this.load(); // a live stream resumes at the live edge: ask for it anew
      return true;
    } catch {
      return false;
    }
  }

  stop() {
    this.url = null;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
  }
}
