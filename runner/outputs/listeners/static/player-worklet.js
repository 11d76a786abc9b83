// Plays the broadcast's 16-bit PCM chunks as they arrive, resampled to the device's rate. Reports to the page
// when a sentence starts playing (so its caption shows with its audio), the level and the samples played.
//
// Keeps the listener at the live edge without cutting long speech: each chunk carries its place on the
// broadcast's clock and the clock when it was sent. Speech placed ahead of the clock (a long sentence, all
// synthesized at once) plays in full; only audio more than MAX_BEHIND seconds older than the clock (the device
// stalled, the page was in the background) is dropped.

const MAX_BEHIND = 2.5;
const KEEP_BEHIND = 0.3;
const REPORT_EVERY = 0.2;

class PcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.rate = options.processorOptions.rate;
    this.step = this.rate / sampleRate;   // source samples per output sample
    this.queue = [];                       // {id, data: Float32Array, position (s on the clock)}
    this.queued = 0;                       // source samples waiting
    this.index = 0;                        // in queue[0], fractional
    this.current = null;
    this.played = 0;                       // output samples played from speech
    this.clock = null;                     // {at: currentTime, value: the broadcast's clock then}
    this.sumSquares = 0;
    this.counted = 0;
    this.sinceReport = 0;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  receive(message) {
    if (message.type === "audio") {
      this.queue.push({ id: message.id, data: message.samples, position: message.position });
      this.queued += message.samples.length;
      this.clock = { at: currentTime, value: message.clock };
      this.keepUp();
    } else if (message.type === "drop") {
      const kept = this.queue.filter((chunk, i) => chunk.id !== message.id || (i === 0 && this.index > 0));
      this.queue = kept;
      this.queued = kept.reduce((n, c) => n + c.data.length, 0);
    } else if (message.type === "clear") {
      this.queue = [];
      this.queued = 0;
      this.index = 0;
      this.current = null;
      this.clock = null;
    }
  }

  keepUp() {
    // How far behind the broadcast's clock the sample about to play is.
    if (!this.clock || this.queue.length === 0) return;
    const now = this.clock.value + (currentTime - this.clock.at);
    const playing = this.queue[0].position + this.index / this.rate;
    if (now - playing <= MAX_BEHIND) return;
    const until = now - KEEP_BEHIND;
    while (this.queue.length > 1 && this.queue[0].position + this.queue[0].data.length / this.rate < until) {
      this.queued -= this.queue.shift().data.length;
      this.index = 0;
    }
    const head = this.queue[0];
    this.index = Math.max(this.index, Math.min(head.data.length - 1, (until - head.position) * this.rate));
    this.port.postMessage({ type: "caught-up" });
  }

  process(inputs, outputs) {
    const output = outputs[0];
    const channel = output[0];
    for (let i = 0; i < channel.length; i++) {
      if (this.queue.length === 0) {
        channel[i] = 0;
        continue;
      }
      const chunk = this.queue[0];
      if (chunk.id !== this.current) {
        this.current = chunk.id;
        this.port.postMessage({ type: "started", id: chunk.id });
      }
      const at = Math.floor(this.index);
      const frac = this.index - at;
      const a = chunk.data[at];
      const b = at + 1 < chunk.data.length ? chunk.data[at + 1] : a;
      const sample = a + (b - a) * frac;
      channel[i] = sample;
      this.sumSquares += sample * sample;
      this.counted += 1;
      this.played += 1;
      this.index += this.step;
      if (this.index >= chunk.data.length) {
        this.index -= chunk.data.length;
        this.queued -= chunk.data.length;
        this.queue.shift();
        if (this.queue.length === 0) this.index = 0;
      }
    }
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    this.sinceReport += channel.length;
    if (this.sinceReport >= REPORT_EVERY * sampleRate) {
      this.keepUp();
      const rms = this.counted ? Math.sqrt(this.sumSquares / this.counted) : 0;
      this.port.postMessage({ type: "level", rms, played: this.played, queued: this.queued / this.rate });
      this.sinceReport = 0;
      this.sumSquares = 0;
      this.counted = 0;
    }
    return true;
  }
}

registerProcessor("pcm-player", PcmPlayer);
