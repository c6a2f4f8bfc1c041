// Circles: the participant page and the facilitator console, protocol v1 over the JSON
// subprotocol, no build step. This module owns the connection and routes each frame;
// talk.js draws the messages, people.js who is here, console.js the console.
// Text from the network is only ever set with textContent, never as HTML.

import { $, clockLeft, el, timeOf } from "./dom.js";
import {
  onConsoleFrame,
  onConsoleWelcome,
  renderControls as renderConsoleControls,
  startConsole,
  stopConsole,
} from "./console.js";
import { onHidden, onPresence, renderMembers, setMembers } from "./people.js";
import {
  dropRequests,
  emit,
  isClinician,
  isFacilitator,
  isParticipant,
  muteOf,
  remember,
  request,
  send,
  serverNow,
  state,
} from "./state.js";
import {
  notice,
  onAck,
  onApproved,
  onBlocked,
  onDisconnected,
  onHeld,
  onRejected,
  onRetracted,
  onSayRefused,
  resetList,
  showMessage,
  showPending,
} from "./talk.js";

const SUBPROTOCOL = "circles.v1.json";
// protocol/codes.py RECONNECT_CODES: the server asks us to come back (1001: a proxy went
// away, 1006: network loss). tests/test_architecture.py checks the two agree.
const RECONNECT = new Set([1001, 1006, 1011, 1012, 1013, 4410, 4412, 4429]);
const FAREWELL = {
  0: "This address cannot be used for a connection. Please check the link.",
  1000: "The connection was closed. The circle may have ended.",
  1009: "A message was too large to be carried. Reload the page to rejoin.",
  4400: "This page and the server did not understand each other. Reload the page to rejoin.",
  4401: "This link is not valid. Please ask your facilitator for a new one.",
  4402: "This link has expired. Please ask your facilitator for a new one.",
  4403: "This link belongs to a different circle. Please check the link.",
  4404: "There is no circle at this address. Please check the link.",
  4406: "The server does not speak this page's protocol version. Reload the page.",
  4408: "The server did not hear from this page in time. Reload the page to try again.",
  4409: "The circle is not open right now. Please come back at its start time.",
  4423: "The circle is not taking newcomers right now. Please try again a little later.",
  4425: "The circle is full right now. Please try again a little later.",
  4430: "You were removed from this circle.",
  4431: "The circle has ended. Thank you for being here.",
};
// Closes after which the page does not reconnect on its own but offers to try again.
const TRY_LATER = new Set([4423, 4425]);
// What the message box says once the connection has ended for good.
const SPEAK_ENDED = {
  4430: "You were removed from this circle.",
  4431: "The circle has ended.",
};
const GAP = "Some messages from while you were away could not be recovered.";
// Nothing heard for this long (the server pings every 25 s): the connection is dead.
const SILENCE_MS = 60_000;
// After the network comes back, a connection that does not answer a ping this fast is
// given up and replaced.
const PROBE_MS = 5_000;
// How many times a hello that came too late (4408) is tried again before giving up.
const SLOW_HELLO_RETRIES = 3;

// --- the link --------------------------------------------------------------------------

// The link carries the token in its fragment (never sent to a server). Keep it for this
// tab only and take it out of the address bar, so it is not on screen or in history;
// a reload still finds it.
const params = new URLSearchParams(location.hash.slice(1));
const circleId = params.get("circle");
const storeKey = circleId ? `circles.token.${circleId}` : null;
let token = params.get("token");
if (storeKey && token) {
  try {
    sessionStorage.setItem(storeKey, token);
    history.replaceState(null, "", `#circle=${encodeURIComponent(circleId)}`);
  } catch {
    // storage refused (private mode): keep the token in the address bar instead
  }
} else if (storeKey) {
  try {
    token = sessionStorage.getItem(storeKey);
  } catch {
    token = null;
  }
}

const wsUrl = (() => {
  const url = new URL(`v1/circles/${encodeURIComponent(circleId || "")}/ws`, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.hash = "";
  url.search = "";
  return url.href;
})();

const text = $("text");
const cw = $("cw");
const formError = $("form-error");
const net = {
  attempt: 0,
  firstDelay: 0.5 + Math.random() * 2.5, // jitter spreads out a whole circle reconnecting
  timer: null,
  countdown: null,
  lastHeard: 0,
  probe: null,
  pingSeq: 0,
  slowHellos: 0,
};

function setStatus(word, detail = "") {
  if ($("status").textContent !== word) $("status").textContent = word;
  $("status-detail").textContent = detail;
}

// --- may this person speak now? ---------------------------------------------------------

// Why the box is closed, or what the person should know before sending: {block} closes
// the box and Send, {hold} keeps only Send off, {tick} marks a countdown's change.
function speakNow() {
  if (state.ended) return { block: true, words: state.ended.speak };
  if (!state.you) return { hold: true, words: "" };
  const lead = isFacilitator() || isClinician(); // not held by pause or the waiting room
  if (!isFacilitator()) {
    const mute = muteOf(state.you.handle);
    if (mute === null) return { block: true, words: "A facilitator muted you until they lift it. You can read along, and ask for support." };
    if (mute !== undefined) return { block: true, words: `A facilitator muted you until ${timeOf(mute)}. You can read along, and ask for support.` };
  }
  const p = state.phase;
  // once opens_at has passed the server takes a say, even before its `phase` arrives
  if (!lead && p && p.phase === "waiting" && p.opens_at > serverNow()) {
    return { block: true, tick: true, words: `The circle opens in ${clockLeft(p.opens_at - serverNow())}.` };
  }
  if (!lead && state.controls.paused) return { block: true, words: "The circle is paused: only facilitators speak for now." };
  if (state.rules) return { hold: true, words: "Please read and accept the ground rules above before your first message." };
  if (!state.ws) {
    return { words: "Reconnecting: what you send now goes out as soon as the connection is back." };
  }
  if (!lead && state.slowUntil > serverNow()) {
    return { hold: true, tick: true, words: `Slow mode: you can speak again in ${clockLeft(state.slowUntil - serverNow())}.` };
  }
  if (!lead && state.controls.slow) return { words: `Slow mode: one message every ${state.controls.slow} seconds.` };
  return { words: "" };
}

let lastSpeak = "";
function renderSpeak() {
  const now = speakNow();
  const box = $("speak-state");
  if (now.words !== lastSpeak) {
    // a countdown's every second is not news: only the first of it is announced
    const sameKind = now.tick && lastSpeak.slice(0, 12) === now.words.slice(0, 12);
    box.setAttribute("aria-live", sameKind ? "off" : "polite");
    box.textContent = now.words;
    lastSpeak = now.words;
  }
  box.hidden = !now.words;
  text.disabled = !!now.block;
  cw.disabled = !!now.block;
  $("send").disabled = !!(now.block || now.hold);
}

// Circle-wide facts under the safety note (what speak-state does not already say).
function renderControls() {
  const said = [];
  const lead = isFacilitator() || isClinician();
  const p = state.phase;
  if (lead && p && p.phase === "waiting") said.push(`Waiting room: the circle opens at ${timeOf(p.opens_at)}.`);
  if (p && p.phase === "closing") said.push(`The circle closes at ${timeOf(p.closes_at)}: time to wrap up.`);
  if (lead && state.controls.paused) said.push("Paused: only facilitators speak.");
  if (lead && state.controls.slow) said.push(`Slow mode: ${state.controls.slow} s for participants.`);
  if (state.controls.locked || state.controls.paused) said.push("No newcomers for now.");
  $("controls").textContent = said.join(" ");
  $("controls").hidden = said.length === 0 || !!state.ended;
}

// Once a second: countdowns, and mutes that run out unannounced.
let muteSignature = "";
function tick() {
  const signature = [...state.mutes.keys()].filter((h) => muteOf(h) !== undefined).join(",");
  if (signature !== muteSignature) {
    muteSignature = signature;
    renderMembers();
  }
  renderSpeak();
  if (isFacilitator() && state.phase && state.phase.phase === "waiting") renderConsoleControls();
}

function everythingChanged() {
  renderSpeak();
  renderControls();
  emit("controls");
}

// --- ground rules, crisis numbers, support ------------------------------------------------

// A participant accepts the circle's ground rules before their first message; the
// server refuses a say before that (rules_not_accepted), so Send waits too.
function showRules(rules) {
  state.rules = rules;
  $("rules").hidden = !rules;
  // while the rules wait to be read they get the room, and the messages the rest
  document.querySelector(".talk").classList.toggle("reading-rules", !!rules);
  if (rules) {
    // text, never markup: the rules come from the operator, but stay plain text here
    $("rules-text").replaceChildren(...rules.text.split(/\n+/).map((part) => el("p", "", part)));
  }
  renderSpeak();
}

function accept() {
  if (!state.rules) return;
  $("accept").disabled = true;
  $("rules-state").textContent = "";
  const sent = request(
    { type: "accept", version: state.rules.version },
    {
      done: () => {}, // `accepted` follows, on every connection of this member
      fail: (e) => {
        $("accept").disabled = false;
        $("rules-state").textContent =
          e.code === "conflict"
            ? "These ground rules have just changed. Please reload the page to read the new ones."
            : "That could not be recorded just now. Please try again.";
      },
    },
  );
  if (!sent) {
    $("accept").disabled = false;
    $("rules-state").textContent = "Not connected right now. Please try again in a moment.";
  }
}

// The crisis numbers the operator put in the circle's ground rules (the sentences with
// a number in them, from a line that names a crisis line, helpline or emergency number):
// the protocol's only place for them. Without any, the safety note's own sentence stands.
const PEER_SUPPORT = "Circles is peer support, not a crisis service.";
const GENERIC = `${PEER_SUPPORT} If you are in danger now, call your local emergency number.`;

function crisisNumbers(rulesText) {
  return rulesText
    .split(/\n+/)
    .map((line) => line.replace(/^\s*\d{1,2}[.)]\s*/, "").trim())
    .filter((line) => /crisis|emergency|helpline|hotline|lifeline|samaritans|suicide/i.test(line))
    .flatMap((line) => line.split(/(?<=[.!?])\s+/))
    .filter((sentence) => /\d{3}/.test(sentence))
    .slice(0, 3)
    .join(" ");
}

function showCrisisNumbers(rules) {
  const numbers = rules ? crisisNumbers(rules.text) : "";
  $("safety-text").textContent = numbers ? PEER_SUPPORT : GENERIC;
  $("crisis-numbers").textContent = numbers;
}

function askSupport() {
  const button = $("support-btn");
  const note = $("support-note").value.trim();
  const frame = { type: "support" };
  if (note) frame.note = note;
  button.disabled = true;
  $("support-state").textContent = "Sending to the facilitators…";
  const sent = request(frame, {
    done: (heard) => {
      button.disabled = false;
      $("support-note").value = "";
      $("support-more").open = false;
      // the server's words say who was told; a server that says nothing of it is covered
      const words = heard.text || "";
      $("support-state").textContent = /facilitator/i.test(words) ? words : `Sent to the facilitators. ${words}`.trim();
    },
    fail: (e) => {
      button.disabled = false;
      $("support-state").textContent =
        e.code === "rate_limited"
          ? `You asked a moment ago, and the facilitators were told. You can ask again${e.until ? ` at ${timeOf(e.until)}` : " in a minute"}.`
          : "That did not reach the facilitators. Please try again, or write to them in the circle.";
    },
  });
  if (!sent) {
    button.disabled = false;
    $("support-state").textContent = "Not connected right now. It will work again once the connection is back.";
  }
}

// --- frames from the server -------------------------------------------------------------

function onWelcome(w) {
  $("title").textContent = w.circle.title;
  document.title = `${w.circle.title} · Circles`;
  $("when").textContent = `${timeOf(w.circle.opens_at)}–${timeOf(w.circle.closes_at)}`;
  state.you = w.you;
  remember(w.you);
  if (w.resume === "reset") {
    resetList();
    state.retracted.clear();
    if (state.welcomed) notice("The circle's history was restarted.");
  } else if (w.resume === "gap") {
    notice(GAP);
  }
  state.epoch = w.epoch;
  state.hidden = [...(w.hidden || [])];
  setMembers(w.members);
  for (const id of w.retracted || []) onRetracted(id);
  onState(w.state || { locked: false, paused: false, slow: 0 }, true);
  if (w.phase) onPhase(w.phase, true);
  state.mutes.clear();
  for (const m of w.mutes || []) onMuted(m, true);
  showRules(w.rules && !w.accepted ? w.rules : null);
  showCrisisNumbers(w.rules);
  $("support").hidden = !isParticipant();
  if (isFacilitator() || isClinician()) startConsole();
  for (const m of w.history) showMessage(m);
  // Without more to follow, everything up to last_id has been received (what is left
  // out, hidden or retracted, leaves holes that nobody waits for).
  if (!w.more) state.lastId = Math.max(state.lastId ?? 0, w.last_id);
  if (isFacilitator() || isClinician()) onConsoleWelcome(w);
  state.welcomed = true;
  net.attempt = 0;
  net.slowHellos = 0;
  net.firstDelay = 0.5 + Math.random() * 2.5;
  setStatus("Connected");
  renderMembers();
  everythingChanged();
}

function onState(next, quietly) {
  const was = state.controls;
  state.controls = { locked: !!next.locked, paused: !!next.paused, slow: next.slow || 0 };
  if (!state.controls.slow) state.slowUntil = 0;
  if (!quietly) {
    if (state.controls.paused !== was.paused) {
      notice(state.controls.paused ? "The circle is paused: only facilitators speak for now." : "The circle is open to everyone's words again.");
    }
    // newcomers are the facilitators' concern; the header still says it to everyone
    if (state.controls.locked !== was.locked && (isFacilitator() || isClinician())) {
      notice(state.controls.locked ? "The circle is not taking newcomers for now." : "Newcomers may join the circle again.");
    }
    if (state.controls.slow !== was.slow) {
      notice(state.controls.slow ? `Slow mode: one message every ${state.controls.slow} seconds each.` : "Slow mode is off.");
    }
  }
  everythingChanged();
}

function onPhase(p, quietly) {
  const was = state.phase && state.phase.phase;
  state.phase = { phase: p.phase, opens_at: p.opens_at, closes_at: p.closes_at };
  state.skew = p.at - Date.now(); // count down from the server's clock, not this device's
  if (!quietly && was === "waiting" && p.phase !== "waiting") notice("The circle is open.");
  if (p.phase === "closing" && was !== "closing") notice(`The circle closes at ${timeOf(p.closes_at)}: time to wrap up.`);
  everythingChanged();
}

function onMuted(m, quietly) {
  remember(m.member);
  if (!m.member.handle) return;
  const until = m.until === undefined ? null : m.until;
  const news = state.mutes.get(m.member.handle) !== until; // a repeat after a catch-up is not
  state.mutes.set(m.member.handle, until);
  const mine = state.you && m.member.handle === state.you.handle;
  if (mine && news && !quietly) {
    notice(m.until === undefined ? "A facilitator muted you until they lift it." : `A facilitator muted you until ${timeOf(m.until)}.`);
  }
  renderMembers();
  renderSpeak();
}

function onUnmuted(m) {
  if (!m.member.handle) return;
  const was = state.mutes.delete(m.member.handle);
  if (was && state.you && m.member.handle === state.you.handle) notice("You may speak again.");
  renderMembers();
  renderSpeak();
}

// The words a person reads when their message was refused.
function refusal(e) {
  const until = e.until !== undefined ? timeOf(e.until) : null;
  switch (e.code) {
    case "forbidden":
      if (state.phase && state.phase.phase === "waiting") return `the circle opens at ${until || timeOf(state.phase.opens_at)}.`;
      if (until) return `you may not speak until ${until}.`;
      return "you may not speak right now (the circle may be paused).";
    case "rate_limited":
      if (e.until !== undefined) return `slow mode: you can speak again at ${new Date(e.until).toLocaleTimeString()}.`;
      return "too many messages at once; wait a moment.";
    case "rules_not_accepted":
      return "please accept the ground rules first.";
    case "too_large":
      return "the message is too long.";
    case "invalid_field":
      return "the message could not be read (is it empty, or does it hold unusual characters?).";
    case "conflict":
      return "the circle has changed; it may have ended.";
    default:
      return "the server could not take it just now; please try again.";
  }
}

function onError(e) {
  const waiting = e.ref ? state.requests.get(e.ref) : null;
  if (waiting) {
    state.requests.delete(e.ref);
    waiting.fail(e);
    return;
  }
  if (e.ref && state.pending.has(e.ref)) {
    if (e.code === "rate_limited" && e.until !== undefined) state.slowUntil = e.until;
    onSayRefused(e.ref, refusal(e));
    renderSpeak();
    return;
  }
  console.warn("circles: the server refused a frame:", e.code, e.detail);
}

// In slow mode a participant's next message waits: Send says how long, rather than the
// server refusing it.
function slowedFrom(ts) {
  if (!state.controls.slow || isFacilitator() || isClinician() || typeof ts !== "number") return;
  state.slowUntil = Math.max(state.slowUntil, ts + state.controls.slow * 1000);
  renderSpeak();
}

function answered(frame) {
  const waiting = state.requests.get(frame.ref);
  if (!waiting) return;
  state.requests.delete(frame.ref);
  waiting.done(frame);
}

function onFrame(ws, frame) {
  if (onConsoleFrame(frame)) return;
  switch (frame.type) {
    case "ping":
      // answered on the socket it came on, welcomed yet or not
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify(frame.n === undefined ? { type: "pong" } : { type: "pong", n: frame.n }));
      }
      break;
    case "pong":
      clearTimeout(net.probe);
      break;
    case "welcome":
      state.ws = ws;
      onWelcome(frame);
      // messages that were never confirmed go again with their own ref: the server
      // answers a repeat as it did the first time, without delivering it twice
      for (const say of state.outgoing.values()) send(say);
      for (const li of state.pending.values()) li.querySelector(".outcome").textContent = "Sending…";
      break;
    case "message":
      showMessage(frame);
      break;
    case "ack":
      onAck(frame, frame.note);
      slowedFrom(frame.ts);
      break;
    case "redacted": // delivered with parts replaced: the reason stays under the message
      onAck(frame, frame.reason);
      slowedFrom(frame.ts);
      break;
    case "held":
      onHeld(frame);
      break;
    case "blocked":
      onBlocked(frame);
      break;
    case "approved":
      onApproved(frame);
      break;
    case "rejected":
      onRejected(frame);
      break;
    case "state":
      onState(frame, false);
      break;
    case "phase":
      onPhase(frame, false);
      break;
    case "muted":
      onMuted(frame, false);
      break;
    case "unmuted":
      onUnmuted(frame);
      break;
    case "removed": // impersonal: nobody is named
      notice("A member was removed from the circle.");
      break;
    case "retracted":
      onRetracted(frame.id);
      break;
    case "accepted": // on every connection of this member
      if (!state.rules || frame.version === state.rules.version) showRules(null);
      $("accept").disabled = false;
      if (!text.disabled) text.focus();
      break;
    case "hidden":
      onHidden(frame.members);
      break;
    case "done":
    case "heard":
      answered(frame);
      break;
    case "error":
      onError(frame);
      break;
    case "presence":
      onPresence(frame);
      notice(`${frame.member.name} ${frame.action === "join" ? "joined" : "left"}.`);
      emit("members");
      break;
    case "members": // the server's fresh list after it had to catch up: replace ours
      setMembers(frame.members);
      emit("members");
      break;
    default: // a newer server's frame: skip it quietly
  }
}

// --- the connection ---------------------------------------------------------------------

function connect() {
  clearTimeout(net.timer);
  clearInterval(net.countdown);
  $("retry").hidden = true;
  setStatus(state.welcomed ? "Reconnecting…" : "Connecting…");
  let ws;
  try {
    ws = new WebSocket(wsUrl, [SUBPROTOCOL]);
  } catch {
    end(0, "");
    return;
  }
  state.socket = ws;
  net.lastHeard = Date.now();
  ws.addEventListener("open", () => {
    const hello = { type: "hello", token };
    // the resume point: the highest id received, with the epoch it belongs to
    if (state.lastId !== null && state.epoch) Object.assign(hello, { last_id: state.lastId, epoch: state.epoch });
    ws.send(JSON.stringify(hello));
  });
  ws.addEventListener("message", (event) => {
    if (ws !== state.socket) return; // a connection given up on
    net.lastHeard = Date.now();
    if (typeof event.data !== "string") return; // the JSON subprotocol is text only
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    try {
      onFrame(ws, frame);
    } catch (err) {
      console.error("circles: could not show a frame of type", frame.type, err);
    }
  });
  ws.addEventListener("close", (event) => {
    if (ws !== state.socket) return;
    closed(event.code, event.reason);
  });
}

function closed(code, reason) {
  state.socket = null;
  state.ws = null;
  clearTimeout(net.probe);
  dropRequests();
  // 4408: this device was too slow to say hello (a busy phone, a slow network), not a
  // refusal; trying again a few times costs nothing.
  const slowHello = code === 4408 && net.slowHellos++ < SLOW_HELLO_RETRIES;
  const again = RECONNECT.has(code) || slowHello;
  onDisconnected(again);
  if (again) later();
  else end(code, reason);
  renderSpeak();
}

// Give up on a connection that no longer answers (a network that changed under it), and
// reconnect at once: the resume point makes sure nothing is missed or shown twice.
function abandon() {
  if (drop()) connect();
}

// Close the connection and forget it, its messages on their way kept for the next one.
function drop() {
  const ws = state.socket;
  if (!ws) return false;
  state.socket = null; // its close event, whenever it comes, is ignored
  state.ws = null;
  try {
    ws.close(1000);
  } catch {
    // closing a dead socket may throw; it is gone either way
  }
  clearTimeout(net.probe);
  dropRequests();
  onDisconnected(true);
  renderSpeak();
  return true;
}

function later() {
  const capped = Math.min(30, net.firstDelay * 2 ** net.attempt);
  const delay = capped >= 30 ? 30 * (0.8 + 0.2 * Math.random()) : capped;
  net.attempt += 1;
  let left = Math.ceil(delay);
  const word = () => (navigator.onLine === false ? "Offline" : "Reconnecting…");
  const tell = () => setStatus(word(), `Trying again in ${left} s.`);
  tell();
  net.countdown = setInterval(() => {
    left = Math.max(0, left - 1);
    tell();
  }, 1000);
  net.timer = setTimeout(connect, delay * 1000);
  $("retry").hidden = false;
}

function end(code, reason) {
  clearTimeout(net.timer);
  clearInterval(net.countdown);
  const plain = FAREWELL[code] || `The connection ended (code ${code}).`;
  const same = reason && plain.toLowerCase().includes(reason.toLowerCase()); // said already
  state.ended = { code, speak: SPEAK_ENDED[code] || `Not connected. ${plain}` };
  setStatus(code === 4431 ? "Ended" : "Disconnected", `${plain}${reason && !same ? ` (${reason})` : ""}`);
  // locked or full: not for ever; the person may try again when they choose
  $("retry").hidden = !TRY_LATER.has(code);
  if (code === 4430 || code === 4431) notice(plain);
  $("support").hidden = true;
  $("hide-box").hidden = true;
  if (isFacilitator() || isClinician()) stopConsole();
  renderControls();
}

// --- speaking ---------------------------------------------------------------------------

function submit(event) {
  event.preventDefault();
  formError.hidden = true;
  const message = text.value.trim();
  const label = cw.value.trim();
  if ($("send").disabled) return;
  if (!message) {
    formError.textContent = "Type a message first.";
    formError.hidden = false;
    return;
  }
  const ref = `${state.refPrefix}-${++state.refSeq}`;
  const frame = { type: "say", ref, text: message };
  if (label) frame.cw = label;
  showPending(ref, message, label);
  state.outgoing.set(ref, frame);
  if (!send(frame)) state.pending.get(ref).querySelector(".outcome").textContent = "Will be sent when the connection is back…";
  text.value = "";
  cw.value = "";
  $("cw-box").open = false;
  text.focus();
}

// --- start --------------------------------------------------------------------------------

function start() {
  if (!circleId || !token) {
    $("nolink").hidden = false;
    setStatus("Not connected", "This page needs a circle link.");
    return;
  }
  $("circle").hidden = false;
  $("compose").addEventListener("submit", submit);
  $("accept").addEventListener("click", accept);
  $("support-btn").addEventListener("click", askSupport);
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("compose").requestSubmit();
    }
  });
  $("retry").addEventListener("click", () => {
    if (state.ended && TRY_LATER.has(state.ended.code)) state.ended = null;
    if (!state.ended && !state.socket) connect();
  });
  // This device has no network: its connection is dead even if the socket has not
  // noticed yet. Wait for the network rather than retrying into nothing.
  window.addEventListener("offline", () => {
    if (state.ended) return;
    drop();
    clearTimeout(net.timer);
    clearInterval(net.countdown);
    setStatus("Offline", "Waiting for the network to come back.");
    $("retry").hidden = false;
  });
  // Back online: no reason to wait out the backoff; and a connection that survived the
  // outage must prove it is still alive.
  window.addEventListener("online", () => {
    if (state.ended) return;
    if (!state.socket) {
      connect();
      return;
    }
    if (state.ws) {
      send({ type: "ping", n: ++net.pingSeq });
      clearTimeout(net.probe);
      net.probe = setTimeout(abandon, PROBE_MS);
    }
  });
  // In-page links move focus without touching the address (a reload must still work).
  $("skip").addEventListener("click", (event) => {
    event.preventDefault();
    text.focus();
  });
  $("skip-console").addEventListener("click", (event) => {
    event.preventDefault();
    $("console").focus();
  });
  // Another circle link pasted into this tab: start over with it.
  window.addEventListener("hashchange", () => {
    const next = new URLSearchParams(location.hash.slice(1));
    if (next.get("token") || (next.get("circle") && next.get("circle") !== circleId)) {
      location.reload();
    }
  });
  setInterval(() => {
    if (state.ws && Date.now() - net.lastHeard > SILENCE_MS) abandon();
    tick();
  }, 1000);
  connect();
}

start();
