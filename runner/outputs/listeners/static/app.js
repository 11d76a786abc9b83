// The listener page: pick a language, hear it live and read its captions. Audio arrives over a WebSocket as
// 16-bit PCM and plays through an AudioWorklet (player-worklet.js); a caption shows when its sentence's audio
// starts playing. The page reconnects by itself (a locked phone, a network blip) and always resumes live.

const HISTORY_LINES = 4;
const TRANSCRIPT_LINES = 20;
const RECONNECT_MAX = 5000;

const $ = (id) => document.getElementById(id);
const key = new URLSearchParams(location.search).get("key");
const withKey = (path) => (key ? `${path}${path.includes("?") ? "&" : "?"}key=${encodeURIComponent(key)}` : path);

const state = {
  about: null,
  language: null,        // the code being listened to
  socket: null,
  audio: null,           // {context, node, gain}
  captions: new Map(),   // "utterance:sentence" -> text
  ended: false,
  retryDelay: 500,
  retryTimer: null,
};

// What a test (or a curious listener) can read: how much audio played, how loud, what the captions said.
window.polyglotListener = { state: "choosing", language: null, played: 0, deviceRate: 0, level: 0, queued: 0,
  captions: [], unspoken: [], transcript: [], skipped: 0, reconnects: 0 };

function setStatus(text, warn = false) {
  $("status").textContent = text;
  $("status").classList.toggle("warn", warn);
}

async function loadBroadcast() {
  let response;
  try {
    response = await fetch(withKey("/api/broadcast"), { cache: "no-store" });
  } catch {
    setStatus("Cannot reach the broadcast. Retrying…", true);
    setTimeout(loadBroadcast, 2000);
    return;
  }
  if (response.status === 403) {
    setStatus("This broadcast is private: open the link you were given, with its key.", true);
    return;
  }
  state.about = await response.json();
  document.title = state.about.title;
  $("title").textContent = state.about.title;
  const list = $("languages");
  list.replaceChildren();
  for (const language of state.about.languages) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.code = language.code;
    button.lang = language.code;
    button.textContent = language.name;
    const english = document.createElement("small");
    english.textContent = language.english;
    english.lang = "en";
    button.append(english);
    button.addEventListener("click", () => listen(language));
    item.append(button);
    list.append(item);
  }
  if (state.about.transcript) {
    $("source-summary").textContent = `The speaker's own words (${state.about.source.name})`;
    $("source-panel").hidden = false;
  }
  setStatus(`Live · ${state.about.languages.length} languages`);
}

async function ensureAudio() {
  // Created on the listener's tap: browsers play sound only after a gesture.
  if (state.audio) {
    await state.audio.context.resume();
    return state.audio;
  }
  const context = new AudioContext({ latencyHint: "interactive" });
  await context.audioWorklet.addModule("/static/player-worklet.js");
  const node = new AudioWorkletNode(context, "pcm-player", {
    numberOfInputs: 0, outputChannelCount: [2], processorOptions: { rate: state.about.rate },
  });
  node.port.onmessage = (event) => fromPlayer(event.data);
  node.connect(context.destination);
  await context.resume();
  state.audio = { context, node };
  window.polyglotListener.deviceRate = context.sampleRate;
  return state.audio;
}

function fromPlayer(message) {
  if (message.type === "started") {
    showCaption(message.id);
  } else if (message.type === "level") {
    window.polyglotListener.played = message.played;
    window.polyglotListener.level = message.rms;
    window.polyglotListener.queued = message.queued;
    $("level").style.width = `${Math.min(100, message.rms * 400)}%`;
  } else if (message.type === "caught-up") {
    setStatus("You were behind: jumped to live.");
  }
}

async function listen(language) {
  await ensureAudio();
  stopSocket();
  state.audio.node.port.postMessage({ type: "clear" });
  state.captions.clear();
  $("history").replaceChildren();
  $("current").textContent = "";
  state.language = language.code;
  state.ended = false;
  state.retryDelay = 500;
  window.polyglotListener.language = language.code;
  window.polyglotListener.captions = [];
  window.polyglotListener.unspoken = [];
  $("language-name").textContent = language.name;
  $("current").lang = language.code;
  $("choose").hidden = true;
  $("listening").hidden = false;
  connect();
}

function connect() {
  const protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${protocol}//${location.host}${withKey(`/ws?lang=${encodeURIComponent(state.language)}`)}`);
  socket.binaryType = "arraybuffer";
  state.socket = socket;
  window.polyglotListener.state = "connecting";
  setStatus("Connecting…");
  socket.onopen = () => {
    state.retryDelay = 500;
    window.polyglotListener.state = "live";
    $("live").classList.remove("off");
    setStatus("Live");
  };
  socket.onmessage = (event) => {
    if (socket !== state.socket) return;
    if (typeof event.data === "string") control(JSON.parse(event.data));
    else audio(event.data);
  };
  socket.onclose = () => {
    if (socket !== state.socket) return;
    state.socket = null;
    $("live").classList.add("off");
    if (state.ended || state.language === null) return;
    window.polyglotListener.state = "reconnecting";
    window.polyglotListener.reconnects += 1;
    setStatus("Reconnecting…", true);
    state.retryTimer = setTimeout(reconnect, state.retryDelay);
    state.retryDelay = Math.min(RECONNECT_MAX, state.retryDelay * 2);
  };
}

async function reconnect() {
  // Full, or gone? The page tells the listener which, and keeps trying.
  try {
    const response = await fetch(withKey("/api/broadcast"), { cache: "no-store" });
    if (response.ok && (await response.json()).full) setStatus("This broadcast is full: trying again…", true);
  } catch {
    // unreachable for now: keep trying
  }
  if (state.language !== null && !state.ended) {
    state.audio.node.port.postMessage({ type: "clear" }); // resume at the live edge
    connect();
  }
}

function audio(buffer) {
  const header = new DataView(buffer, 0, 24);
  const utterance = header.getUint32(0, true);
  const sentence = header.getUint16(4, true);
  const position = header.getUint32(8, true) / 1000; // where this audio sits on the broadcast's clock (s)
  const clock = header.getUint32(12, true) / 1000; // the broadcast's clock as it was sent (s)
  const pcm = new Int16Array(buffer, 24);
  const samples = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
  state.audio.node.port.postMessage({ type: "audio", id: `${utterance}:${sentence}`, samples, position, clock },
    [samples.buffer]);
}

function control(message) {
  if (message.type === "caption" && message.spoken === false) {
    unspokenCaption(message.text); // its speech was dropped to catch up: no audio will bring it
  } else if (message.type === "caption") {
    state.captions.set(`${message.utterance}:${message.sentence}`, message.text);
  } else if (message.type === "retract") {
    state.audio.node.port.postMessage({ type: "drop", id: `${message.utterance}:${message.sentence}` });
  } else if (message.type === "transcript") {
    const item = document.createElement("li");
    item.textContent = message.text;
    item.lang = state.about.source.code;
    $("transcript").append(item);
    while ($("transcript").children.length > TRANSCRIPT_LINES) $("transcript").firstElementChild.remove();
    window.polyglotListener.transcript.push(message.text);
  } else if (message.type === "skipped") {
    window.polyglotListener.skipped += 1;
    setStatus("You were behind: jumped to live.");
  } else if (message.type === "end") {
    state.ended = true;
    window.polyglotListener.state = "ended";
    setStatus("The broadcast has ended. Thank you for listening.");
  }
}

function showCaption(id) {
  const text = state.captions.get(id);
  if (!text) return;
  state.captions.delete(id);
  const current = $("current");
  if (current.textContent) {
    const line = document.createElement("li");
    line.textContent = current.textContent;
    line.lang = current.lang;
    $("history").append(line);
    while ($("history").children.length > HISTORY_LINES) $("history").firstElementChild.remove();
  }
  current.textContent = text;
  window.polyglotListener.captions.push(text);
}

// Text whose speech was dropped (the language fell too far behind the speaker): into the history at once,
// marked, so the listener can still read what was said.
function unspokenCaption(text) {
  const line = document.createElement("li");
  line.textContent = text;
  line.lang = $("current").lang;
  line.className = "unspoken";
  line.title = "Not spoken: the translation had fallen too far behind the speaker";
  $("history").append(line);
  while ($("history").children.length > HISTORY_LINES) $("history").firstElementChild.remove();
  window.polyglotListener.unspoken.push(text);
}

function stopSocket() {
  clearTimeout(state.retryTimer);
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
}

$("stop").addEventListener("click", () => {
  state.language = null;
  stopSocket();
  state.audio?.node.port.postMessage({ type: "clear" });
  window.polyglotListener.state = "choosing";
  $("listening").hidden = true;
  $("choose").hidden = false;
  setStatus("Stopped. Choose a language to listen again.");
});
$("change").addEventListener("click", () => {
  $("listening").hidden = true;
  $("choose").hidden = false;
  setStatus("Choose a language: the one you hear goes on until you pick another.");
});

loadBroadcast();
