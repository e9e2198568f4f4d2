// Texts and emails on the phone page: what the GOV.UK Notify emulator sent each family with no Telegram.
// Read through /_notify/* (the Telegram emulator passes it on to the Notify emulator). Vanilla JS, no build step;
// everything a message says is added as text, never as HTML, and only http(s) links become links.
"use strict";

(() => {
  const NOTIFY = "/_notify";
  const POLL_MS = 2000;
  const STORE_KEY = "carerline-sandbox-notify-open";
  const STATUS_WORDS = {
    created: "Sending…", sending: "Sending…", pending: "Sending…", sent: "Sent",
    delivered: "Delivered", "permanent-failure": "Not delivered: this number or address does not work",
    "temporary-failure": "Not delivered: the phone was off or the inbox full", "technical-failure": "Not delivered: a fault",
  };
  const open = new Map(); // person key -> {root, timer, seen}
  let people = [];
  let inboundNumber = "";

  function $(selector, root = document) {
    return root.querySelector(selector);
  }

  function say(text) {
    const status = $("#notify-status");
    if (status) status.textContent = text;
  }

  async function call(path, options = {}) {
    const init = { ...options, headers: { "Content-Type": "application/json" } };
    if (init.body && typeof init.body !== "string") init.body = JSON.stringify(init.body);
    const response = await fetch(NOTIFY + path, init);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function keyOf(person) {
    return person.mobile || person.email;
  }

  // Text with its http(s) addresses as links that open in a new tab (the "I have seen this" page, for one).
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"']+/g;
    let position = 0;
    for (const match of text.matchAll(pattern)) {
      const url = match[0].replace(/[.,;:!?)]+$/, "");
      fragment.append(text.slice(position, match.index));
      const link = document.createElement("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = url;
      fragment.append(link);
      position = match.index + url.length;
    }
    fragment.append(text.slice(position));
    return fragment;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function statusLine(message) {
    const words = STATUS_WORDS[message.status] || message.status;
    const line = document.createElement("span");
    line.className = `meta${message.status.endsWith("failure") ? " failed" : ""}`;
    line.textContent = `${when(message.created_at)} · ${words}`;
    return line;
  }

  // ---- the text-message thread -------------------------------------------------------

  function renderThread(phone, texts, received) {
    const items = [
      ...texts.map((message) => ({ at: message.created_at, message })),
      ...received.map((reply) => ({ at: reply.date_received, reply })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const thread = $(".sms-thread", phone.root);
    const nearBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    thread.replaceChildren(...items.map(({ message, reply }) => {
      const bubble = document.createElement("div");
      const who = document.createElement("span");
      who.className = "visually-hidden";
      if (message) {
        bubble.className = "bubble bot sms";
        who.textContent = "Text from Carerline: ";
        bubble.append(who, linkified(message.body), statusLine(message));
      } else {
        bubble.className = "bubble user sms";
        who.textContent = "You texted: ";
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = when(reply.date_received);
        bubble.append(who, reply.message, meta);
      }
      return bubble;
    }));
    if (!items.length) thread.append(empty("No texts yet.", "p"));
    if (nearBottom) thread.scrollTop = thread.scrollHeight;
    $(".tab-texts", phone.root).textContent = `Messages (${texts.length})`;
  }

  // ---- the inbox -----------------------------------------------------------------------

  function renderInbox(phone, emails) {
    const inbox = $(".inbox", phone.root);
    inbox.replaceChildren(...[...emails].reverse().map((email) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "inbox-item";
      const subject = document.createElement("strong");
      subject.textContent = email.subject || "(no subject)";
      const from = document.createElement("span");
      from.textContent = "Carerline (GOV.UK Notify)";
      button.append(subject, from, statusLine(email));
      button.addEventListener("click", () => showEmail(phone, email));
      item.append(button);
      return item;
    }));
    if (!emails.length) inbox.append(empty("No emails yet."));
    $(".tab-emails", phone.root).textContent = `Email (${emails.length})`;
    if (phone.reading) {
      const current = emails.find((email) => email.id === phone.reading);
      if (current) showEmail(phone, current);
    }
  }

  function showEmail(phone, email) {
    phone.reading = email.id;
    const view = $(".email-view", phone.root);
    $(".email-subject", view).textContent = email.subject || "(no subject)";
    $(".email-meta", view).textContent = `From Carerline (GOV.UK Notify) to ${email.to} · ${when(email.created_at)}`;
    $(".email-body", view).replaceChildren(linkified(email.body));
    view.hidden = false;
    $(".inbox", phone.root).hidden = true;
  }

  function closeEmail(phone) {
    phone.reading = null;
    $(".email-view", phone.root).hidden = true;
    $(".inbox", phone.root).hidden = false;
  }

  function empty(text, tag = "li") {
    const item = document.createElement(tag);
    item.className = "empty";
    item.textContent = text;
    return item;
  }

  function showTab(phone, name) {
    for (const tab of ["texts", "emails"]) {
      const button = $(`.tab-${tab}`, phone.root);
      button.setAttribute("aria-selected", String(tab === name));
      $(`.panel-${tab}`, phone.root).hidden = tab !== name;
    }
  }

  // ---- one family's phone --------------------------------------------------------------

  async function refresh(phone) {
    const person = phone.person;
    const [texts, emails] = await Promise.all([
      person.mobile ? call(`/messages?to=${encodeURIComponent(person.mobile)}`) : { messages: [], received: [] },
      person.email ? call(`/messages?to=${encodeURIComponent(person.email)}`) : { messages: [] },
    ]);
    const snapshot = JSON.stringify([texts, emails.messages]);
    if (snapshot === phone.seen) return;
    phone.seen = snapshot;
    renderThread(phone, texts.messages.filter((m) => m.type === "sms"), texts.received || []);
    renderInbox(phone, emails.messages.filter((m) => m.type === "email"));
  }

  async function reply(phone, text) {
    try {
      await call("/inbound", { method: "POST", body: { source_number: phone.person.mobile.replace(/^\+/, ""), message: text } });
      phone.seen = null;
      await refresh(phone);
    } catch (error) {
      say(`Could not send the text: ${error.message}`);
    }
  }

  function openFamily(person, { replaceOthers }) {
    if (replaceOthers) for (const key of [...open.keys()]) closeFamily(key);
    const key = keyOf(person);
    if (open.has(key)) return;
    const root = $("#notify-phone-template").content.firstElementChild.cloneNode(true);
    const phone = { person, root, seen: null, reading: null, timer: null };
    $(".phone-title", root).textContent = person.name;
    $(".phone-subtitle", root).textContent = [person.mobile, person.email].filter(Boolean).join(" · ");
    $(".notify-note", root).textContent = person.note;
    $(".close-phone", root).addEventListener("click", () => closeFamily(key));
    $(".tab-texts", root).addEventListener("click", () => showTab(phone, "texts"));
    $(".tab-emails", root).addEventListener("click", () => showTab(phone, "emails"));
    $(".email-back", root).addEventListener("click", () => closeEmail(phone));
    const composer = $(".sms-composer", root);
    if (person.mobile) {
      $(".reply-hint", root).textContent = `Replies go to the council's number ${inboundNumber}.`;
      $(".reply-yes", root).addEventListener("click", () => reply(phone, "YES"));
      composer.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = composer.elements.text.value.trim();
        if (!text) return;
        composer.elements.text.value = "";
        reply(phone, text);
      });
    } else {
      composer.hidden = true;
      $(".reply-hint", root).textContent = "This family has no mobile number we hold.";
    }
    showTab(phone, person.mobile ? "texts" : "emails");
    $("#phones").append(root);
    open.set(key, phone);
    remember();
    const poll = async () => {
      try {
        await refresh(phone);
      } catch (error) {
        say(`Notify emulator not reachable (${error.message}); retrying…`);
      }
      if (open.get(key) === phone) phone.timer = setTimeout(poll, POLL_MS);
    };
    poll();
  }

  function closeFamily(key) {
    const phone = open.get(key);
    if (!phone) return;
    clearTimeout(phone.timer);
    phone.root.remove();
    open.delete(key);
    remember();
  }

  function remember() {
    sessionStorage.setItem(STORE_KEY, JSON.stringify([...open.keys()]));
  }

  function selected() {
    return people.find((person) => keyOf(person) === $("#family-select").value);
  }

  async function init() {
    let answer;
    try {
      answer = await call("/people");
    } catch {
      return; // no Notify emulator attached: the page is Telegram only
    }
    people = answer.people;
    inboundNumber = answer.inbound_number;
    const section = $("#notify-controls");
    section.hidden = false;
    const select = $("#family-select");
    select.replaceChildren(...people.map((person) => {
      const option = document.createElement("option");
      option.value = keyOf(person);
      option.textContent = `${person.name}: ${[person.mobile, person.email].filter(Boolean).join(", ")}`;
      return option;
    }));
    $("#family-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (selected()) openFamily(selected(), { replaceOthers: false });
    });
    $("#open-all-families").addEventListener("click", () => {
      for (const person of people) openFamily(person, { replaceOthers: false });
    });
    const remembered = JSON.parse(sessionStorage.getItem(STORE_KEY) || "[]");
    for (const person of people) if (remembered.includes(keyOf(person))) openFamily(person, { replaceOthers: false });
    if (!people.length) say("No families with a mobile or email yet.");
  }

  document.addEventListener("DOMContentLoaded", init);
})();
