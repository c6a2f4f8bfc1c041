// The facilitator console (and the on-call professional's read-only view of it): alerts,
// the review queue, escalations, the members' controls and the circle's controls.
// Every command names members by handle and held messages by hold, as the protocol says.

import { $, button, clockLeft, el, labelled, riskWords, timeEl, timeOf, uid } from "./dom.js";
import { keepingFocus, renderMembers, setMemberTools } from "./people.js";
import { isFacilitator, isMe, muteOf, nameOf, on, remember, request, serverNow, state } from "./state.js";
import { messageItem, setMessageTools } from "./talk.js";

const con = {
  reviews: new Map(), // hold -> review frame, in arrival order (oldest first)
  alertKeys: new Set(), // one alert per support request, flag or held message
  escalations: new Map(), // id -> li
  open: null, // {kind: "mute" | "remove", handle}: the one inline form open now
  minutes: "10", // what the "Minutes" field held last
};

const ERRORS = {
  forbidden: "that is not allowed",
  not_found: "not found in this circle (they may have left, or it is gone already)",
  conflict: "that no longer fits: it was done already, or the circle changed",
  invalid_field: "the request was not valid",
  too_large: "the request was too long",
  rate_limited: "too many requests at once; wait a moment",
  unavailable: "the connection or the server is busy; please try again",
  internal: "the server failed; please try again",
};

// One line, polite, saying what the last command did.
function say(words) {
  $("console-state").textContent = words;
}

function command(frame, doing, done, then) {
  say(`${doing}…`);
  const sent = request(frame, {
    done: () => {
      say(done);
      if (then) then(true);
    },
    fail: (e) => {
      say(`Could not ${doing.charAt(0).toLowerCase()}${doing.slice(1)}: ${ERRORS[e.code] || e.code}.`);
      if (then) then(false);
    },
  });
  if (!sent) {
    say("Not connected right now; nothing was sent. Try again once connected.");
    if (then) then(false);
  }
  return sent;
}

// --- members: mute, unmute, remove ---------------------------------------------------

// Close the open inline form; focus goes back to the button that opened it.
function closeForms() {
  const was = con.open;
  con.open = null;
  renderMembers();
  const back = was && $("members").querySelector(`[data-key="${was.kind}:${CSS.escape(was.handle)}"]`);
  if (back) back.focus();
}

function openForm(kind, handle) {
  con.open = { kind, handle };
  renderMembers();
  const first = $("members").querySelector(`[data-key="${kind}-first:${CSS.escape(handle)}"]`);
  if (first) first.focus();
}

function muteForm(m) {
  const form = el("form", "inline-form");
  form.noValidate = true;
  const minutes = el("input", "minutes");
  minutes.type = "number";
  minutes.min = "1";
  minutes.max = "1440";
  minutes.step = "1";
  minutes.inputMode = "numeric";
  minutes.value = con.minutes;
  minutes.dataset.key = `mute-first:${m.handle}`;
  const hint = el("p", "quiet", "1 to 1440; leave empty to mute until you unmute.");
  hint.id = uid("hint");
  minutes.setAttribute("aria-describedby", hint.id);
  minutes.addEventListener("input", () => {
    con.minutes = minutes.value;
  });
  const confirm = el("button", "primary", "Confirm mute");
  confirm.type = "submit";
  confirm.dataset.key = `mute-confirm:${m.handle}`;
  const cancel = button("Cancel", closeForms);
  form.append(labelled("Minutes", minutes), minutes, hint, confirm, " ", cancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const raw = minutes.value.trim();
    const n = Number(raw);
    if (raw && !(Number.isInteger(n) && n >= 1 && n <= 1440)) {
      hint.textContent = "Please give whole minutes, from 1 to 1440, or leave it empty.";
      minutes.focus();
      return;
    }
    const frame = { type: "mute", member: m.handle };
    if (raw) frame.minutes = n;
    command(frame, `Muting ${m.name}`, raw ? `${m.name} is muted for ${n} min.` : `${m.name} is muted until you unmute them.`);
    closeForms();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeForms();
  });
  return form;
}

function removeForm(m) {
  const box = el("div", "inline-form confirm");
  box.setAttribute("role", "group");
  const ask = el("p", "", `Remove ${m.name} from this circle for good? They cannot come back.`);
  ask.id = uid("ask");
  box.setAttribute("aria-labelledby", ask.id);
  const yes = button("Confirm remove", () => {
    con.open = null;
    command({ type: "remove", member: m.handle }, `Removing ${m.name}`, `${m.name} was removed from the circle.`);
    renderMembers();
  }, "danger");
  const no = button("Cancel", closeForms);
  no.dataset.key = `remove-first:${m.handle}`;
  box.append(ask, yes, " ", no);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeForms();
  });
  return box;
}

function memberTools(li, m) {
  if (!isFacilitator()) return;
  const tools = el("div", "tools");
  // a clinician cannot be muted, only removed (a forwarded join link must not keep a
  // stranger in)
  const mutable = m.role !== "clinician";
  if (mutable) {
    const mute = button(`Mute ${m.name}`, () => openForm("mute", m.handle), "small");
    mute.dataset.key = `mute:${m.handle}`;
    tools.append(mute);
  }
  if (mutable && muteOf(m.handle) !== undefined) {
    const unmute = button(`Unmute ${m.name}`, () => {
      unmute.disabled = true;
      command({ type: "unmute", member: m.handle }, `Unmuting ${m.name}`, `${m.name} may speak again.`, () => {
        unmute.disabled = false;
      });
    }, "small");
    unmute.dataset.key = `unmute:${m.handle}`;
    tools.append(unmute);
  }
  const remove = button(`Remove ${m.name}`, () => openForm("remove", m.handle), "small");
  remove.dataset.key = `remove:${m.handle}`;
  tools.append(remove);
  li.append(tools);
  if (con.open && con.open.handle === m.handle) {
    li.append(con.open.kind === "mute" ? muteForm(m) : removeForm(m));
  }
}

// --- a facilitator may take a delivered message out of the circle ----------------------

function messageTools(li, m) {
  if (!isFacilitator()) return;
  const take = button("Take out", () => {
    take.hidden = true;
    const box = el("span", "confirm");
    const yes = button("Confirm take out", () => {
      box.remove();
      command({ type: "retract", id: m.id }, `Taking out ${m.name}'s message`, "The message was taken out of the circle.", (ok) => {
        if (!ok) take.hidden = false;
      });
    }, "danger small");
    const no = button("Cancel", () => {
      box.remove();
      take.hidden = false;
      take.focus();
    }, "small");
    box.append(" Take it out for everyone? ", yes, " ", no);
    li.querySelector(".head").append(box);
    no.focus();
  }, "link take-out");
  take.setAttribute("aria-label", `Take out ${m.name}'s message`);
  li.querySelector(".head").append(" ", take);
}

// --- the circle's controls ----------------------------------------------------------------

export function renderControls() {
  const c = state.controls;
  $("lock").textContent = c.locked ? "Unlock circle" : "Lock circle";
  $("pause").textContent = c.paused ? "Resume" : "Pause";
  const slow = $("slow-seconds");
  if (document.activeElement !== slow) slow.value = String(c.slow);
  const words = [
    c.locked ? "Not taking newcomers." : "Newcomers may join.",
    c.paused ? "Paused: only facilitators speak." : "Everyone may speak.",
    c.slow ? `Slow mode: one message every ${c.slow} s each.` : "Slow mode is off.",
  ];
  const p = state.phase;
  if (p && p.phase === "waiting") {
    words.unshift(`Waiting room: opens in ${clockLeft(p.opens_at - serverNow())} (at ${timeOf(p.opens_at)}).`);
  }
  $("controls-now").textContent = words.join(" ");
  $("open-now").hidden = !(p && p.phase === "waiting");
}

function wireControls() {
  $("lock").addEventListener("click", () => {
    const locked = state.controls.locked;
    command({ type: locked ? "unlock" : "lock" }, locked ? "Unlocking the circle" : "Locking the circle", locked ? "Newcomers may join again." : "The circle is locked: no newcomers.");
  });
  $("pause").addEventListener("click", () => {
    const paused = state.controls.paused;
    command({ type: paused ? "resume" : "pause" }, paused ? "Resuming the circle" : "Pausing the circle", paused ? "Everyone may speak again." : "The circle is paused: only facilitators speak.");
  });
  $("open-now").addEventListener("click", () => {
    command({ type: "open" }, "Opening the circle", "The circle is open.");
  });
  $("slow-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const raw = $("slow-seconds").value.trim();
    const n = Number(raw);
    if (!raw || !Number.isInteger(n) || n < 0 || n > 600) {
      say("Slow mode takes whole seconds from 0 (off) to 600.");
      $("slow-seconds").focus();
      return;
    }
    command({ type: "slow", seconds: n }, "Setting slow mode", n ? `Slow mode: one message every ${n} s each.` : "Slow mode is off.");
  });
  $("end").addEventListener("click", () => {
    $("end").hidden = true;
    $("end-confirm").hidden = false;
    $("end-cancel").focus();
  });
  const cancelEnd = () => {
    $("end-confirm").hidden = true;
    $("end").hidden = false;
    $("end").focus();
  };
  $("end-cancel").addEventListener("click", cancelEnd);
  $("end-confirm").addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancelEnd();
  });
  $("end-yes").addEventListener("click", () => {
    $("end-confirm").hidden = true;
    $("end").hidden = false;
    command({ type: "end" }, "Ending the circle", "The circle has ended.");
  });
}

// --- held for review ------------------------------------------------------------------------

function riskTag(risk) {
  if (!risk || risk === "none") return null;
  const tag = el("span", "risk", riskWords(risk));
  tag.dataset.risk = risk;
  return tag;
}

function reviewItem(r) {
  const li = el("li", "review");
  li.dataset.hold = r.hold;
  li.tabIndex = -1;
  const head = el("p", "head");
  head.append(el("span", "who", r.name), " ", timeEl(r.ts, "time"));
  const risk = riskTag(r.risk);
  if (risk) head.append(" ", risk);
  li.append(head);
  if (r.cw) li.append(el("p", "cw-label", `Content warning: ${r.cw}`));
  const text = el("p", "text", r.text);
  text.id = uid("held-text");
  li.append(text);
  const why = (r.reasons || []).join("; ") || "held by the screening";
  li.append(el("p", "reason", `Why held: ${why}`));
  if (isFacilitator()) {
    const tools = el("div", "tools");
    const decide = (kind) => {
      const b = button(kind === "approve" ? "Approve" : "Reject", () => {
        for (const x of tools.querySelectorAll("button")) x.disabled = true;
        const doing = kind === "approve" ? `Sharing ${r.name}'s held message` : `Keeping ${r.name}'s message back`;
        const done = kind === "approve" ? `${r.name}'s message was shared with the circle.` : `${r.name}'s message was kept back.`;
        command({ type: kind, hold: r.hold }, doing, done, (ok) => {
          if (!ok) for (const x of tools.querySelectorAll("button")) x.disabled = false;
        });
      }, kind === "approve" ? "small primary" : "small");
      b.dataset.key = `${kind}:${r.hold}`;
      b.setAttribute("aria-describedby", text.id);
      return b;
    };
    tools.append(decide("approve"), " ", decide("reject"));
    li.append(tools);
  }
  return li;
}

function renderReviews() {
  const ul = $("reviews");
  keepingFocus(ul, () => ul.replaceChildren(...[...con.reviews.values()].map(reviewItem)));
  $("reviews-empty").hidden = con.reviews.size > 0;
  $("reviews-count").textContent = con.reviews.size ? `(${con.reviews.size})` : "";
}

function onReview(r, quietly) {
  const fresh = !con.reviews.has(r.hold);
  con.reviews.set(r.hold, r);
  renderReviews();
  if (fresh && !quietly) say(`A message from ${r.name} is waiting for review.`);
  if (fresh && r.risk && r.risk !== "none") {
    addAlert(`hold:${r.hold}`, {
      ts: r.ts,
      risk: r.risk,
      title: `${r.name}'s message was held for review`,
      lines: (r.reasons || []).length ? [`Why: ${r.reasons.join("; ")}`] : [],
      go: ["See it in Held for review", () => focusItem($("reviews").querySelector(`[data-hold="${CSS.escape(r.hold)}"]`))],
    });
  }
}

function onDecided(d) {
  const r = con.reviews.get(d.hold);
  con.reviews.delete(d.hold);
  renderReviews();
  if (r) say(`${r.name}'s held message was ${d.outcome === "approved" ? "shared with the circle" : "kept back"}.`);
}

// --- alerts: risk flags, held messages at risk, "I need support" ----------------------------

function focusItem(node) {
  if (!node) return;
  node.scrollIntoView({ block: "center" });
  node.focus();
}

function addAlert(key, { ts, risk, title, lines, member, go }) {
  if (con.alertKeys.has(key)) return;
  con.alertKeys.add(key);
  const li = el("li", "alert");
  li.dataset.ts = String(ts);
  if (risk) li.dataset.risk = risk;
  const head = el("p", "head");
  head.append(el("span", "alert-title", title), " ", timeEl(ts, "time"));
  const tag = riskTag(risk);
  if (tag) head.append(" ", tag);
  li.append(head);
  for (const line of lines) li.append(el("p", "alert-line", line));
  const tools = el("div", "tools");
  if (go) tools.append(button(go[0], go[1], "small"));
  if (member && isFacilitator()) {
    tools.append(button(`Escalate about ${nameOf(member)}`, () => prefillEscalation(member), "small"));
  }
  tools.append(button("Mark as seen", (event) => {
    li.classList.add("seen");
    event.currentTarget.remove();
    countAlerts();
  }, "small link"));
  li.append(tools);
  // newest first, by the server's time
  const ul = $("alerts");
  const after = [...ul.children].find((node) => Number(node.dataset.ts) < ts) || null;
  ul.insertBefore(li, after);
  countAlerts();
}

function countAlerts() {
  const unseen = $("alerts").querySelectorAll("li.alert:not(.seen)").length;
  $("alerts-count").textContent = unseen ? `(${unseen} new)` : "";
  $("alerts-empty").hidden = $("alerts").children.length > 0;
}

function onSupportAlert(a) {
  remember(a.member);
  const lines = [];
  if (a.note) lines.push(`Their note: “${a.note}”`);
  if (a.escalated) lines.push("The on-call professional is being paged as well.");
  addAlert(`support:${a.member.handle || a.member.name}:${a.ts}`, {
    ts: a.ts,
    risk: a.risk,
    title: `${a.member.name} asked for support`,
    lines,
    member: a.member.handle,
  });
}

function onFlagged(f) {
  const item = messageItem(f.id);
  const who = item ? item.dataset.sender : null;
  const lines = [];
  if ((f.reasons || []).length) lines.push(`Why: ${f.reasons.join("; ")}`);
  if (f.content_warning) lines.push(`Suggested content warning: ${f.content_warning}`);
  addAlert(`flag:${f.id}`, {
    ts: serverNow(),
    risk: f.risk,
    title: who ? `A message from ${who} may need a look` : "A message may need a look",
    lines,
    member: item ? item.dataset.handle : undefined,
    go: item ? ["Go to the message", () => focusItem(messageItem(f.id))] : null,
  });
}

// --- escalations ------------------------------------------------------------------------------

const TRIGGERS = {
  pipeline: "read in a message",
  facilitator: "a facilitator asked",
  "participant-support": "an “I need support” request",
};
// The protocol's severities in the words a facilitator reads: how urgently the on-call
// professional should hear of it (index.html's Severity select uses the same words).
const SEVERITY_WORDS = {
  info: "For information",
  warning: "Soon",
  error: "Urgent",
  critical: "Right now",
};
const STATUS_WORDS = {
  open: "open",
  notified: "notified",
  acknowledged: "acknowledged",
  resolved: "resolved",
  failed: "failed",
};

function onEscalation(e) {
  remember(state.members.get(e.member));
  let li = con.escalations.get(e.id);
  if (!li) {
    li = el("li", "escalation");
    li.dataset.escalation = e.id;
    const head = el("p", "head");
    head.append(el("span", "who", e.member ? `About ${nameOf(e.member)}` : "About a member"));
    head.append(" · ", el("span", "severity"), " · ", el("span", "quiet", TRIGGERS[e.trigger] || e.trigger));
    const line = el("p", "escalation-line");
    const status = el("span", "status");
    line.append("Status: ", status, " ", el("span", "since"));
    li.append(head, line, el("p", "escalation-note"));
    con.escalations.set(e.id, li);
    $("escalations").prepend(li);
  }
  li.dataset.status = e.status;
  // a later request may join this escalation at a higher severity
  li.dataset.severity = e.severity;
  li.querySelector(".severity").textContent = SEVERITY_WORDS[e.severity] || e.severity;
  li.querySelector(".status").textContent = STATUS_WORDS[e.status] || e.status;
  li.querySelector(".since").replaceChildren("since ", timeEl(e.at, "time"));
  const note = li.querySelector(".escalation-note");
  if (e.status === "failed") {
    note.textContent = "No page could be delivered. Please reach the on-call professional another way.";
  } else if (e.exhausted) {
    note.textContent = "Every on-call level was paged and nobody acknowledged in time.";
  } else if (e.status === "acknowledged") {
    note.textContent = "The on-call professional has it.";
  } else note.textContent = "";
  $("escalations-empty").hidden = true;
}

function escalatable() {
  return [...state.members.values()].filter(
    (m) => m.handle && !isMe(m) && m.role !== "facilitator" && m.role !== "clinician",
  );
}

// The first option chooses nobody: a page must never go out about whoever happened to
// be listed first, so the facilitator picks the member (or an alert picks them).
function renderEscalateOptions() {
  const select = $("esc-member");
  const chosen = select.value;
  const people = escalatable().sort((a, b) => a.name.localeCompare(b.name));
  const placeholder = el("option", "", people.length ? "Choose a member" : "Nobody here to escalate about");
  placeholder.value = "";
  select.replaceChildren(
    placeholder,
    ...people.map((m) => {
      const option = el("option", "", m.name);
      option.value = m.handle;
      return option;
    }),
  );
  select.value = people.some((m) => m.handle === chosen) ? chosen : "";
}

function escalateError(words) {
  const error = $("esc-error");
  error.textContent = words;
  error.hidden = !words;
  $("esc-member").setAttribute("aria-invalid", String(!!words));
}

function prefillEscalation(handle) {
  renderEscalateOptions();
  const select = $("esc-member");
  if ([...select.options].some((o) => o.value === handle && o.value)) {
    select.value = handle;
    escalateError("");
    $("esc-note").focus();
  } else {
    select.value = "";
    escalateError(`${nameOf(handle)} is not in the circle now, so cannot be escalated about from here.`);
    select.focus();
  }
}

function wireEscalate() {
  $("escalate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const member = $("esc-member").value;
    const severity = $("esc-severity").value;
    const note = $("esc-note").value.trim();
    if (!member) {
      escalateError("Choose the member to escalate about first.");
      $("esc-member").focus();
      return;
    }
    escalateError("");
    const frame = { type: "escalate", severity, member };
    if (note) frame.note = note;
    const submit = $("esc-submit");
    submit.disabled = true;
    const name = nameOf(member);
    command(frame, `Escalating about ${name}`, `Escalated about ${name}: the on-call professional is being paged. The status shows below.`, (ok) => {
      submit.disabled = false;
      if (!ok) return;
      $("esc-note").value = "";
      $("esc-member").value = ""; // the next page is chosen afresh
    });
  });
  $("esc-member").addEventListener("change", () => {
    if ($("esc-member").value) escalateError("");
  });
}

// --- set up -----------------------------------------------------------------------------------

export function onConsoleFrame(frame) {
  switch (frame.type) {
    case "review":
      onReview(frame);
      return true;
    case "decided":
      onDecided(frame);
      return true;
    case "alert":
      onSupportAlert(frame);
      return true;
    case "flagged":
      onFlagged(frame);
      return true;
    case "escalation":
      onEscalation(frame);
      return true;
    default:
      return false;
  }
}

// What a facilitator's (or clinician's) welcome brings: the queue as it is now, the
// alerts and the open escalations (merged with what this page showed before).
export function onConsoleWelcome(w) {
  con.reviews.clear();
  for (const r of w.reviews || []) onReview(r, true);
  renderReviews();
  for (const a of w.alerts || []) onSupportAlert(a);
  for (const e of [...(w.escalations || [])].reverse()) onEscalation(e);
  renderControls();
  renderEscalateOptions();
}

// The circle ended, or this connection did for good: nothing to command any more.
export function stopConsole() {
  for (const control of document.querySelectorAll("#console button, #console input, #console select, #console textarea, #messages .take-out")) {
    control.disabled = true;
  }
  setMemberTools(null);
  setMessageTools(null);
}

let built = false;
export function startConsole() {
  if (built) return;
  built = true;
  const facilitator = isFacilitator();
  const region = $("console");
  region.setAttribute("aria-label", facilitator ? "Facilitator console" : "On-call console (read only)");
  $("console-title").textContent = facilitator ? "Facilitator console" : "On-call console (read only)";
  for (const node of region.querySelectorAll(".fac-only")) node.hidden = !facilitator;
  // the people, with their controls, belong to the console, right after the alerts: who
  // is here and the Mute button stay in view without scrolling
  region.insertBefore($("people"), $("alerts-panel").nextElementSibling);
  document.body.classList.add("with-console");
  region.hidden = false;
  $("skip-console").hidden = false;
  if (facilitator) {
    wireControls();
    wireEscalate();
    setMemberTools(memberTools);
    setMessageTools(messageTools);
  }
  on("members", renderEscalateOptions);
  on("controls", renderControls);
  countAlerts();
  renderReviews();
}
