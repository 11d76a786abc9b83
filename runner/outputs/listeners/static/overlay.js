// /overlay?lang=es: the captions of one language alone, for a projector or OBS (a browser source). No audio:
// captions show on the broadcast clock, as they are spoken. URL options: lang (required), key, size (a factor,
// default 1), lines (1-4, default 2), bg (transparent or black), linger (seconds a caption stays after its
// speech, default 4).

import { CaptionSchedule, direction } from "/static/captions.js";
import { SilentPlayer } from "/static/player.js";

const query = new URLSearchParams(location.search);
const key = query.get("key");
const lang = query.get("lang");
const lines = Math.min(4, Math.max(1, Number(query.get("lines")) || 2));
const linger = Math.max(0, Number(query.get("linger") ?? 4));
const box = document.getElementById("lines");
const clock = new SilentPlayer();
const schedule = new CaptionSchedule();
let retry = 500;

document.documentElement.style.setProperty("--size", String(Math.min(4, Math.max(0.3, Number(query.get("size")) || 1))));
if (query.get("bg") === "black") document.body.classList.add("black");
window.polyglotOverlay = { captions: [], state: "connecting" };

function problem(text) {
  const p = document.getElementById("problem");
  p.textContent = text;
  p.hidden = !text;
}

function connect() {
  if (!lang) return problem("Add ?lang=<language> to the address (as the listener page's languages are named).");
  const protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const keyPart = key ? `&key=${encodeURIComponent(key)}` : "";
  const socket = new WebSocket(`${protocol}//${location.host}/ws?lang=${encodeURIComponent(lang)}&audio=none${keyPart}`);
  let opened = false;
  socket.onopen = () => { opened = true; retry = 500; problem(""); window.polyglotOverlay.state = "live"; };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      clock.hello(message);
      box.lang = message.language;
      box.dir = direction(message.language);
    } else if (message.type === "caption") {
      if (message.spoken === false) show(message.text);
      else schedule.add(message);
    } else if (message.type === "retract") schedule.retract(message);
    else if (message.type === "end") window.polyglotOverlay.state = "ended";
  };
  socket.onclose = () => {
    if (window.polyglotOverlay.state === "ended") return;
    window.polyglotOverlay.state = "reconnecting";
    if (!opened) problem(`No captions for "${lang}" here (wrong language, or a key is needed); retrying…`);
    setTimeout(connect, retry);
    retry = Math.min(5000, retry * 2);
  };
}

function show(text) {
  const line = document.createElement("p");
  line.textContent = text;
  box.append(line);
  while (box.children.length > lines) box.firstElementChild.remove();
  [...box.children].forEach((child, i) => child.classList.toggle("old", i < box.children.length - 1));
  window.polyglotOverlay.captions.push(text);
}

setInterval(() => {
  const position = clock.position();
  for (const caption of schedule.due(position)) show(caption.text);
  if (schedule.stale(position, linger)) {
    box.replaceChildren();
    schedule.current = null;
  }
}, 100);
connect();
