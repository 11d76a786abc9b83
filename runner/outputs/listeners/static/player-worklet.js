// Plays the broadcast's 16-bit PCM chunks as they arrive, resampled to the device's rate. Reports to the page
// when a sentence starts playing (so its caption shows with its audio), the level and the samples played.
// Keeps the listener near the live edge: more than MAX_QUEUED seconds waiting are dropped to KEEP_QUEUED.

const MAX_QUEUED = 2.0;
const KEEP_QUEUED = 0.4;
const REPORT_EVERY = 0.2;

class PcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.rate = options.processorOptions.rate;
    this.step = this.rate / sampleRate;   // source samples per output sample
    this.queue = [];                       // {id, data: Float32Array}
    this.queued = 0;                       // source samples waiting
    this.position = 0;                     // in queue[0], fractional
    this.current = null;
    this.played = 0;                       // output samples played from speech
    this.sumSquares = 0;
    this.counted = 0;
    this.sinceReport = 0;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  receive(message) {
    if (message.type === "audio") {
      this.queue.push({ id: message.id, data: message.samples });
      this.queued += message.samples.length;
      if (this.queued > MAX_QUEUED * this.rate) this.catchUp();
    } else if (message.type === "drop") {
      const kept = this.queue.filter((chunk, i) => chunk.id !== message.id || (i === 0 && this.position > 0));
      this.queue = kept;
      this.queued = kept.reduce((n, c) => n + c.data.length, 0);
    } else if (message.type === "clear") {
      this.queue = [];
      this.queued = 0;
      this.position = 0;
      this.current = null;
    }
  }

  catchUp() {
    while (this.queued > KEEP_QUEUED * this.rate && this.queue.length > 1) {
      this.queued -= this.queue.shift().data.length;
      this.position = 0;
    }
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
      const at = Math.floor(this.position);
      const frac = this.position - at;
      const a = chunk.data[at];
      const b = at + 1 < chunk.data.length ? chunk.data[at + 1] : a;
      const sample = a + (b - a) * frac;
      channel[i] = sample;
      this.sumSquares += sample * sample;
      this.counted += 1;
      this.played += 1;
      this.position += this.step;
      if (this.position >= chunk.data.length) {
        this.position -= chunk.data.length;
        this.queued -= chunk.data.length;
        this.queue.shift();
        if (this.queue.length === 0) this.position = 0;
      }
    }
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    this.sinceReport += channel.length;
    if (this.sinceReport >= REPORT_EVERY * sampleRate) {
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
