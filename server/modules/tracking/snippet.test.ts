import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import vm from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { minify, renderSnippet, snippetSource } from './snippet.ts';

describe('tracking snippet (t.js)', () => {
  it('is under 5 KB gzipped and parses as a script, in both consent variants', () => {
    for (const requireConsent of [false, true]) {
      const s = renderSnippet(requireConsent);
      assert.ok(s.gzip.length < 5 * 1024, `gzipped size ${s.gzip.length} bytes`);
      assert.equal(gunzipSync(s.gzip).toString('utf8'), s.body);
      assert.doesNotThrow(() => new vm.Script(s.body, { filename: 't.js' }));
      assert.match(s.body, new RegExp(`attribute === null \\? ${requireConsent} :`));
    }
    assert.notEqual(renderSnippet(false).etag, renderSnippet(true).etag);
  });

  it('has no dependencies and no comments left once minified', () => {
    const body = renderSnippet(false).body;
    assert.doesNotMatch(body, /\bimport\b|\brequire\(/);
    assert.doesNotMatch(body, /^\s*\/\//m);
    assert.doesNotMatch(body, /\/\*/);
    assert.ok(body.length < readFileSync(snippetSource, 'utf8').length * 0.8);
  });

  it('minifies only whole-line comments, never code that looks like one', () => {
    const src = [
      '/*',
      ' * header',
      ' */',
      '  // a comment',
      "  const u = 'https://example.com/a';",
      '  /* block */',
      '',
      '  run(u); // kept: a trailing comment stays with its code',
    ].join('\n');
    assert.equal(
      minify(src),
      "const u = 'https://example.com/a';\nrun(u); // kept: a trailing comment stays with its code\n",
    );
  });
});
