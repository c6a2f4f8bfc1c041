// Circles participant page: protocol v1 over the JSON subprotocol, no build step.
// Text from the network is only ever set with textContent, never as HTML.
(() => {
  "use strict";

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
    4430: "You were removed from this circle.",
    4431: "The circle has ended. Thank you for being here.",
  };
  const GAP = "Some messages from while you were away are no longer available.";

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

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
  if (!circleId || !token) {
    $("nolink").hidden = false;
    $("status").textContent = "Not connected: no circle link.";
    return;
  }
  $("circle").hidden = false;

  const wsUrl = (() => {
    const url = new URL(`v1/circles/${encodeURIComponent(circleId)}/ws`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.hash = "";
    url.search = "";
    return url.href;
  })();

  const state = {
    socket: null, // the current socket, connecting or open
    ws: null, // the same socket once welcomed, else null
    lastId: null, // highest message id shown
    epoch: null,
    welcomed: false, // ever, on this page
    members: new Map(), // name -> role
    you: null,
    pending: new Map(), // ref -> list item of an own message not yet confirmed
    notes: new Map(), // message id -> words the server had for this person alone (ack.note)
    outgoing: new Map(), // ref -> the say frame, sent again with the same ref after a reconnect
    // refs must never repeat for this member (the server treats a repeat as a resend),
    // so each page load gets its own random prefix
    refPrefix: Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join(""),
    refSeq: 0,
    attempt: 0,
    firstDelay: 0.5 + Math.random() * 2.5, // jitter spreads out a whole circle reconnecting
    timer: null,
    countdown: null,
    ended: false,
    controls: { locked: false, paused: false, slow: 0 }, // the facilitators' controls in effect
    mutedUntil: undefined, // this person's mute: undefined none, null no end, else epoch ms
    muteTimer: null,
    held: new Map(), // ref -> list item of an own message held for a facilitator
    retracted: new Set(), // ids of messages taken out of the circle: never shown
    rules: null, // the circle's ground rules {text, version}, until accepted
    phase: null, // {phase: waiting|open|closing, opens_at, closes_at, skew}: skew = server - us
    phaseTimer: null,
  };

  const log = $("log");
  const list = $("messages");
  const text = $("text");
  const cw = $("cw");
  const formError = $("form-error");

  function setStatus(message) {
    $("status").textContent = message;
  }

  function timeOf(ms) {
    const date = new Date(ms);
    return Number.isNaN(date.getTime())
      ? "--:--"
      : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // Keep the newest message in view only when the reader was already at the bottom.
  function withScroll(change) {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    change();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  // --- who is here -------------------------------------------------------------------

  function renderMembers() {
    const ul = $("members");
    ul.replaceChildren();
    const people = [...state.members].sort(
      ([a, ra], [b, rb]) => (ra === rb ? a.localeCompare(b) : ra === "facilitator" ? -1 : 1),
    );
    for (const [name, role] of people) {
      const li = el("li", "member", name);
      if (role === "facilitator") li.append(" ", el("span", "badge", "facilitator"));
      if (state.you && name === state.you.name) li.append(" ", el("span", "quiet", "(you)"));
      ul.append(li);
    }
  }

  // --- the message list --------------------------------------------------------------

  function notice(message) {
    withScroll(() => list.append(el("li", "notice", message)));
  }

  function header(name, role, when) {
    const head = el("p", "head");
    head.append(el("span", "name", name));
    if (role === "facilitator") head.append(" ", el("span", "badge", "facilitator"));
    head.append(" ", el("time", "time", when));
    return head;
  }

  let foldSeq = 0;
  function body(message, label) {
    const para = el("p", "text", message);
    if (!label) return [para];
    para.id = `fold-${++foldSeq}`;
    para.hidden = true;
    const button = el("button", "fold", `Content warning: ${label}. Show message`);
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", para.id);
    button.addEventListener("click", () => {
      const open = para.hidden;
      para.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = `Content warning: ${label}. ${open ? "Hide" : "Show"} message`;
    });
    return [button, para];
  }

  // Words for this person alone, under their own message: quiet, and said to be private.
  function addNote(li, note) {
    if (li.querySelector(".note")) return;
    const para = el("p", "note", note);
    para.prepend(el("span", "note-label", "Only you can see this: "));
    li.append(para);
  }

  function showMessage(m) {
    if (state.lastId !== null && m.id <= state.lastId) return; // already shown before a reconnect
    state.lastId = m.id;
    if (state.retracted.has(m.id)) return;
    const li = el("li", "message");
    li.dataset.id = String(m.id);
    li.append(header(m.name, m.role, timeOf(m.ts)), ...body(m.text, m.cw));
    if (state.notes.has(m.id)) addNote(li, state.notes.get(m.id));
    withScroll(() => {
      for (const item of list.querySelectorAll(`li.own[data-id="${m.id}"]`)) item.remove();
      // Ids are the circle's order; own unconfirmed messages stay below the confirmed ones.
      const after = [...list.children].find(
        (node) => node.classList.contains("own") || Number(node.dataset.id) > m.id,
      );
      list.insertBefore(li, after || null);
    });
  }

  function showPending(ref, message, label) {
    const li = el("li", "message own");
    const name = state.you ? state.you.name : "You";
    const status = el("p", "pending", "Sending…");
    li.append(header(name, state.you && state.you.role, "now"), ...body(message, label), status);
    state.pending.set(ref, li);
    withScroll(() => list.append(li));
  }

  function settle(ref, outcome, failed) {
    const li = state.pending.get(ref);
    state.outgoing.delete(ref);
    if (!li) return false;
    state.pending.delete(ref);
    li.querySelector(".pending").textContent = outcome;
    if (failed) li.classList.replace("own", "failed"); // no longer kept below the others
    return true;
  }

  // --- the facilitators' controls ---------------------------------------------------

  // What is in effect for this person, in one line under the safety note. Sending stays
  // possible: a muted person reaching out is still heard by the facilitators.
  function renderControls() {
    const said = [];
    if (state.mutedUntil === null) said.push("You are muted until a facilitator lifts it. You can still read along.");
    else if (state.mutedUntil !== undefined && state.mutedUntil > Date.now()) {
      said.push(`You are muted until ${timeOf(state.mutedUntil)}. You can still read along.`);
    }
    if (state.controls.paused) said.push("The circle is paused: only facilitators speak for now.");
    else if (state.controls.slow) said.push(`Slow mode: one message every ${state.controls.slow} seconds.`);
    if (state.controls.locked || state.controls.paused) said.push("No newcomers for now.");
    const phase = state.phase;
    if (phase && phase.phase === "waiting") {
      // count down from the server's clock, not this device's
      const left = Math.max(0, phase.opens_at - (Date.now() + phase.skew));
      const minutes = Math.ceil(left / 60000);
      said.push(`The circle opens at ${timeOf(phase.opens_at)} (in ${minutes} min). You can read along and wait here.`);
    } else if (phase && phase.phase === "closing") {
      said.push(`The circle closes at ${timeOf(phase.closes_at)}.`);
    }
    $("controls").textContent = said.join(" ");
    $("controls").hidden = said.length === 0;
    // a mute that runs out is not announced: its end was said; show it ending on time
    clearTimeout(state.phaseTimer);
    if (phase && phase.phase === "waiting") state.phaseTimer = setTimeout(renderControls, 15000);
    clearTimeout(state.muteTimer);
    if (typeof state.mutedUntil === "number" && state.mutedUntil > Date.now()) {
      state.muteTimer = setTimeout(renderControls, state.mutedUntil - Date.now() + 250);
    }
  }

  function onState(next, quietly) {
    const was = state.controls;
    state.controls = { locked: !!next.locked, paused: !!next.paused, slow: next.slow || 0 };
    if (!quietly) {
      if (next.paused !== was.paused) {
        notice(next.paused ? "The circle is paused: only facilitators speak for now." : "The circle is open to everyone's words again.");
      }
      if (next.locked !== was.locked) {
        notice(next.locked ? "The circle is not taking newcomers for now." : "Newcomers may join the circle again.");
      }
      if ((next.slow || 0) !== was.slow) {
        notice(next.slow ? `Slow mode: one message every ${next.slow} seconds each.` : "Slow mode is off.");
      }
    }
    renderControls();
  }

  const mine = (member) => !!(state.you && member && member.handle && member.handle === state.you.handle);

  function onPhase(p) {
    const was = state.phase && state.phase.phase;
    state.phase = { phase: p.phase, opens_at: p.opens_at, closes_at: p.closes_at, skew: p.at - Date.now() };
    if (was === "waiting" && p.phase === "open") notice("The circle is open.");
    if (p.phase === "closing" && was !== "closing") notice(`The circle closes at ${timeOf(p.closes_at)}.`);
    renderControls();
  }

  function onMuted(m) {
    if (!mine(m.member)) return; // a facilitator's console shows others' mutes; this page does not
    state.mutedUntil = m.until === undefined ? null : m.until;
    notice(m.until === undefined ? "You are muted until a facilitator lifts it." : `You are muted until ${timeOf(m.until)}.`);
    renderControls();
  }

  function onUnmuted(m) {
    if (!mine(m.member)) return;
    state.mutedUntil = undefined;
    notice("You may speak again.");
    renderControls();
  }

  function onRetracted(id) {
    state.retracted.add(id);
    withScroll(() => {
      for (const item of list.querySelectorAll(`li.message[data-id="${id}"]`)) item.remove();
    });
  }

  // --- frames from the server --------------------------------------------------------

  function onWelcome(w) {
    $("title").textContent = w.circle.title;
    document.title = `${w.circle.title} · Circles`;
    $("when").textContent = `Open ${timeOf(w.circle.opens_at)}–${timeOf(w.circle.closes_at)}`;
    state.you = w.you;
    state.members = new Map(w.members.map((m) => [m.name, m.role]));
    renderMembers();
    if (w.resume === "reset") {
      list.replaceChildren();
      state.lastId = null;
      state.notes.clear(); // ids start again
      if (state.welcomed) notice("The circle's history was restarted.");
    } else if (w.resume === "gap") {
      notice(GAP);
    }
    state.epoch = w.epoch;
    for (const id of w.retracted || []) onRetracted(id);
    onState(w.state || { locked: false, paused: false, slow: 0 }, true);
    if (w.phase) onPhase(w.phase);
    const own = (w.mutes || []).find((m) => mine(m.member));
    state.mutedUntil = own ? (own.until === undefined ? null : own.until) : undefined;
    renderControls();
    showRules(w.rules && !w.accepted ? w.rules : null);
    for (const m of w.history) showMessage(m);
    // Without more to follow, everything up to last_id has now been shown.
    if (!w.more) state.lastId = Math.max(state.lastId ?? 0, w.last_id);
    state.welcomed = true;
    state.attempt = 0;
    state.firstDelay = 0.5 + Math.random() * 2.5;
    setStatus("Connected.");
    $("send").disabled = Boolean(state.rules);
  }

  // A participant accepts the circle's ground rules before their first message; the
  // server refuses a say before that (rules_not_accepted), so the box waits too.
  function showRules(rules) {
    state.rules = rules;
    $("rules").hidden = !rules;
    if (rules) {
      // text, never markup: the rules come from the operator, but stay plain text here
      $("rules-text").replaceChildren(
        ...rules.text.split(/\n{2,}/).map((part) => {
          const p = document.createElement("p");
          p.textContent = part;
          return p;
        }),
      );
    }
    $("send").disabled = !state.ws || Boolean(rules);
  }

  function accept() {
    if (!state.ws || !state.rules) return;
    const ref = `${state.refPrefix}-${++state.refSeq}`;
    send(state.ws, { type: "accept", ref, version: state.rules.version });
    $("accept").disabled = true;
  }

  function onError(e) {
    let detail = e.detail || "Something went wrong.";
    if (e.until !== undefined) detail += ` (until ${timeOf(e.until)})`;
    if (e.ref && settle(e.ref, `Not sent: ${detail}`, true)) return;
    formError.textContent = detail;
    formError.hidden = false;
  }

  function onPresence(p) {
    const { name, role } = p.member;
    if (p.action === "join") state.members.set(name, role);
    else state.members.delete(name);
    renderMembers();
    notice(`${name} ${p.action === "join" ? "joined" : "left"}.`);
  }

  function onFrame(ws, frame) {
    switch (frame.type) {
      case "ping":
        send(ws, frame.n === undefined ? { type: "pong" } : { type: "pong", n: frame.n });
        break;
      case "welcome":
        state.ws = ws;
        onWelcome(frame);
        // messages that were never confirmed go again with their own ref: the server
        // acknowledges a repeat without delivering it twice
        for (const [ref, say] of state.outgoing) send(ws, say);
        break;
      case "message":
        showMessage(frame);
        break;
      case "held": { // waits for a facilitator; the reason is the server's caring words
        const li = state.pending.get(frame.ref);
        settle(frame.ref, frame.reason);
        if (li) state.held.set(frame.ref, li);
        break;
      }
      case "approved": { // shared after all: the message itself shows in the circle's order
        const li = state.held.get(frame.ref);
        state.held.delete(frame.ref);
        if (li) li.remove();
        break;
      }
      case "rejected": {
        const li = state.held.get(frame.ref);
        state.held.delete(frame.ref);
        if (li) {
          li.querySelector(".pending").textContent = frame.reason;
          li.classList.replace("own", "failed");
        } else notice(frame.reason);
        break;
      }
      case "state":
        onState(frame, false);
        break;
      case "muted":
        onMuted(frame);
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
      case "phase":
        onPhase(frame);
        break;
      case "accepted": // on every connection of this member
        if (!state.rules || frame.version === state.rules.version) showRules(null);
        $("accept").disabled = false;
        text.focus();
        break;
      case "done": // the answer to a facilitator's command: nothing to show on this page
      case "decided":
        break;
      case "blocked":
        settle(frame.ref, `Not shared: ${frame.reason}`, true);
        break;
      case "redacted":
        notice(frame.reason);
      // falls through: otherwise it is an ack
      case "ack":
        if (frame.note) {
          // the pipeline's words for the sender (a circle that delivers messages in which
          // someone reaches out): kept by id, so they stay under the message once it shows
          state.notes.set(frame.id, frame.note);
          const shown =
            list.querySelector(`li.message:not(.own)[data-id="${frame.id}"]`) ||
            state.pending.get(frame.ref);
          if (shown) addNote(shown, frame.note);
        }
        if (state.lastId !== null && frame.id <= state.lastId) {
          const li = state.pending.get(frame.ref); // the message itself came first
          state.pending.delete(frame.ref);
          state.outgoing.delete(frame.ref);
          if (li) li.remove();
        } else if (state.pending.has(frame.ref)) {
          state.pending.get(frame.ref).dataset.id = String(frame.id);
          settle(frame.ref, "Sent.");
        }
        break;
      case "error":
        onError(frame);
        break;
      case "presence":
        onPresence(frame);
        break;
      case "members": // the server's fresh list after it had to catch up: replace ours
        state.members = new Map(frame.members.map((m) => [m.name, m.role]));
        renderMembers();
        break;
      default: // a newer server's frame: skip it quietly
    }
  }

  // --- the connection ----------------------------------------------------------------

  function send(ws, frame) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function connect() {
    clearTimeout(state.timer);
    clearInterval(state.countdown);
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
    ws.addEventListener("open", () => {
      const hello = { type: "hello", token };
      if (state.lastId !== null) Object.assign(hello, { last_id: state.lastId, epoch: state.epoch });
      send(ws, hello);
    });
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return; // the JSON subprotocol is text only
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      try {
        onFrame(ws, frame);
      } catch (err) {
        console.error("could not show a frame of type", frame && frame.type, err);
      }
    });
    ws.addEventListener("close", (event) => {
      state.socket = null;
      state.ws = null;
      $("send").disabled = true;
      const again = RECONNECT.has(event.code);
      if (again) {
        for (const li of state.pending.values()) {
          li.querySelector(".pending").textContent = "Will be sent when the connection is back…";
        }
      } else {
        for (const ref of [...state.pending.keys()]) settle(ref, "Not sent: the connection ended.", true);
      }
      if (again) later();
      else end(event.code, event.reason);
    });
  }

  function later() {
    const capped = Math.min(30, state.firstDelay * 2 ** state.attempt);
    const delay = capped >= 30 ? 30 * (0.8 + 0.2 * Math.random()) : capped;
    state.attempt += 1;
    let left = Math.ceil(delay);
    const tell = () => setStatus(`Connection lost. Reconnecting in ${left} s…`);
    tell();
    state.countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      tell();
    }, 1000);
    state.timer = setTimeout(connect, delay * 1000);
    $("retry").hidden = false;
  }

  function end(code, reason) {
    state.ended = true;
    const plain = FAREWELL[code] || `The connection ended (code ${code}).`;
    const same = reason && plain.toLowerCase().includes(reason.toLowerCase()); // said already
    setStatus(`Ended. ${plain}${reason && !same ? ` (${reason})` : ""}`);
  }

  // --- speaking ----------------------------------------------------------------------

  function submit(event) {
    event.preventDefault();
    formError.hidden = true;
    const message = text.value.trim();
    const label = cw.value.trim();
    if (!message) {
      formError.textContent = "Type a message first.";
      formError.hidden = false;
      return;
    }
    if (state.rules) {
      formError.textContent = "Please read and accept the ground rules above first.";
      formError.hidden = false;
      $("accept").focus();
      return;
    }
    if (!state.ws) {
      formError.textContent = state.ended
        ? "The connection has ended (see above), so this message cannot be sent."
        : "Not connected right now. Your message is still in the box.";
      formError.hidden = false;
      return;
    }
    const ref = `${state.refPrefix}-${++state.refSeq}`;
    const frame = { type: "say", ref, text: message };
    if (label) frame.cw = label;
    showPending(ref, message, label);
    state.outgoing.set(ref, frame);
    send(state.ws, frame);
    text.value = "";
    cw.value = "";
    $("cw-box").open = false;
    text.focus();
  }

  $("compose").addEventListener("submit", submit);
  $("accept").addEventListener("click", accept);
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("compose").requestSubmit();
    }
  });
  $("retry").addEventListener("click", () => {
    if (!state.ended && !state.socket) connect();
  });
  // Back online after a network loss: no reason to wait out the backoff.
  window.addEventListener("online", () => {
    if (!state.ended && !state.socket) connect();
  });
  // The skip link moves focus without touching the address (a reload must still work).
  $("skip").addEventListener("click", (event) => {
    event.preventDefault();
    text.focus();
  });

  // Another circle link pasted into this tab: start over with it. (In-page anchors
  // such as the skip link change the hash too, and must not.)
  window.addEventListener("hashchange", () => {
    const next = new URLSearchParams(location.hash.slice(1));
    if (next.get("token") || (next.get("circle") && next.get("circle") !== circleId)) {
      location.reload();
    }
  });

  connect();
})();
