/**
 * How a form looks: one renderer for the hosted page (server), the builder's live preview (web app)
 * and, through the same class names and CSS, the embed script. Pure string building: every piece
 * of user-provided text goes through `escapeHtml`; nothing here runs scripts or needs them.
 */

import type { FormField, PublicField } from './forms.ts';
import type { CustomFieldType } from './leads.ts';
import { standardFields } from './leads.ts';

/** A form ready to draw: its fields resolved against the lead fields and custom field definitions. */
export type RenderableForm = {
  name: string;
  fields: PublicField[];
  consents: { key: string; purpose: string; text: string; required: boolean }[];
  submitLabel: string;
};

export type FormPageState = {
  /** Where the form posts to. */
  action: string;
  /** Values to show again (after a failed submit), by field name. */
  values?: Record<string, string | string[]>;
  consents?: Record<string, boolean>;
  /** Problems by field name, or `consent.<key>` for a consent box. */
  errors?: Record<string, string>;
  /** A problem no field explains, shown above the form. */
  formError?: string;
  /** Hidden inputs to carry (token, page URL, UTM values…). */
  hidden?: Record<string, string>;
  /** Draw without a usable form (the builder's preview). */
  preview?: boolean;
};

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => htmlEscapes[c]!);
}

/** Consent texts may hold `[words](https://…)` links (a privacy policy); everything else is text. */
export function consentTextParts(text: string): { text: string; href?: string }[] {
  const parts: { text: string; href?: string }[] = [];
  const link = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]{1,1000})\)/g;
  let last = 0;
  for (let m = link.exec(text); m; m = link.exec(text)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ text: m[1]!, href: m[2]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

type Spec = { type: PublicField['type']; autocomplete: string | null };

/** How each standard lead field is asked for. */
export const standardFieldInputs: Record<keyof typeof standardFields, Spec> = {
  email: { type: 'email', autocomplete: 'email' },
  firstName: { type: 'text', autocomplete: 'given-name' },
  lastName: { type: 'text', autocomplete: 'family-name' },
  phone: { type: 'tel', autocomplete: 'tel' },
  jobTitle: { type: 'text', autocomplete: 'organization-title' },
  companyName: { type: 'text', autocomplete: 'organization' },
  website: { type: 'url', autocomplete: 'url' },
  country: { type: 'text', autocomplete: 'country-name' },
  city: { type: 'text', autocomplete: 'address-level2' },
  industry: { type: 'text', autocomplete: null },
  companySize: { type: 'number', autocomplete: null },
};

const customInputs: Record<CustomFieldType, PublicField['type']> = {
  text: 'text',
  number: 'number',
  date: 'date',
  boolean: 'checkbox',
  select: 'select',
  multiselect: 'multiselect',
};

export type CustomFieldLike = { key: string; type: CustomFieldType; options: string[]; archived?: boolean };

/**
 * A builder field as the public sees it: its input type, control and choices. Null when the key is
 * neither a lead field nor a (live) custom field.
 */
export function publicFieldOf(
  field: FormField,
  custom: ReadonlyMap<string, CustomFieldLike>,
): PublicField | null {
  const std = (standardFields as Record<string, { type: string; max: number }>)[field.key];
  let type: PublicField['type'];
  let options: string[] = field.options ?? [];
  let maxLength: number | null = null;
  if (std) {
    type = standardFieldInputs[field.key as keyof typeof standardFields].type;
    if (std.type === 'text') maxLength = std.max;
    if (options.length > 0 && type !== 'number') type = 'select';
  } else {
    const def = custom.get(field.key);
    if (!def || def.archived) return null;
    type = customInputs[def.type];
    if (def.type === 'text') maxLength = 2000;
    if (type === 'select' || type === 'multiselect') {
      options = options.length > 0 ? options.filter((o) => def.options.includes(o)) : def.options;
    } else if (def.type === 'text' && options.length > 0) type = 'select';
    else options = [];
  }
  let control: PublicField['control'];
  switch (type) {
    case 'select':
      control = field.control === 'radio' ? 'radio' : 'select';
      break;
    case 'multiselect':
      control = 'checkboxes';
      break;
    case 'checkbox':
      control = 'checkbox';
      break;
    case 'text':
      control = field.control === 'textarea' ? 'textarea' : 'input';
      break;
    default:
      control = 'input';
  }
  return {
    name: field.key,
    label: field.label,
    type,
    control,
    required: field.required,
    helpText: field.helpText ?? null,
    placeholder: field.placeholder ?? null,
    options,
    maxLength,
    autocomplete: autocompleteOf(field.key),
  };
}

/** The autocomplete hint for a field, when the browser can help fill it. */
export function autocompleteOf(name: string): string | null {
  return (standardFieldInputs as Record<string, Spec>)[name]?.autocomplete ?? null;
}

/** The stylesheet of the hosted page and the preview; the embed script uses it too. */
export const formCss = `
.ll-form{--ll-accent:#1c7ed6;--ll-accent-dark:#1864ab;--ll-text:#1f2328;--ll-muted:#5f6b76;--ll-border:#ced4da;--ll-error:#c92a2a;--ll-bg:#fff;box-sizing:border-box;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ll-text);max-width:560px;margin:0 auto;text-align:left}
.ll-form *,.ll-form *::before,.ll-form *::after{box-sizing:border-box}
.ll-form .ll-field{margin:0 0 1.1rem;padding:0;border:0;min-width:0}
.ll-form .ll-label,.ll-form legend.ll-label{display:block;font-weight:600;font-size:.95rem;margin:0 0 .35rem;padding:0}
.ll-form .ll-req{color:var(--ll-error);margin-left:.15rem}
.ll-form .ll-help{display:block;color:var(--ll-muted);font-size:.85rem;margin:.3rem 0 0}
.ll-form .ll-input{display:block;width:100%;padding:.6rem .75rem;font:inherit;color:inherit;background:var(--ll-bg);border:1px solid var(--ll-border);border-radius:8px;transition:border-color .15s,box-shadow .15s}
.ll-form textarea.ll-input{min-height:7rem;resize:vertical}
.ll-form select.ll-input{appearance:auto}
.ll-form .ll-input:focus{outline:none;border-color:var(--ll-accent);box-shadow:0 0 0 3px rgba(28,126,214,.25)}
.ll-form .ll-input[aria-invalid=true]{border-color:var(--ll-error)}
.ll-form .ll-input[aria-invalid=true]:focus{box-shadow:0 0 0 3px rgba(201,42,42,.2)}
.ll-form .ll-choice{display:flex;gap:.55rem;align-items:flex-start;margin:.3rem 0;font-weight:400}
.ll-form .ll-choice input{width:1.1rem;height:1.1rem;margin:.2rem 0 0;flex:none;accent-color:var(--ll-accent)}
.ll-form .ll-consents{margin:1.25rem 0 1rem;padding:.85rem 1rem;border:1px solid #e9ecef;border-radius:8px;background:#f8f9fa}
.ll-form .ll-consent{display:flex;gap:.6rem;align-items:flex-start;font-size:.9rem;margin:.35rem 0}
.ll-form .ll-consent input{width:1.1rem;height:1.1rem;margin:.15rem 0 0;flex:none;accent-color:var(--ll-accent)}
.ll-form .ll-consent a{color:var(--ll-accent-dark)}
.ll-form .ll-error{display:block;color:var(--ll-error);font-size:.875rem;font-weight:500;margin:.3rem 0 0}
.ll-form .ll-summary{border:1px solid #ffc9c9;background:#fff5f5;color:var(--ll-error);border-radius:8px;padding:.75rem 1rem;margin:0 0 1.25rem}
.ll-form .ll-summary p{margin:0 0 .25rem;font-weight:600}
.ll-form .ll-summary ul{margin:0;padding-left:1.2rem}
.ll-form .ll-summary a{color:inherit}
.ll-form .ll-submit{display:inline-flex;align-items:center;justify-content:center;min-width:8rem;padding:.7rem 1.4rem;font:inherit;font-weight:600;color:#fff;background:var(--ll-accent);border:0;border-radius:8px;cursor:pointer}
.ll-form .ll-submit:hover{background:var(--ll-accent-dark)}
.ll-form .ll-submit:focus-visible{outline:3px solid rgba(28,126,214,.45);outline-offset:2px}
.ll-form .ll-submit[disabled]{opacity:.65;cursor:progress}
.ll-form .ll-hp{position:absolute!important;left:-10000px!important;top:auto!important;width:1px!important;height:1px!important;overflow:hidden!important}
.ll-form .ll-done{padding:1.25rem 1.25rem;border-radius:8px;background:#ebfbee;border:1px solid #b2f2bb;color:#1b5e20;white-space:pre-line}
.ll-form .ll-empty{color:var(--ll-muted);font-style:italic}
`;

const pageCss = `
html{background:#f1f3f5}
body{margin:0;padding:2.5rem 1rem}
.ll-card{max-width:640px;margin:0 auto;background:#fff;border-radius:14px;box-shadow:0 1px 3px rgba(0,0,0,.06),0 8px 24px rgba(0,0,0,.06);padding:2rem 2.25rem}
.ll-heading{max-width:560px;margin:0 auto 1.25rem;font:650 1.5rem/1.25 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
.ll-message{white-space:pre-line;margin:0}
.ll-brand{max-width:640px;margin:1rem auto 0;text-align:center;font:12px/1.5 system-ui,sans-serif;color:#868e96}
@media (max-width:520px){body{padding:0}.ll-card{border-radius:0;box-shadow:none;padding:1.5rem 1.1rem}}
`;

function idOf(name: string): string {
  return `ll-f-${name.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

function attrs(list: Record<string, string | number | boolean | null | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(list)) {
    if (v === null || v === undefined || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`;
  }
  return out;
}

function textWithBreaks(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br>');
}

function consentHtml(text: string): string {
  return consentTextParts(text)
    .map((p) =>
      p.href
        ? `<a href="${escapeHtml(p.href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(p.text)}</a>`
        : textWithBreaks(p.text),
    )
    .join('');
}

function fieldHtml(f: PublicField, state: FormPageState): string {
  const id = idOf(f.name);
  const error = state.errors?.[f.name];
  const raw = state.values?.[f.name];
  const value = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const described = [f.helpText ? `${id}-help` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(' ');
  const req = f.required ? '<span class="ll-req" aria-hidden="true">*</span>' : '';
  const help = f.helpText ? `<span class="ll-help" id="${id}-help">${escapeHtml(f.helpText)}</span>` : '';
  const err = error ? `<span class="ll-error" id="${id}-error">${escapeHtml(error)}</span>` : '';
  const common = {
    'aria-describedby': described || null,
    'aria-invalid': error ? 'true' : null,
  };
  if (f.control === 'radio' || f.control === 'checkboxes') {
    const type = f.control === 'radio' ? 'radio' : 'checkbox';
    const choices = f.options
      .map((o, i) => {
        const cid = `${id}-${i}`;
        return `<label class="ll-choice" for="${cid}"><input${attrs({
          type,
          id: cid,
          name: f.name,
          value: o,
          checked: value.includes(o),
          required: type === 'radio' && f.required,
          ...common,
        })}> <span>${escapeHtml(o)}</span></label>`;
      })
      .join('');
    return `<fieldset class="ll-field"${attrs({ 'aria-describedby': described || null, 'aria-required': f.required ? 'true' : null })}><legend class="ll-label">${escapeHtml(f.label)}${req}</legend>${choices}${help}${err}</fieldset>`;
  }
  if (f.control === 'checkbox') {
    return `<div class="ll-field"><label class="ll-choice" for="${id}"><input${attrs({
      type: 'checkbox',
      id,
      name: f.name,
      value: 'true',
      checked: value.includes('true'),
      required: f.required,
      ...common,
    })}> <span>${escapeHtml(f.label)}${req}</span></label>${help}${err}</div>`;
  }
  let control: string;
  if (f.control === 'select') {
    const opts = [`<option value="">${escapeHtml(f.placeholder ?? 'Choose…')}</option>`]
      .concat(
        f.options.map(
          (o) => `<option${attrs({ value: o, selected: value.includes(o) })}>${escapeHtml(o)}</option>`,
        ),
      )
      .join('');
    control = `<select class="ll-input"${attrs({ id, name: f.name, required: f.required, ...common })}>${opts}</select>`;
  } else if (f.control === 'textarea') {
    control = `<textarea class="ll-input"${attrs({
      id,
      name: f.name,
      rows: 5,
      required: f.required,
      maxlength: f.maxLength,
      placeholder: f.placeholder,
      ...common,
    })}>${escapeHtml(value[0] ?? '')}</textarea>`;
  } else {
    control = `<input class="ll-input"${attrs({
      type: f.type === 'multiselect' || f.type === 'select' || f.type === 'checkbox' ? 'text' : f.type,
      id,
      name: f.name,
      value: value[0] ?? null,
      required: f.required,
      maxlength: f.maxLength,
      placeholder: f.placeholder,
      autocomplete: f.autocomplete,
      inputmode: f.type === 'number' ? 'numeric' : null,
      ...common,
    })}>`;
  }
  return `<div class="ll-field"><label class="ll-label" for="${id}">${escapeHtml(f.label)}${req}</label>${control}${help}${err}</div>`;
}

/** The `<form>` element: labels, help, errors next to their fields, consents, honeypot, submit. */
export function renderForm(form: RenderableForm, state: FormPageState): string {
  const errors = state.errors ?? {};
  const problems = Object.entries(errors);
  const labelOf = (name: string) => {
    if (name.startsWith('consent.')) return 'Consent';
    return form.fields.find((f) => f.name === name)?.label ?? name;
  };
  const anchorOf = (name: string) =>
    name.startsWith('consent.')
      ? `ll-c-${name.slice(8)}`
      : form.fields.find((f) => f.name === name)?.control === 'radio' ||
          form.fields.find((f) => f.name === name)?.control === 'checkboxes'
        ? `${idOf(name)}-0`
        : idOf(name);
  let summary = '';
  if (state.formError || problems.length > 0) {
    const items = problems
      .map(
        ([name, message]) =>
          `<li><a href="#${escapeHtml(anchorOf(name))}">${escapeHtml(labelOf(name))}: ${escapeHtml(message)}</a></li>`,
      )
      .join('');
    summary = `<div class="ll-summary" role="alert" id="ll-summary" tabindex="-1"><p>${escapeHtml(
      state.formError ??
        (problems.length === 1
          ? 'Please fix this problem:'
          : `Please fix these ${problems.length} problems:`),
    )}</p>${items ? `<ul>${items}</ul>` : ''}</div>`;
  }
  const hidden = Object.entries(state.hidden ?? {})
    .map(([k, v]) => `<input type="hidden"${attrs({ name: k, value: v })}>`)
    .join('');
  const fields = form.fields.map((f) => fieldHtml(f, state)).join('');
  const consents = form.consents
    .map((c) => {
      const id = `ll-c-${c.key}`;
      const error = errors[`consent.${c.key}`];
      return `<div class="ll-consent"><input${attrs({
        type: 'checkbox',
        id,
        name: `_consent_${c.key}`,
        value: 'yes',
        checked: state.consents?.[c.key] === true,
        required: c.required,
        'aria-invalid': error ? 'true' : null,
        'aria-describedby': error ? `${id}-error` : null,
      })}><div><label for="${id}">${consentHtml(c.text)}${c.required ? '<span class="ll-req" aria-hidden="true">*</span>' : ''}</label>${
        error ? `<span class="ll-error" id="${id}-error">${escapeHtml(error)}</span>` : ''
      }</div></div>`;
    })
    .join('');
  const honeypot =
    '<div class="ll-hp" aria-hidden="true"><label for="ll-hp-website">Leave this field empty</label><input type="text" id="ll-hp-website" name="_website" tabindex="-1" autocomplete="off" value=""></div>';
  const empty =
    form.fields.length === 0 && form.consents.length === 0
      ? '<p class="ll-empty">This form has no fields yet.</p>'
      : '';
  return `<form class="ll-form" method="post"${attrs({
    action: state.action,
    'accept-charset': 'utf-8',
    'aria-label': form.name,
  })}>${summary}${hidden}${empty}${fields}${consents ? `<div class="ll-consents">${consents}</div>` : ''}${honeypot}<button class="ll-submit" type="submit"${
    state.preview ? ' disabled' : ''
  }>${escapeHtml(form.submitLabel)}</button></form>`;
}

function documentOf(title: string, body: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(
    title,
  )}</title><style>${formCss}${pageCss}</style>${extraHead}</head><body>${body}</body></html>`;
}

/** The hosted page (and the builder's preview): a whole HTML document with its styles inline. */
export function renderFormDocument(form: RenderableForm, state: FormPageState): string {
  const heading = `<h1 class="ll-heading">${escapeHtml(form.name)}</h1>`;
  return documentOf(
    form.name,
    `<main class="ll-card">${heading}${renderForm(form, state)}</main><p class="ll-brand">Powered by Leadloop</p>`,
  );
}

/** A page with a heading and a message: thank-you, confirmation, not found, too many requests. */
export function renderMessageDocument(opts: {
  title: string;
  heading: string;
  message: string;
  tone?: 'success' | 'info' | 'error';
}): string {
  const tone = opts.tone ?? 'info';
  const box =
    tone === 'success'
      ? `<div class="ll-done" role="status">${textWithBreaks(opts.message)}</div>`
      : tone === 'error'
        ? `<div class="ll-summary ll-message" role="alert">${escapeHtml(opts.message)}</div>`
        : `<p class="ll-message">${escapeHtml(opts.message)}</p>`;
  return documentOf(
    opts.title,
    `<main class="ll-card"><h1 class="ll-heading">${escapeHtml(opts.heading)}</h1><div class="ll-form">${box}</div></main><p class="ll-brand">Powered by Leadloop</p>`,
  );
}
