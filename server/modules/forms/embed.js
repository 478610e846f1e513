/*
 * Leadloop form embed. On any website:
 *   <script src="https://LEADLOOP/embed.js" data-leadloop-form="SLUG" async></script>
 * draws the form where the tag stands (or inside the element data-leadloop-target names), submits
 * it to Leadloop with fetch, and shows field errors, the thank-you message or follows the redirect.
 * It reads the visitor id of Leadloop's tracking snippet (cookie ll_vid) and the page's UTM values.
 * Every text from the form's definition is set with textContent: nothing is parsed as HTML.
 */
(() => {
  const css = '__LEADLOOP_CSS__';
  let mounted = 0;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'className') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k in node && typeof v !== 'string') node[k] = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children || []) if (c) node.appendChild(c);
    return node;
  }

  function addStyles() {
    if (document.getElementById('leadloop-form-styles')) return;
    const style = el('style', { id: 'leadloop-form-styles' });
    style.textContent = css;
    (document.head || document.documentElement).appendChild(style);
  }

  function cookie(name) {
    for (const part of document.cookie ? document.cookie.split(';') : []) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === name) {
        try {
          return decodeURIComponent(part.slice(i + 1).trim());
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  }

  function utmOf() {
    const out = {};
    const q = new URLSearchParams(location.search);
    for (const k of ['source', 'medium', 'campaign', 'term', 'content']) {
      const v = q.get(`utm_${k}`);
      if (v) out[k] = v.slice(0, 200);
    }
    return out;
  }

  function mount(script) {
    script.setAttribute('data-leadloop-mounted', '');
    const slug = script.getAttribute('data-leadloop-form');
    const base = new URL(script.src, location.href).origin;
    const targetSelector = script.getAttribute('data-leadloop-target');
    let host = targetSelector ? document.querySelector(targetSelector) : null;
    if (!host) {
      host = el('div', { className: 'leadloop-embed' });
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    const n = ++mounted;
    addStyles();
    const note = el('div', { className: 'll-form', text: 'Loading the form…', 'aria-live': 'polite' });
    host.replaceChildren(note);
    load();

    function load(message) {
      fetch(`${base}/api/v1/public/forms/${encodeURIComponent(slug)}`, {
        mode: 'cors',
        credentials: 'omit',
      })
        .then((res) => (res.ok ? res.json() : Promise.reject(res.status)))
        .then((def) => draw(def, message))
        .catch(() => {
          note.textContent = 'This form could not be loaded. Please try again later.';
          host.replaceChildren(note);
        });
    }

    function draw(def, message) {
      const idOf = (name) => `ll-${n}-${String(name).replace(/[^a-zA-Z0-9_-]/g, '_')}`;
      const form = el('form', { className: 'll-form', noValidate: true, 'aria-label': def.name });
      const summary = el('div', { className: 'll-summary', role: 'alert', tabindex: '-1', hidden: true });
      form.appendChild(summary);
      const errorSlots = {};
      const inputsOf = {};

      for (const f of def.fields) {
        const id = idOf(f.name);
        const help = f.helpText
          ? el('span', { className: 'll-help', id: `${id}-help`, text: f.helpText })
          : null;
        const error = el('span', { className: 'll-error', id: `${id}-error`, hidden: true });
        errorSlots[`fields.${f.name}`] = error;
        const described = [help ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(' ');
        const label = (tag, forId) => {
          const node = el(tag, { className: 'll-label', for: forId || undefined, text: f.label });
          if (f.required)
            node.appendChild(el('span', { className: 'll-req', 'aria-hidden': 'true', text: '*' }));
          return node;
        };
        if (f.control === 'radio' || f.control === 'checkboxes') {
          const set = el('fieldset', { className: 'll-field', 'aria-describedby': described }, [
            label('legend'),
          ]);
          inputsOf[f.name] = [];
          f.options.forEach((o, i) => {
            const input = el('input', {
              type: f.control === 'radio' ? 'radio' : 'checkbox',
              id: `${id}-${i}`,
              name: `${id}`,
              value: o,
              required: f.control === 'radio' && f.required,
            });
            inputsOf[f.name].push(input);
            set.appendChild(
              el('label', { className: 'll-choice', for: `${id}-${i}` }, [input, el('span', { text: o })]),
            );
          });
          set.appendChild(help);
          set.appendChild(error);
          form.appendChild(set);
          continue;
        }
        if (f.control === 'checkbox') {
          const input = el('input', { type: 'checkbox', id, value: 'true', 'aria-describedby': described });
          inputsOf[f.name] = [input];
          const text = el('span', { text: f.label });
          if (f.required)
            text.appendChild(el('span', { className: 'll-req', 'aria-hidden': 'true', text: '*' }));
          form.appendChild(
            el('div', { className: 'll-field' }, [
              el('label', { className: 'll-choice', for: id }, [input, text]),
              help,
              error,
            ]),
          );
          continue;
        }
        let input;
        if (f.control === 'select') {
          input = el(
            'select',
            { className: 'll-input', id, required: f.required, 'aria-describedby': described },
            [
              el('option', { value: '', text: f.placeholder || 'Choose…' }),
              ...f.options.map((o) => el('option', { value: o, text: o })),
            ],
          );
        } else if (f.control === 'textarea') {
          input = el('textarea', {
            className: 'll-input',
            id,
            rows: '5',
            required: f.required,
            maxLength: f.maxLength || undefined,
            placeholder: f.placeholder || undefined,
            'aria-describedby': described,
          });
        } else {
          input = el('input', {
            className: 'll-input',
            type: ['email', 'tel', 'url', 'number', 'date'].includes(f.type) ? f.type : 'text',
            id,
            required: f.required,
            maxLength: f.maxLength || undefined,
            placeholder: f.placeholder || undefined,
            autocomplete: f.autocomplete || undefined,
            'aria-describedby': described,
          });
        }
        inputsOf[f.name] = [input];
        form.appendChild(el('div', { className: 'll-field' }, [label('label', id), input, help, error]));
      }

      const consentInputs = {};
      if (def.consents.length > 0) {
        const box = el('div', { className: 'll-consents' });
        for (const c of def.consents) {
          const id = idOf(`consent-${c.key}`);
          const input = el('input', {
            type: 'checkbox',
            id,
            required: c.required,
            'aria-describedby': `${id}-error`,
          });
          consentInputs[c.key] = input;
          const label = el('label', { for: id });
          for (const part of c.parts || [{ text: c.text }]) {
            if (part.href && /^https?:\/\//.test(part.href)) {
              label.appendChild(
                el('a', { href: part.href, target: '_blank', rel: 'noopener noreferrer', text: part.text }),
              );
            } else label.appendChild(document.createTextNode(part.text));
          }
          if (c.required)
            label.appendChild(el('span', { className: 'll-req', 'aria-hidden': 'true', text: '*' }));
          const error = el('span', { className: 'll-error', id: `${id}-error`, hidden: true });
          errorSlots[`consents.${c.key}`] = error;
          box.appendChild(el('div', { className: 'll-consent' }, [input, el('div', {}, [label, error])]));
        }
        form.appendChild(box);
      }

      const trap = el('input', { type: 'text', id: idOf('_website'), tabindex: '-1', autocomplete: 'off' });
      form.appendChild(
        el('div', { className: 'll-hp', 'aria-hidden': 'true' }, [
          el('label', { for: idOf('_website'), text: 'Leave this field empty' }),
          trap,
        ]),
      );
      const button = el('button', { className: 'll-submit', type: 'submit', text: def.submitLabel });
      form.appendChild(button);
      host.replaceChildren(form);
      if (message) showProblems([], message);

      function showProblems(details, message) {
        for (const slot of Object.values(errorSlots)) {
          slot.hidden = true;
          slot.textContent = '';
        }
        for (const list of Object.values(inputsOf)) for (const i of list) i.removeAttribute('aria-invalid');
        const items = [];
        let first = null;
        for (const d of details) {
          const slot = errorSlots[d.field];
          if (slot) {
            slot.textContent = d.message;
            slot.hidden = false;
          }
          const name = d.field.startsWith('fields.') ? d.field.slice(7) : null;
          const input = name ? inputsOf[name]?.[0] : consentInputs[d.field.slice(9)];
          if (input) {
            input.setAttribute('aria-invalid', 'true');
            first = first || input;
          }
          const field = name ? def.fields.find((f) => f.name === name) : null;
          items.push(`${field ? field.label : 'Consent'}: ${d.message}`);
        }
        summary.replaceChildren(
          el('p', {
            text: message || (items.length === 1 ? 'Please fix this problem:' : 'Please fix these problems:'),
          }),
        );
        if (items.length > 0)
          summary.appendChild(
            el(
              'ul',
              {},
              items.map((t) => el('li', { text: t })),
            ),
          );
        summary.hidden = false;
        (first || summary).focus();
      }

      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const fields = {};
        for (const f of def.fields) {
          const inputs = inputsOf[f.name];
          if (f.control === 'checkboxes') {
            const picked = inputs.filter((i) => i.checked).map((i) => i.value);
            if (picked.length > 0) fields[f.name] = picked;
          } else if (f.control === 'radio') {
            const picked = inputs.find((i) => i.checked);
            if (picked) fields[f.name] = picked.value;
          } else if (f.control === 'checkbox') {
            if (inputs[0].checked) fields[f.name] = true;
          } else if (inputs[0].value.trim() !== '') fields[f.name] = inputs[0].value;
        }
        const consents = {};
        for (const [k, input] of Object.entries(consentInputs)) consents[k] = input.checked;
        const body = {
          token: def.token,
          fields,
          consents,
          page: { url: location.href.slice(0, 4000), title: document.title.slice(0, 1000) },
          utm: utmOf(),
        };
        if (document.referrer) body.page.referrer = document.referrer.slice(0, 4000);
        const vid = cookie('ll_vid');
        if (vid) body.visitorId = vid.slice(0, 200);
        if (trap.value) body.honeypot = trap.value;
        button.disabled = true;
        fetch(def.submitUrl, {
          method: 'POST',
          mode: 'cors',
          credentials: 'omit',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
          .then((res) =>
            res
              .json()
              .catch(() => ({}))
              .then((data) => ({ res, data })),
          )
          .then(({ res, data }) => {
            button.disabled = false;
            if (res.ok) {
              if (data.redirectUrl && /^https?:\/\//.test(data.redirectUrl)) {
                location.assign(data.redirectUrl);
                return;
              }
              const done = el('div', {
                className: 'll-done',
                role: 'status',
                tabindex: '-1',
                text: data.message,
              });
              host.replaceChildren(el('div', { className: 'll-form' }, [done]));
              done.focus();
              return;
            }
            const error = data.error || {};
            if (error.code === 'FORM_TOKEN_INVALID') {
              load('This form was open for a long time; please check it and send it again.');
            } else if (error.code === 'SUBMISSION_REPLAYED') {
              showProblems([], 'This form was already sent.');
            } else if (res.status === 429) {
              const wait = res.headers.get('retry-after');
              showProblems(
                [],
                `Too many attempts; please try again${wait ? ` in ${wait} seconds` : ' later'}.`,
              );
            } else if (Array.isArray(error.details) && error.details.length > 0) {
              showProblems(error.details, null);
            } else showProblems([], error.message || 'The form could not be sent. Please try again.');
          })
          .catch(() => {
            button.disabled = false;
            showProblems([], 'The form could not be sent: check your connection and try again.');
          });
      });
    }
  }

  function mountAll() {
    for (const s of document.querySelectorAll('script[data-leadloop-form]:not([data-leadloop-mounted])'))
      mount(s);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
