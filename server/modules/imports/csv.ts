/**
 * Reading CSV files people export from spreadsheets and CRMs: the encoding (UTF-8 with or without
 * BOM, UTF-16 with BOM, otherwise Windows-1252), the delimiter (comma, semicolon or tab) and a
 * streaming RFC 4180 parser that reports a broken record as an error for that row and carries on
 * with the next line, so one bad quote never swallows or silently drops the rows after it.
 *
 * Why not csv-parse here: its `skip_records_with_error` keeps the quoting state of the broken
 * record, so the rows after a bad quote are lost without being reported (tested on 7.0.3). The
 * property tests check this parser against csv-stringify and against csv-parse on valid input.
 */
import type { ImportEncoding } from '../../../contracts/imports.ts';

export type CsvEvent =
  | { kind: 'record'; row: number; fields: string[] }
  | { kind: 'error'; row: number; rule: 'quote' | 'unclosedQuote'; message: string };

/** A record longer than this (characters) is taken as a quote that is never closed. */
export const maxRecordChars = 1 << 20;

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

type Parsed = { fields: string[]; next: number } | { error: CsvEvent & { kind: 'error' }; next: number };

/**
 * A streaming parser: `push` text as it arrives and get the records (and broken records) complete
 * so far; `end` flushes the last one. Rows are numbered from 1 (the header is row 1), counting every
 * record, empty lines included, so numbers match a spreadsheet's rows when no cell spans lines.
 */
export function createCsvParser(options: { delimiter: string; maxRecordChars?: number }) {
  const delimiter = options.delimiter.charCodeAt(0);
  const maxChars = options.maxRecordChars ?? maxRecordChars;
  let buf = '';
  let row = 0;
  // After an overlong record: drop text until the next line break.
  let skipping = false;

  function lineBreakAfter(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === LF || c === CR) return i;
    }
    return -1;
  }

  /** The index after the line break at `i` (CRLF counts as one); -1 when a CR ends the text mid-stream. */
  function afterBreak(s: string, i: number, final: boolean): number {
    if (s.charCodeAt(i) === CR) {
      if (i + 1 === s.length && !final) return -1;
      return s.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
    }
    return i + 1;
  }

  /** Parses one record starting at `start`; null when the text ends before the record does. */
  function parseRecord(s: string, start: number, final: boolean): Parsed | null {
    const n = s.length;
    const fields: string[] = [];
    let i = start;
    for (;;) {
      if (i < n && s.charCodeAt(i) === QUOTE) {
        // Quoted field: "" is a quote; anything up to the closing quote, line breaks included.
        const open = i;
        let value = '';
        let j = i + 1;
        for (;;) {
          const k = s.indexOf('"', j);
          if (k === -1) {
            if (!final) return null;
            return unclosed(s, open, n);
          }
          if (k + 1 === n && !final) return null;
          if (s.charCodeAt(k + 1) === QUOTE) {
            value += s.slice(j, k + 1);
            j = k + 2;
            continue;
          }
          value += s.slice(j, k);
          i = k + 1;
          break;
        }
        // Blanks between a closing quote and the delimiter are tolerated.
        while (
          i < n &&
          (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB) &&
          s.charCodeAt(i) !== delimiter
        )
          i++;
        fields.push(value);
        if (i === n) {
          if (!final) return null;
          return { fields, next: n };
        }
        const c = s.charCodeAt(i);
        if (c === delimiter) {
          i++;
          continue;
        }
        if (c === LF || c === CR) {
          const next = afterBreak(s, i, final);
          if (next === -1) return null;
          return { fields, next };
        }
        // Text after a closing quote: the quoting is broken. Report the row, resume at the next line.
        const lineEnd = lineBreakAfter(s, i);
        if (lineEnd === -1 && !final) return null;
        const next = lineEnd === -1 ? n : afterBreak(s, lineEnd, final);
        if (next === -1) return null;
        return {
          error: {
            kind: 'error',
            row: 0,
            rule: 'quote',
            message: `unexpected text after a closing quote in column ${fields.length}; a quote inside a quoted value must be doubled ("")`,
          },
          next,
        };
      }
      // Unquoted field: up to the delimiter or the end of the line; a quote inside is kept as it is.
      let k = i;
      while (k < n) {
        const c = s.charCodeAt(k);
        if (c === delimiter || c === LF || c === CR) break;
        k++;
      }
      if (k === n) {
        if (!final) return null;
        fields.push(s.slice(i, k));
        return { fields, next: n };
      }
      fields.push(s.slice(i, k));
      const c = s.charCodeAt(k);
      if (c === delimiter) {
        i = k + 1;
        continue;
      }
      const next = afterBreak(s, k, final);
      if (next === -1) return null;
      return { fields, next };
    }
  }

  function unclosed(s: string, open: number, n: number): Parsed {
    // Resume at the line after the one the quote opened on, so the rows after it are still read.
    const lineEnd = lineBreakAfter(s, open);
    const next = lineEnd === -1 ? n : afterBreak(s, lineEnd, true);
    return {
      error: {
        kind: 'error',
        row: 0,
        rule: 'unclosedQuote',
        message: 'a quoted value is never closed; the row was read up to the end of its line and skipped',
      },
      next,
    };
  }

  function drain(final: boolean, out: CsvEvent[]): void {
    const s = buf;
    let pos = 0;
    if (skipping) {
      const lineEnd = lineBreakAfter(s, 0);
      if (lineEnd === -1) {
        buf = '';
        if (final) skipping = false;
        return;
      }
      const next = afterBreak(s, lineEnd, final);
      if (next === -1) {
        buf = s.slice(lineEnd);
        return;
      }
      skipping = false;
      pos = next;
    }
    while (pos < s.length) {
      const r = parseRecord(s, pos, final);
      if (r === null) break;
      row++;
      if ('error' in r) out.push({ ...r.error, row });
      else out.push({ kind: 'record', row, fields: r.fields });
      pos = r.next;
    }
    buf = pos === 0 ? s : s.slice(pos);
    if (!final && buf.length > maxChars) {
      // A record this long is a quote that never closes (or not a CSV at all): report it, move on.
      row++;
      out.push({
        kind: 'error',
        row,
        rule: 'unclosedQuote',
        message: `the row is longer than ${maxChars.toLocaleString('en')} characters; a quoted value is probably never closed`,
      });
      const lineEnd = lineBreakAfter(buf, 0);
      if (lineEnd === -1) {
        buf = '';
        skipping = true;
      } else {
        const next = afterBreak(buf, lineEnd, false);
        buf = next === -1 ? buf.slice(lineEnd) : buf.slice(next);
        if (next === -1) skipping = true;
        drain(false, out);
      }
    }
  }

  return {
    /** Adds text; returns what it completed. */
    push(text: string): CsvEvent[] {
      const out: CsvEvent[] = [];
      buf = buf.length === 0 ? text : buf + text;
      drain(false, out);
      return out;
    },
    /** The end of the text: returns the last record (or its error). */
    end(): CsvEvent[] {
      const out: CsvEvent[] = [];
      drain(true, out);
      buf = '';
      return out;
    },
    get row() {
      return row;
    },
  };
}

/** Parses a whole text at once (previews, tests). */
export function parseCsv(text: string, delimiter: string): CsvEvent[] {
  const p = createCsvParser({ delimiter });
  return [...p.push(text), ...p.end()];
}

export const delimiters = [',', ';', '\t'] as const;

/**
 * Picks the delimiter from the start of a file: the one whose records have the same number of
 * fields as the header most often, with more than one field; a comma when nothing tells.
 */
export function detectDelimiter(sample: string): string {
  // Only whole lines, so a record cut off by the sample's end does not count.
  const cut = Math.max(sample.lastIndexOf('\n'), sample.lastIndexOf('\r'));
  const text = cut > 0 ? sample.slice(0, cut + 1) : sample;
  let best = { delimiter: ',', score: -1 };
  for (const d of delimiters) {
    const records = parseCsv(text, d)
      .filter((e): e is Extract<CsvEvent, { kind: 'record' }> => e.kind === 'record')
      .filter((e) => !(e.fields.length === 1 && e.fields[0] === ''))
      .slice(0, 50);
    const header = records[0]?.fields.length ?? 0;
    if (header < 2) continue;
    const same = records.filter((r) => r.fields.length === header).length / records.length;
    // On a tie, a split that leaves values starting with a blank ("Name, Title") is the wrong one.
    const cells = records.flatMap((r) => r.fields);
    const padded = cells.filter((f) => f.startsWith(' ')).length / cells.length;
    const score = same * 1000 + Math.min(header, 999) - padded;
    if (score > best.score) best = { delimiter: d, score };
  }
  return best.delimiter;
}

/** The encoding a byte-order mark announces, if any. */
export function encodingFromBom(head: Uint8Array): ImportEncoding | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return null;
}

/**
 * Looks at a file as it streams by: whether it is valid UTF-8, and whether it looks like text at
 * all. A file that is not valid UTF-8 is read as Windows-1252 (a superset of Latin-1, what Excel
 * writes on Western European Windows), and the import says so.
 */
export function createEncodingSniffer() {
  let bom: ImportEncoding | null | undefined;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let validUtf8 = true;
  let control = 0;
  let seen = 0;
  let nul = false;
  return {
    push(chunk: Uint8Array): void {
      if (bom === undefined) bom = encodingFromBom(chunk);
      if (seen < 65536) {
        const end = Math.min(chunk.length, 65536 - seen);
        for (let i = 0; i < end; i++) {
          const b = chunk[i]!;
          if (b === 0) nul = true;
          else if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
        }
        seen += end;
      }
      if (validUtf8 && (bom === null || bom === 'utf-8')) {
        try {
          utf8.decode(chunk, { stream: true });
        } catch {
          validUtf8 = false;
        }
      }
    },
    /** The encoding to read the file with, or why it is not a text file. */
    result(): { encoding: ImportEncoding } | { problem: string } {
      if (bom === 'utf-16le' || bom === 'utf-16be') return { encoding: bom };
      if (validUtf8) {
        try {
          utf8.decode();
        } catch {
          validUtf8 = false;
        }
      }
      if (nul || control > seen / 100)
        return { problem: 'the file holds binary data (control characters), not CSV text' };
      return { encoding: validUtf8 ? 'utf-8' : 'windows-1252' };
    },
  };
}

export function encodingNote(encoding: ImportEncoding): string | null {
  return encoding === 'windows-1252'
    ? 'The file is not valid UTF-8, so it was read as Windows-1252 (Western European). If accented letters look wrong, save the file as "CSV UTF-8" and upload it again.'
    : null;
}

/** A decoder for the file's encoding; it drops a byte-order mark. */
export function decoderFor(encoding: ImportEncoding) {
  return new TextDecoder(encoding, { fatal: false, ignoreBOM: false });
}

const needsQuotes = /[",\r\n]/;
/**
 * One CSV record (comma-separated, a value with a comma, a quote or a line break quoted and its
 * quotes doubled, ended by LF): what csv-stringify writes for text values with its defaults, without
 * its per-value machinery (an export writes tens of millions of values).
 */
export function csvRecord(values: readonly string[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) line += ',';
    line += needsQuotes.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  }
  return `${line}\n`;
}
