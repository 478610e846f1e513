/*
 * Leadloop tracking snippet, served at /t.js (docs/tracking.md). No dependencies.
 * Page views (also single-page-app navigations), leadloop.track(name, props),
 * leadloop.identify({ email, … }), leadloop.consent(true | false), leadloop.reset().
 * Honours Do-Not-Track and Global Privacy Control; with data-require-consent nothing is stored
 * or sent until leadloop.consent(true). Events go out in batches with navigator.sendBeacon.
 * The server strips comments and indentation before serving it.
 */
(() => {
  const w = window;
  const d = document;
  const n = navigator;
  const stub = w.leadloop;
  if (stub?.loaded) return;

  // The endpoint is on the server this script came from.
  const script = d.currentScript || d.querySelector('script[src*="/t.js"]');
  if (!script?.src) return;
  const endpoint = new URL('/api/v1/public/track', script.src).href;
  const attribute = script.getAttribute('data-require-consent');
  // The default comes from Settings → Tracking; the attribute on the script tag wins.
  const requireConsent = attribute === null ? /*@require-consent*/ false : attribute !== 'false';
  const blocked =
    n.doNotTrack === '1' || w.doNotTrack === '1' || n.msDoNotTrack === '1' || n.globalPrivacyControl === true;

  const year = 395 * 86400;
  const visitMinutes = 30;
  const https = location.protocol === 'https:';
  let domain = null;
  let visitorId = null;
  // pending (until consent) → granted | denied
  let state = 'pending';
  let queue = [];
  let held = [];
  let timer = null;
  let lastUrl = null;

  const getCookie = (name) => {
    const m = d.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    return m ? decodeURIComponent(m[1]) : null;
  };
  const setCookie = (name, value, maxAge) => {
    let c = `${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAge}; SameSite=Lax`;
    if (domain) c += `; domain=${domain}`;
    if (https) c += '; Secure';
    d.cookie = c;
  };

  // The widest domain this page may set cookies on (example.com for www.example.com), so every
  // subdomain of the site shares one visitor id. Public suffixes (co.uk) refuse the cookie.
  const siteDomain = () => {
    const host = location.hostname;
    if (!host.includes('.') || /^[\d.]+$/.test(host) || host.includes(':')) return null;
    const parts = host.split('.');
    for (let i = parts.length - 2; i >= 0; i--) {
      const candidate = parts.slice(i).join('.');
      d.cookie = `ll_t=1; path=/; domain=${candidate}; SameSite=Lax${https ? '; Secure' : ''}`;
      if (getCookie('ll_t') === '1') {
        d.cookie = `ll_t=; path=/; domain=${candidate}; max-age=0`;
        return candidate;
      }
    }
    return null;
  };

  const randomId = () => {
    const bytes = new Uint8Array(21);
    w.crypto.getRandomValues(bytes);
    let id = 'v';
    for (const b of bytes) id += 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36];
    return id;
  };

  // Starts storing: the visitor id cookie (about 13 months, renewed on every visit).
  const start = () => {
    domain = siteDomain();
    visitorId = getCookie('ll_vid');
    if (!visitorId || !/^[A-Za-z0-9_-]{8,64}$/.test(visitorId)) visitorId = randomId();
    setCookie('ll_vid', visitorId, year);
  };

  const send = (events) => {
    const body = JSON.stringify({ visitorId, sentAt: Date.now(), events });
    let sent = false;
    try {
      sent = n.sendBeacon?.(endpoint, body) === true;
    } catch {
      sent = false;
    }
    if (!sent && w.fetch) {
      w.fetch(endpoint, {
        method: 'POST',
        body,
        keepalive: true,
        mode: 'no-cors',
        credentials: 'omit',
        headers: { 'content-type': 'text/plain' },
      }).catch(() => {});
    }
  };

  const flush = () => {
    clearTimeout(timer);
    timer = null;
    if (state !== 'granted') return;
    while (queue.length > 0) send(queue.splice(0, 25));
  };

  const push = (event) => {
    if (blocked || state === 'denied') return;
    event.at = Date.now();
    if (state === 'pending') {
      if (held.length < 100) held.push(event);
      return;
    }
    // A visit ends after 30 minutes without activity.
    setCookie('ll_s', '1', visitMinutes * 60);
    queue.push(event);
    if (queue.length >= 10 || event.type === 'identify') flush();
    else if (!timer) timer = setTimeout(flush, 4000);
  };

  const clip = (value, max) => (typeof value === 'string' ? value.slice(0, max) : undefined);

  const pick = (params, prefix, keys) => {
    let out = null;
    for (const k of keys) {
      const v = params.get(prefix + k);
      if (v?.trim()) {
        out = out || {};
        out[k] = v.trim().slice(0, 200);
      }
    }
    return out;
  };

  const context = () => {
    const params = new URLSearchParams(location.search);
    return {
      page: {
        url: location.href.slice(0, 2000),
        path: location.pathname.slice(0, 2000),
        title: clip(d.title, 500),
        referrer: clip(lastUrl === null ? d.referrer : lastUrl, 2000),
      },
      utm: pick(params, 'utm_', ['source', 'medium', 'campaign', 'term', 'content']),
      clickIds: pick(params, '', ['gclid', 'fbclid', 'msclkid', 'li_fat_id', 'ttclid']),
    };
  };

  const page = () => {
    if (location.href === lastUrl) return;
    const c = context();
    const event = { type: 'page', page: c.page };
    if (c.utm) event.utm = c.utm;
    if (c.clickIds) event.clickIds = c.clickIds;
    // A visit starts after 30 minutes of inactivity, or when a campaign link brings the person back.
    let external = true;
    try {
      external = !c.page.referrer || new URL(c.page.referrer).hostname !== location.hostname;
    } catch {
      external = true;
    }
    if (getCookie('ll_s') === null || ((c.utm || c.clickIds) && external)) {
      event.landing = true;
    }
    lastUrl = location.href;
    push(event);
  };

  const commands = {
    page,
    track(name, props) {
      if (typeof name !== 'string' || !name) return;
      const c = context();
      const event = { type: 'event', name: name.slice(0, 100), page: c.page };
      if (props && typeof props === 'object') event.props = props;
      if (c.utm) event.utm = c.utm;
      push(event);
    },
    identify(traits) {
      if (traits && typeof traits === 'object') push({ type: 'identify', traits });
    },
    consent(granted) {
      if (blocked) return;
      if (granted) {
        if (state === 'granted') return;
        state = 'granted';
        start();
        setCookie('ll_c', '1', year);
        const waiting = held;
        held = [];
        for (const e of waiting) {
          setCookie('ll_s', '1', visitMinutes * 60);
          queue.push(e);
        }
        flush();
      } else {
        state = 'denied';
        queue = [];
        held = [];
        if (!domain) domain = siteDomain();
        setCookie('ll_vid', '', 0);
        setCookie('ll_s', '', 0);
        // Remember the refusal (and only that) so other pages do not track either.
        setCookie('ll_c', '0', year);
        visitorId = null;
      }
    },
    // A new visitor id, e.g. when a person signs out so the next person on this browser is someone else.
    reset() {
      if (state !== 'granted') return;
      flush();
      visitorId = randomId();
      setCookie('ll_vid', visitorId, year);
      setCookie('ll_s', '', 0);
      lastUrl = null;
    },
    visitorId: () => visitorId,
  };

  const run = (args) => {
    const command = commands[args[0]];
    return typeof command === 'function' ? command(...Array.prototype.slice.call(args, 1)) : undefined;
  };

  const api = (...args) => run(args);
  for (const name of Object.keys(commands)) api[name] = commands[name];
  api.loaded = true;
  w.leadloop = api;
  if (blocked) return;

  const given = getCookie('ll_c');
  if (given === '0') state = 'denied';
  else if (!requireConsent || given === '1') {
    state = 'granted';
    start();
  }

  // Single-page apps: history changes are page views (after the app had a moment to set the title).
  const later = () => setTimeout(page, 50);
  for (const m of ['pushState', 'replaceState']) {
    const original = history[m];
    history[m] = function (...args) {
      const result = original.apply(this, args);
      later();
      return result;
    };
  }
  w.addEventListener('popstate', later);
  d.addEventListener('visibilitychange', () => {
    if (d.visibilityState === 'hidden') flush();
  });
  w.addEventListener('pagehide', flush);

  page();
  for (const args of stub?.q || []) run(args);
})();
