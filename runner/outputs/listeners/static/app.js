// The listener page: pick a language, hear it live and read its captions, on any phone, screen locked or not.
// Audio plays in a media element (player.js): MSE where the browser has it, a plain <audio> stream where it
// does not, captions only when asked (or when nothing can play). Captions show when their speech is heard.
// The page reconnects by itself (a network blip) and always resumes live; it never claims to be live while
// silent: after an interruption it plays again by itself or asks for a tap.

import { MsePlayer, PlainPlayer, SilentPlayer, chooseMode } from "/static/player.js";
import { CaptionSchedule, direction } from "/static/captions.js";
import { wordsFor } from "/static/i18n.js";

const HISTORY_LINES = 4;
const TRANSCRIPT_LINES = 20;
const RECONNECT_MAX = 5000;
const TICK_MS = 200;
const STALLED_SECONDS = 2.0; // audio not advancing this long: not live

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const key = query.get("key");
const withKey = (path) => (key ? `${path}${path.includes("?") ? "&" : "?"}key=${encodeURIComponent(key)}` : path);
const audioElement = $("player");
// This page's name to the server: its plain audio stream is asked for by it, within the listener's tap.
const listenerId = [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
const plainUrl = (code) => withKey(`/audio/${encodeURIComponent(code)}.aac?listener=${listenerId}`);

const state = {
  about: null,
  language: null, // the language being listened to: {code, name, lang}
  player: null,
  socket: null,
  schedule: new CaptionSchedule(),
  words: wordsFor(navigator.language),
  ended: false,
  wantSound: false, // the listener asked for sound (not stopped, not captions only)
  retryDelay: 500,
  retryTimer: null,
  lastPosition: -1,
  advancedAt: 0,
  scale: Number(localStorage.getItem("polyglot-scale")) || 1,
};

// What a test (or a curious listener) can read.
window.polyglotListener = { state: "choosing", language: null, mode: null, played: 0, captions: [], unspoken: [],
  transcript: [], skipped: 0, reconnects: 0, live: false, received: 0, messages: [] };

function setStatus(word, warn = false, extra = "") {
  $("status").textContent = (state.words[word] ?? word) + extra;
  $("status").classList.toggle("warn", warn);
  window.polyglotListener.messages.push(word);
}

// -- the page's own words, in the listener's language -------------------------------------------------------
function applyWords(code) {
  state.words = wordsFor(code);
  const w = state.words;
  document.documentElement.lang = code || "en";
  document.documentElement.dir = direction(code || "en");
  $("choose-hint").textContent = w.choose;
  $("change").textContent = w.change;
  $("stop").textContent = w.stop;
  $("cancel").textContent = w.cancel;
  $("live").textContent = w.live;
  $("resume").textContent = w.tap;
  $("captions-only-label").textContent = w.captionsOnly;
  $("text-size-label").textContent = w.textSize;
  if (state.about) $("source-summary").textContent = `${w.speaker} (${state.about.source.name})`;
}

async function loadBroadcast() {
  let response;
  try {
    response = await fetch(withKey("/api/broadcast"), { cache: "no-store" });
  } catch {
    setStatus("unreachable", true);
    setTimeout(loadBroadcast, 2000);
    return;
  }
  if (response.status === 403) {
    setStatus("private", true);
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
    button.lang = language.lang;
    button.dir = direction(language.lang);
    button.textContent = language.name;
    const english = document.createElement("small");
    english.textContent = language.english;
    english.lang = "en";
    english.dir = "ltr";
    button.append(english);
    button.addEventListener("click", () => listen(language));
    item.append(button);
    list.append(item);
  }
  $("source-panel").hidden = !state.about.transcript;
  applyWords(navigator.language);
  setStatus(`${state.about.languages.length} ✓`);
  const wanted = state.about.languages.find((l) => l.code === query.get("lang") || l.lang === query.get("lang"));
  if (wanted) {
    // A seat card's link: that language at once (the browser may still want a tap before sound).
    $("captions-only").checked = query.get("audio") === "none";
    listen(wanted);
  }
}

// -- listening ------------------------------------------------------------------------------------------------
function makePlayer(captionsOnly) {
  const problem = () => {
    setStatus("noAudio", true);
    useCaptionsOnly();
  };
  const mode = chooseMode(captionsOnly ? "none" : "audio");
  if (mode === "mse") return new MsePlayer(audioElement, problem);
  if (mode === "plain") return new PlainPlayer(audioElement, problem);
  if (!captionsOnly) setStatus("noAudio", true);
  return new SilentPlayer();
}

function useCaptionsOnly() {
  state.player?.stop();
  state.player = new SilentPlayer();
  state.wantSound = false;
  window.polyglotListener.mode = "none";
  if (state.language) connect();
}

async function listen(language) {
  const captionsOnly = $("captions-only").checked;
  const switching = state.player && state.player.mode === (captionsOnly ? "none" : chooseMode("audio"));
  stopSocket();
  if (!switching) {
    state.player?.stop();
    state.player = makePlayer(captionsOnly);
  } else {
    state.player.switchTo();
  }
  state.wantSound = state.player.mode !== "none";
  state.schedule.clear();
  state.language = language;
  state.ended = false;
  state.retryDelay = 500;
  Object.assign(window.polyglotListener, { language: language.code, mode: state.player.mode, captions: [],
    unspoken: [] });
  $("history").replaceChildren();
  $("current").textContent = "";
  for (const id of ["current", "history"]) {
    $(id).lang = language.lang;
    $(id).dir = direction(language.lang);
  }
  applyWords(language.lang);
  $("language-name").textContent = language.name;
  $("language-name").lang = language.lang;
  for (const button of $("languages").querySelectorAll("button")) {
    button.setAttribute("aria-current", String(button.dataset.code === language.code));
  }
  showListening();
  mediaSession(language);
  // Started within the tap, before anything is awaited: a phone plays sound only from a gesture.
  const starting = state.player.start(plainUrl(language.code));
  connect();
  await starting;
}

function connect() {
  const protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const mode = state.player.mode === "plain" ? "plain" : state.player.mode;
  const path = `/ws?lang=${encodeURIComponent(state.language.code)}&audio=${mode}&listener=${listenerId}`;
  const socket = new WebSocket(`${protocol}//${location.host}${withKey(path)}`);
  socket.binaryType = "arraybuffer";
  state.socket = socket;
  window.polyglotListener.state = "connecting";
  setStatus("connecting");
  socket.onopen = () => {
    state.retryDelay = 500;
    window.polyglotListener.state = "live";
  };
  socket.onmessage = (event) => {
    if (socket !== state.socket) return;
    if (typeof event.data === "string") control(JSON.parse(event.data));
    else {
      window.polyglotListener.received += event.data.byteLength;
      state.player.frame(event.data);
    }
  };
  socket.onclose = () => {
    if (socket !== state.socket) return;
    state.socket = null;
    if (state.ended || state.language === null) return;
    window.polyglotListener.state = "reconnecting";
    window.polyglotListener.reconnects += 1;
    setStatus("reconnecting", true);
    state.retryTimer = setTimeout(reconnect, state.retryDelay);
    state.retryDelay = Math.min(RECONNECT_MAX, state.retryDelay * 2);
  };
}

async function reconnect() {
  // Full, or gone? The page tells the listener which, and keeps trying.
  try {
    const response = await fetch(withKey("/api/broadcast"), { cache: "no-store" });
    if (response.ok && (await response.json()).full) setStatus("full", true);
  } catch {
    // unreachable for now: keep trying
  }
  if (state.language !== null && !state.ended) connect();
}

function control(message) {
  if (message.type === "hello") {
    state.player.hello(message);
    setStatus("listening");
  } else if (message.type === "audio-start") {
    state.player.audioStart?.(message.position);
  } else if (message.type === "caption" && message.spoken === false) {
    unspokenCaption(message.text); // its speech was dropped to catch up: no audio will bring it
  } else if (message.type === "caption") {
    state.schedule.add(message);
  } else if (message.type === "retract") {
    state.schedule.retract(message);
  } else if (message.type === "transcript") {
    const item = document.createElement("li");
    item.textContent = message.text;
    item.lang = state.about.source.code;
    item.dir = direction(state.about.source.code);
    $("transcript").append(item);
    while ($("transcript").children.length > TRANSCRIPT_LINES) $("transcript").firstElementChild.remove();
    window.polyglotListener.transcript.push(message.text);
  } else if (message.type === "skipped") {
    window.polyglotListener.skipped += 1;
    setStatus("behind");
  } else if (message.type === "end") {
    state.ended = true;
    window.polyglotListener.state = "ended";
    setTimeout(() => setStatus("ended"), 1500); // once the last words are heard
  }
}

// -- every TICK_MS: captions due, live or not, interruptions ------------------------------------------------
function tick() {
  const player = state.player;
  if (!player || state.language === null) return;
  player.tick();
  const position = player.position();
  for (const caption of state.schedule.due(position)) showCaption(caption.text);
  const now = performance.now();
  if (position !== state.lastPosition && player.playing()) {
    if (state.lastPosition >= 0 && position > state.lastPosition && player.mode !== "none") {
      window.polyglotListener.played += Math.min(1, position - state.lastPosition);
    }
    state.lastPosition = position;
    state.advancedAt = now;
  }
  const live = player.mode === "none" ? state.socket?.readyState === WebSocket.OPEN
    : now - state.advancedAt < STALLED_SECONDS * 1000;
  window.polyglotListener.live = live && !state.ended;
  $("live").classList.toggle("off", !window.polyglotListener.live);
  const interrupted = state.wantSound && !state.ended && audioElement.paused && player.mode !== "none";
  $("resume").hidden = !interrupted;
  window.polyglotListener.interrupted = interrupted;
}

function showCaption(text) {
  const current = $("current");
  if (current.textContent) {
    const line = document.createElement("li");
    line.textContent = current.textContent;
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
  line.className = "unspoken";
  $("history").append(line);
  while ($("history").children.length > HISTORY_LINES) $("history").firstElementChild.remove();
  window.polyglotListener.unspoken.push(text);
}

async function resume() {
  if (!state.player || !state.wantSound) return;
  const playing = await state.player.resume();
  $("resume").hidden = playing;
  if (!playing) setStatus("tap", true);
  else setStatus("listening");
}

// -- the lock screen and the OS's media controls --------------------------------------------------------------
function mediaSession(language) {
  if (!("mediaSession" in navigator)) return;
  try {
    navigator.mediaSession.metadata = new MediaMetadata({ title: language.name, artist: state.about.title,
      album: state.words.live });
    navigator.mediaSession.setActionHandler("play", () => resume());
    navigator.mediaSession.setActionHandler("pause", () => audioElement.pause());
    navigator.mediaSession.setActionHandler("stop", () => stop());
  } catch { /* an older browser: the lock screen shows the page's title */ }
}

function showListening() {
  $("choose").hidden = true;
  $("listening").hidden = false;
}

function stopSocket() {
  clearTimeout(state.retryTimer);
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
}

function stop() {
  state.language = null;
  state.wantSound = false;
  stopSocket();
  state.player?.stop();
  state.player = null;
  window.polyglotListener.state = "choosing";
  $("listening").hidden = true;
  $("choose").hidden = false;
  $("choose-current").hidden = true;
  $("cancel").hidden = true;
  setStatus("stopped");
}

function setScale(scale) {
  state.scale = Math.min(2.5, Math.max(0.75, scale));
  document.documentElement.style.setProperty("--scale", String(state.scale));
  localStorage.setItem("polyglot-scale", String(state.scale));
}

$("stop").addEventListener("click", stop);
$("change").addEventListener("click", () => {
  // The language goes on playing until another is picked; Cancel goes back to it.
  $("listening").hidden = true;
  $("choose").hidden = false;
  $("choose-current").hidden = false;
  $("choose-current").textContent = `${state.words.current}: ${state.language.name}`;
  $("cancel").hidden = false;
});
$("cancel").addEventListener("click", showListening);
$("resume").addEventListener("click", resume);
$("smaller").addEventListener("click", () => setScale(state.scale / 1.2));
$("larger").addEventListener("click", () => setScale(state.scale * 1.2));
audioElement.addEventListener("pause", () => {
  if (state.wantSound && !state.ended) setStatus("tap", true); // the OS paused us (a call, another app)
});
audioElement.addEventListener("playing", () => setStatus("listening"));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state.wantSound && audioElement.paused) resume();
});

setScale(state.scale);
applyWords(navigator.language);
setInterval(tick, TICK_MS);
loadBroadcast();
