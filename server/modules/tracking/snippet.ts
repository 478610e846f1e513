/**
 * The tracking snippet as served at /t.js: snippet/t.js with whole-line comments and indentation
 * stripped (a tiny, safe minification: the source keeps comments on lines of their own), the
 * site-wide consent default filled in, gzipped once, with a content-hash ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const snippetSource = path.join(import.meta.dirname, 'snippet', 't.js');
const consentMarker = '/*@require-consent*/ false';

/** Removes comment-only lines, block comments that start a line, indentation and blank lines. */
export function minify(source: string): string {
  const out: string[] = [];
  let inComment = false;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (inComment) {
      if (line.includes('*/')) inComment = false;
      continue;
    }
    if (line.startsWith('/*')) {
      inComment = !line.includes('*/');
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}

export type ServedSnippet = { body: string; gzip: Buffer; etag: string };

/** The script with the site-wide consent default (`data-require-consent` on the tag still wins). */
export function renderSnippet(
  requireConsent: boolean,
  source = readFileSync(snippetSource, 'utf8'),
): ServedSnippet {
  if (!source.includes(consentMarker)) throw new Error(`snippet/t.js lost its ${consentMarker} marker`);
  const body = minify(source.replace(consentMarker, String(requireConsent)));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, gzip: gzipSync(body, { level: 9 }), etag };
}

/** Both variants, rendered once per process. */
export function createSnippetCache() {
  const source = readFileSync(snippetSource, 'utf8');
  const variants = new Map<boolean, ServedSnippet>();
  return (requireConsent: boolean): ServedSnippet => {
    let v = variants.get(requireConsent);
    if (!v) {
      v = renderSnippet(requireConsent, source);
      variants.set(requireConsent, v);
    }
    return v;
  };
}
