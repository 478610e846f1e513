import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as csvParse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import {
  type CsvEvent,
  createCsvParser,
  createEncodingSniffer,
  csvRecord,
  decoderFor,
  detectDelimiter,
  parseCsv,
} from './csv.ts';

const records = (events: CsvEvent[]) => events.map((e) => (e.kind === 'record' ? e.fields : e));

/** Parses `text` fed in the given piece sizes, as a stream would deliver it. */
function parseInPieces(text: string, delimiter: string, sizes: number[]): CsvEvent[] {
  const p = createCsvParser({ delimiter });
  const out: CsvEvent[] = [];
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const size = Math.max(1, sizes[k++ % sizes.length] ?? 1);
    out.push(...p.push(text.slice(at, at + size)));
    at += size;
  }
  out.push(...p.end());
  return out;
}

describe('CSV parser', () => {
  it('reads quoted values with delimiters, doubled quotes and line breaks, and CRLF, LF or CR endings', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\r\nlines",\r3,,last';
    assert.deepEqual(records(parseCsv(text, ',')), [
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\r\nlines', ''],
      ['3', '', 'last'],
    ]);
  });

  it('numbers rows like a spreadsheet: the header is row 1, empty lines count', () => {
    const events = parseCsv('h1,h2\n\na,b\n"multi\nline",c\nd,e\n', ',');
    assert.deepEqual(
      events.map((e) => [e.row, e.kind === 'record' ? e.fields.join('|') : e.rule]),
      [
        [1, 'h1|h2'],
        [2, ''],
        [3, 'a|b'],
        [4, 'multi\nline|c'],
        [5, 'd|e'],
      ],
    );
  });

  it('reports text after a closing quote as an error of that row and reads the next rows', () => {
    const events = parseCsv('a,b,c\n1,2,3\n4,"x"y,5\n6,7,8\n9,a"b,10\n11,12,13\n', ',');
    assert.deepEqual(records(events), [
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      {
        kind: 'error',
        row: 3,
        rule: 'quote',
        message:
          'unexpected text after a closing quote in column 2; a quote inside a quoted value must be doubled ("")',
      },
      ['6', '7', '8'],
      ['9', 'a"b', '10'],
      ['11', '12', '13'],
    ]);
  });

  it('reports a quote never closed on its row and still reads the lines after it', () => {
    const events = parseCsv('a,b\n1,2\n3,"never closed\n4,5\n6,7\n', ',');
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.fields : `${e.row}:${e.rule}`)),
      [['a', 'b'], ['1', '2'], '3:unclosedQuote', ['4', '5'], ['6', '7']],
    );
  });

  it('gives up on a record longer than the limit without holding the rest of the file', () => {
    const p = createCsvParser({ delimiter: ',', maxRecordChars: 100 });
    const out = [
      ...p.push('a,b\n1,"open'),
      ...p.push('x'.repeat(150)),
      ...p.push('\n2,3\n4,5\n'),
      ...p.end(),
    ];
    assert.deepEqual(
      out.map((e) => (e.kind === 'record' ? e.fields : `${e.row}:${e.rule}`)),
      [['a', 'b'], '2:unclosedQuote', ['2', '3'], ['4', '5']],
    );
  });

  it('gives the same events however the text is cut into pieces', () => {
    const text = 'h,i\r\n"a ""b""",c\r\n"x\r\ny",z\r\n\r\nlast,"q"\r\n';
    const whole = parseCsv(text, ',');
    for (const sizes of [[1], [2], [3], [5, 1, 7], [1000]])
      assert.deepEqual(parseInPieces(text, ',', sizes), whole);
  });

  it('detects comma, semicolon and tab delimiters', () => {
    assert.equal(detectDelimiter('email,first name\na@b.c,Ann\n'), ',');
    assert.equal(detectDelimiter('age;job;marital\n30;"blue-collar";married\n33;services;single\n'), ';');
    assert.equal(detectDelimiter('Email\tName, Title\na@b.c\tAnn, CTO\n'), '\t');
    assert.equal(detectDelimiter('"Company, Inc.";x;y\n"A, B";1;2\n'), ';');
    assert.equal(detectDelimiter('email\na@b.c\n'), ',', 'a single column reads as comma-separated');
  });

  it('tells UTF-8 (with or without BOM), UTF-16 and Windows-1252 apart, and refuses binary data', () => {
    const sniff = (bytes: Uint8Array) => {
      const s = createEncodingSniffer();
      // Split inside a multi-byte character on purpose.
      s.push(bytes.subarray(0, 5));
      s.push(bytes.subarray(5));
      return s.result();
    };
    assert.deepEqual(sniff(Buffer.from('name\nJosé Müller\n')), { encoding: 'utf-8' });
    assert.deepEqual(sniff(Buffer.from('\ufeffname\nZoë\n')), { encoding: 'utf-8' });
    assert.deepEqual(sniff(Buffer.from('name\nJos\xe9 M\xfcller\n', 'latin1')), { encoding: 'windows-1252' });
    assert.deepEqual(sniff(Buffer.from('\ufeffname\tcity\nZoë\tMalmö\n', 'utf16le')), {
      encoding: 'utf-16le',
    });
    const binary = sniff(
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00]),
    );
    assert.ok('problem' in binary);
    assert.equal(decoderFor('windows-1252').decode(Buffer.from('M\xfcller \x80', 'latin1')), 'Müller €');
    assert.equal(decoderFor('utf-8').decode(Buffer.from('\ufeffEmail')), 'Email', 'the BOM is dropped');
  });
});

// Cells people put in CSV files: quotes, delimiters, line breaks, unicode (accents, CJK, emoji).
const cell = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '"',
    '""',
    ',',
    ';',
    '\t',
    '\n',
    '\r\n',
    'a,b',
    'say "hi"',
    'line1\nline2',
    'Zoë',
    '東京',
    '👩‍💻',
  ),
  fc
    .array(fc.constantFrom('a', 'é', '"', ',', ';', '\n', '\r', ' ', 'ß', '😀', 'x'), { maxLength: 10 })
    .map((parts) => parts.join('')),
);
const table = fc
  .integer({ min: 1, max: 6 })
  .chain((width) =>
    fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 30 }),
  );

describe('CSV parser properties', () => {
  it('reads back exactly what csv-stringify wrote, for every delimiter and any cut into pieces', () => {
    fc.assert(
      fc.property(
        table,
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        (rows, delimiter, eol, sizes) => {
          // A record of one empty cell is an empty line, which CSV cannot tell from "no value".
          fc.pre(rows.every((r) => !(r.length === 1 && r[0] === '')));
          const text = stringify(rows, { delimiter, record_delimiter: eol, quoted_match: /[\r\n]/ });
          const events = parseInPieces(text, delimiter, sizes);
          assert.ok(events.every((e) => e.kind === 'record'));
          assert.deepEqual(
            events.map((e) => (e.kind === 'record' ? e.fields : null)),
            rows,
          );
          assert.deepEqual(
            events.map((e) => e.row),
            rows.map((_, i) => i + 1),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees with csv-parse on well-formed input', () => {
    fc.assert(
      fc.property(table, fc.constantFrom(',', ';'), (rows, delimiter) => {
        fc.pre(rows.every((r) => !(r.length === 1 && r[0] === '')));
        const text = stringify(rows, { delimiter, quoted_match: /[\r\n]/ });
        const theirs = csvParse(text, {
          delimiter,
          relax_column_count: true,
          skip_empty_lines: false,
        }) as string[][];
        const ours = parseCsv(text, delimiter).map((e) => (e.kind === 'record' ? e.fields : null));
        assert.deepEqual(ours, theirs);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, never loses a line: every record or error is accounted for on any input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '"', ',', '\n', '\r', ' ', 'é', 'x', ';'), { maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        (chars, sizes) => {
          const text = chars.join('');
          const events = parseInPieces(text, ',', sizes);
          assert.deepEqual(events, parseCsv(text, ','), 'the same whatever the pieces');
          assert.deepEqual(
            events.map((e) => e.row),
            events.map((_, i) => i + 1),
            'rows are numbered without gaps',
          );
          // Without quotes, every line is a record of its own.
          if (!text.includes('"')) {
            const lines = text.split(/\r\n|\r|\n/);
            if (lines.at(-1) === '') lines.pop();
            assert.equal(events.length, lines.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('CSV writer (exports)', () => {
  it('writes records exactly as csv-stringify does, and they parse back to the same values', () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', ';', 'é', '\t', "'") }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const width = rows[0]!.length;
          const records = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
          const written = records.map(csvRecord).join('');
          assert.equal(written, stringify(records, { quoted_match: /[\r\n]/ }));
          // A record of one empty value is an empty line, which parsers skip: compare the others.
          if (width > 1) assert.deepEqual(csvParse(written, { relax_column_count: false }), records);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
