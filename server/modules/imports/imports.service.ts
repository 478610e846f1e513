/**
 * CSV imports and exports of leads. An upload is stored in the database in ~1 MB chunks (so any
 * worker, on any machine, can read it); a preview suggests a mapping; starting enqueues a job that
 * streams the file, resolves rows in batches through the identity resolver, and commits each batch
 * together with its checkpoint and its per-row errors, so a crash resumes where it stopped and no
 * row is applied twice. Exports stream any filtered list of leads as CSV.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type {
  Import,
  ImportEncoding,
  ImportMapping,
  ImportMatchMode,
  ImportPreset,
  ImportPreview,
  ImportStatus,
  NewCustomField,
  RowProblem,
  StartImport,
} from '../../../contracts/imports.ts';
import { standardFieldKeys } from '../../../contracts/leads.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Database, dropUniqueIndexSamples, type Tx } from '../../platform/db/db.ts';
import {
  deferIndexes,
  deferredIndexOwners,
  restoreDeferredIndexes,
} from '../../platform/db/deferred-indexes.ts';
import type { ImportErrorsTable, LeadsTable } from '../../platform/db/schema.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobContext, JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { LeadRow, LeadsApi, ResolveItem, ResolveResult, WriteContext } from '../leads/index.ts';
import { checkCustomValue, columnOf, customFieldsOf, isValidEmail, normaliseEmail } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import type { LeadScope } from '../permissions/index.ts';
import {
  type CsvEvent,
  createCsvParser,
  createEncodingSniffer,
  csvRecord,
  decoderFor,
  detectDelimiter,
  encodingNote,
} from './csv.ts';
import type { ImportRow, ImportsRepo } from './imports.repo.ts';
import { compileMapping, mappingProblems, mapRow, suggestMapping } from './mapping.ts';

/** Stored chunks of the uploaded file: big enough to be few, small enough to be read one at a time. */
export const chunkBytes = 1 << 20;
/** The largest file an import accepts. */
export const maxImportBytes = 1 << 30;
/**
 * Rows resolved and committed together with their checkpoint. A batch runs without giving the
 * event loop a turn (its queries are synchronous underneath on SQLite), so it stays small enough
 * for web requests and the job's lease heartbeat; the job yields between batches.
 */
export const defaultBatchSize = 2000;
/**
 * Characters of field values per batch, however few its rows: a file of wide rows (a record may
 * hold up to 1 MB) commits smaller batches instead of holding thousands of them in memory.
 */
export const maxBatchChars = 4 << 20;
/** Rows per resolver call inside a batch (see flush). */
const resolveSlice = 250;
/** Errors kept per import; later ones are counted, not stored. */
export const maxStoredErrors = 100_000;
/**
 * A load is bulk, and sets the deferrable indexes aside until it is done, when it will add at
 * least this many rows and at least twice as many as there are leads already (see
 * platform/db/deferred-indexes.ts): an initial load, not an update of a large database, whose
 * queries would slow down for the length of the load.
 */
export const defaultBulkMinRows = 50_000;
/**
 * On PostgreSQL a load refreshes the statistics of the tables it grows once it has added this many
 * rows, and again each time it has doubled them (see run).
 */
export const defaultAnalyzeFirstAt = 10_000;

export type ImportJobPayload = { importId: string };

type Deps = {
  database: Database;
  repo: ImportsRepo;
  leads: Pick<
    LeadsApi,
    'resolveBatch' | 'listCustomFields' | 'createCustomField' | 'rowPages' | 'filterOf' | 'definitions'
  >;
  jobs: Pick<JobQueue, 'enqueue'>;
  job: () => JobDefinition;
  audit: Pick<AuditService, 'record'>;
  clock: Clock;
  /** Applies the qualification policy to a batch's leads once they are scored. */
  lifecycle: Pick<LifecycleApi, 'evaluate'>;
  batchSize?: number;
  bulkMinRows?: number;
  analyzeFirstAt?: number;
};

type Options = {
  mapping: ImportMapping;
  matchOn: ImportMatchMode;
  dryRun: boolean;
  createCustomFields: NewCustomField[];
};

const terminal: ImportStatus[] = ['completed', 'cancelled'];

/** Stops a batch whose import was cancelled, or taken over by another processor, meanwhile. */
class BatchRefused extends Error {}

function actorOfRow(r: ImportRow): Actor {
  if (r.actor_type === 'user' || r.actor_type === 'api_key')
    return { type: r.actor_type, id: r.actor_id ?? '', label: r.actor_label ?? '' };
  return { type: 'system', label: r.actor_label ?? 'import' };
}

/** Unique, non-empty header names: blanks become "Column 3", repeats get " (2)". */
export function cleanHeaders(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    const base = raw.trim() || `Column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

const isBlankRecord = (fields: string[]) => fields.every((f) => f.trim() === '');

/**
 * Rows from an async source as a CSV stream. A value with a line break is always quoted (csv-stringify
 * leaves a lone LF unquoted when records end with CRLF, and a lone CR otherwise), and a failure of
 * the source ends the stream with that error instead of leaving it hanging.
 */
function csvStream(rows: AsyncIterable<string[]>, options: { bom?: boolean } = {}): Readable {
  const out = stringify({ bom: options.bom ?? false, quoted_match: /[\r\n]/ });
  const source = Readable.from(rows);
  source.on('error', (error) => out.destroy(error));
  return source.pipe(out);
}

export function createImportsService(deps: Deps) {
  const { database, repo, leads, clock, audit } = deps;
  const db = database.db;
  const batchSize = deps.batchSize ?? defaultBatchSize;
  const bulkMinRows = deps.bulkMinRows ?? defaultBulkMinRows;
  const analyzeFirstAt = deps.analyzeFirstAt ?? defaultAnalyzeFirstAt;

  function view(r: ImportRow): Import {
    const options = r.options ? (JSON.parse(r.options) as Options) : null;
    const status = r.status as ImportStatus;
    return {
      id: r.id,
      status,
      filename: r.filename,
      size: Number(r.size),
      encoding: r.encoding as ImportEncoding,
      encodingNote: encodingNote(r.encoding as ImportEncoding),
      delimiter: r.delimiter,
      headers: JSON.parse(r.headers) as string[],
      options,
      dryRun: r.dry_run === 1,
      progress: {
        rows: Math.max(0, Number(r.rows_done) - 1),
        fraction:
          status === 'completed' ? 1 : r.size > 0 ? Math.min(1, Number(r.bytes_done) / Number(r.size)) : 0,
      },
      counts: {
        created: Number(r.created),
        updated: Number(r.updated),
        unchanged: Number(r.unchanged),
        failed: Number(r.failed),
      },
      errorCount: Number(r.error_count),
      message: r.message,
      createdBy: r.actor_label,
      createdAt: iso(r.created_at),
      startedAt: iso(r.started_at),
      finishedAt: iso(r.finished_at),
    };
  }

  async function row(id: string, tx: Tx = db): Promise<ImportRow> {
    const r = await repo.get(tx, id);
    if (!r || r.status === 'uploading') throw new AppError('IMPORT_NOT_FOUND', `No import ${id}`);
    return r;
  }

  // ── Upload ───────────────────────────────────────────────────────────────
  /**
   * Stores an uploaded file and reads its start: encoding, delimiter, headers. Refuses (4xx) empty
   * files, header-only files and binary files, and then keeps nothing of them.
   */
  async function upload(
    source: AsyncIterable<Uint8Array> | null,
    o: { filename?: string; actor: Actor; maxBytes?: number },
  ): Promise<Import> {
    const now = clock.now();
    const id = newId('imp', now);
    const maxBytes = o.maxBytes ?? maxImportBytes;
    const filename = (o.filename ?? '').replace(/[\\/\0\r\n]/g, '_').slice(0, 200) || 'upload.csv';
    await repo.deleteAbandonedUploads(db, now - 86_400_000);
    await repo.insert(db, {
      id,
      status: 'uploading',
      filename,
      size: 0,
      chunk_count: 0,
      encoding: 'utf-8',
      delimiter: ',',
      headers: '[]',
      options: null,
      dry_run: 0,
      rows_done: 0,
      bytes_done: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      error_count: 0,
      message: null,
      actor_type: o.actor.type,
      actor_id: 'id' in o.actor ? o.actor.id : null,
      actor_label: o.actor.label ?? null,
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
    });
    try {
      const sniffer = createEncodingSniffer();
      let size = 0;
      let seq = 0;
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      let head: Uint8Array | null = null;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const data = Buffer.concat(pending, pendingBytes);
        head ??= data;
        await repo.insertChunk(db, id, seq++, data);
        pending = [];
        pendingBytes = 0;
      };
      for await (const piece of source ?? []) {
        const bytes = piece instanceof Uint8Array ? piece : Buffer.from(piece as string);
        size += bytes.length;
        if (size > maxBytes) {
          throw new AppError(
            'IMPORT_FILE_TOO_LARGE',
            `The file is larger than ${Math.round(maxBytes / 1048576)} MB; split it into smaller files.`,
          );
        }
        sniffer.push(bytes);
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= chunkBytes) await flush();
      }
      await flush();
      if (size === 0 || !head) throw emptyFile('The file is empty.');
      const sniffed = sniffer.result();
      if ('problem' in sniffed) throw unreadable('binary', `This is not a CSV file: ${sniffed.problem}.`);
      const encoding = sniffed.encoding;
      const firstChunk = head as Uint8Array;
      const text = decoderFor(encoding).decode(firstChunk);
      const delimiter = detectDelimiter(text.slice(0, 256 * 1024));
      const parser = createCsvParser({ delimiter });
      const events = parser.push(text);
      const whole = seq === 1;
      if (whole) events.push(...parser.end());
      const headerAt = events.findIndex((e) => e.kind === 'error' || !isBlankRecord(e.fields));
      const header = events[headerAt];
      if (!header) {
        if (whole) throw emptyFile('The file has no header row (it holds only blank lines).');
        throw unreadable('header', 'The header row cannot be read: it is longer than 1 MB.');
      }
      if (header.kind === 'error')
        throw unreadable('header', `The header row (row ${header.row}) cannot be read: ${header.message}.`);
      const hasData = events.slice(headerAt + 1).some((e) => e.kind === 'error' || !isBlankRecord(e.fields));
      if (whole && !hasData)
        throw emptyFile('The file has a header row and no data rows below it.', 'headerOnly');
      const headers = cleanHeaders(header.fields);
      await repo.update(db, id, {
        status: 'ready',
        size,
        chunk_count: seq,
        encoding,
        delimiter,
        headers: JSON.stringify(headers),
        updated_at: clock.now(),
      });
      return view(await row(id));
    } catch (error) {
      await repo.deleteImport(db, id);
      throw error;
    }
  }

  function emptyFile(message: string, rule = 'empty'): AppError {
    return new AppError('IMPORT_FILE_EMPTY', message, { details: [{ field: 'file', rule, message }] });
  }

  function unreadable(rule: string, message: string): AppError {
    return new AppError('IMPORT_FILE_UNREADABLE', message, { details: [{ field: 'file', rule, message }] });
  }

  // ── Reading a stored file ────────────────────────────────────────────────
  /**
   * The file's records, chunk by chunk, after its header row; memory holds one chunk at a time.
   * `bytes` is how much of the file was read when the events were produced.
   */
  async function* records(r: ImportRow, tx: Tx = db): AsyncGenerator<{ events: CsvEvent[]; bytes: number }> {
    const decoder = decoderFor(r.encoding as ImportEncoding);
    const parser = createCsvParser({ delimiter: r.delimiter });
    let headerSeen = false;
    let bytes = 0;
    const afterHeader = (events: CsvEvent[]): CsvEvent[] => {
      if (headerSeen) return events;
      const at = events.findIndex((e) => e.kind === 'error' || !isBlankRecord(e.fields));
      if (at === -1) return [];
      headerSeen = true;
      return events.slice(at + 1);
    };
    for (let seq = 0; seq < r.chunk_count; seq++) {
      const data = await repo.chunk(tx, r.id, seq);
      if (!data) throw new Error(`Import ${r.id}: chunk ${seq} of the file is missing`);
      bytes += data.length;
      const events = afterHeader(parser.push(decoder.decode(data, { stream: true })));
      if (events.length > 0) yield { events, bytes };
    }
    const events = afterHeader([...parser.push(decoder.decode()), ...parser.end()]);
    if (events.length > 0) yield { events, bytes };
  }

  // ── Preview ──────────────────────────────────────────────────────────────
  /** The first 20 rows as they would be imported, with the suggested (or the given) mapping. */
  async function preview(
    id: string,
    o: { preset?: ImportPreset; mapping?: ImportMapping },
  ): Promise<ImportPreview> {
    const r = await row(id);
    const headers = JSON.parse(r.headers) as string[];
    const preset = o.preset ?? 'auto';
    const customFields = await leads.listCustomFields();
    const suggested = suggestMapping(headers, preset, customFields);
    const mapping = o.mapping
      ? { ...Object.fromEntries(headers.map((h) => [h, null])), ...o.mapping }
      : suggested.mapping;
    const problems = mappingProblems(
      mapping,
      headers,
      new Set(customFields.filter((f) => !f.archived).map((f) => f.key)),
    );
    if (problems.length > 0 && o.mapping) {
      throw new AppError('IMPORT_MAPPING_INVALID', `${problems[0]!.field}: ${problems[0]!.message}`, {
        details: problems,
      });
    }
    const columns = compileMapping(mapping, headers);
    const rows: ImportPreview['rows'] = [];
    const now = clock.now();
    if (r.chunk_count > 0) {
      outer: for await (const { events } of records(r)) {
        for (const e of events) {
          if (rows.length >= 20) break outer;
          if (e.kind === 'error') {
            rows.push({
              row: e.row,
              values: [],
              lead: {},
              problems: [{ column: null, field: 'row', rule: e.rule, message: e.message }],
            });
            continue;
          }
          const mapped = mapRow(e.fields, headers.length, columns, now);
          if (mapped.kind === 'blank') continue;
          const lead: Record<string, unknown> =
            mapped.kind === 'lead'
              ? {
                  ...(mapped.input as Record<string, unknown>),
                  ...(mapped.originalSource ? { originalSource: mapped.originalSource } : {}),
                }
              : {};
          const rowProblems = [...mapped.problems];
          if (typeof lead.email === 'string' && !isValidEmail(normaliseEmail(lead.email))) {
            rowProblems.push({
              column: columns.find((c) => c.target === 'email')?.header ?? null,
              field: 'email',
              rule: 'format',
              message: 'is not a valid email address',
            });
          }
          rows.push({ row: e.row, values: e.fields, lead, problems: rowProblems });
        }
      }
    }
    return {
      id: r.id,
      encoding: r.encoding as ImportEncoding,
      encodingNote: encodingNote(r.encoding as ImportEncoding),
      delimiter: r.delimiter,
      preset,
      detectedPreset: suggested.detected,
      headers,
      mapping,
      rows,
    };
  }

  // ── Start, cancel, read ──────────────────────────────────────────────────
  /** Checks the options, creates the custom fields asked for, and enqueues the import's job. */
  async function start(
    id: string,
    body: StartImport,
    ctx: WriteContext & { mayCreateFields: boolean },
  ): Promise<Import> {
    const r = await row(id);
    const startable = r.status === 'ready' || (r.status === 'completed' && r.dry_run === 1);
    if (!startable) {
      throw new AppError(
        'IMPORT_NOT_STARTABLE',
        `Import ${id} is ${r.status}; upload the file again to import it again`,
      );
    }
    const headers = JSON.parse(r.headers) as string[];
    const dryRun = body.dryRun ?? false;
    const matchOn = body.matchOn ?? 'email';
    const newFields = body.createCustomFields ?? [];
    const mapping: ImportMapping = { ...body.mapping };
    const existing = await leads.listCustomFields();
    const byKey = new Map(existing.map((f) => [f.key, f]));
    const problems: { field: string; rule: string; message: string }[] = [];
    for (const [i, f] of newFields.entries()) {
      if (!headers.includes(f.column))
        problems.push({
          field: `createCustomFields.${i}.column`,
          rule: 'column',
          message: `the file has no column "${f.column}"`,
        });
      const known = byKey.get(f.key);
      if (known && known.type !== f.type)
        problems.push({
          field: `createCustomFields.${i}.key`,
          rule: 'unique',
          message: `a ${known.type} custom field "${f.key}" exists already`,
        });
      if ((standardFieldKeys as string[]).includes(f.key))
        problems.push({
          field: `createCustomFields.${i}.key`,
          rule: 'unique',
          message: `"${f.key}" is a standard lead field`,
        });
      mapping[f.column] = `cf.${f.key}`;
    }
    const customKeys = new Set([
      ...existing.filter((f) => !f.archived).map((f) => f.key),
      ...newFields.map((f) => f.key),
    ]);
    problems.push(...mappingProblems(mapping, headers, customKeys));
    const targets = Object.values(mapping).filter((t): t is string => !!t);
    if (targets.length === 0)
      problems.push({
        field: 'mapping',
        rule: 'minProperties',
        message: 'map at least one column to a lead field',
      });
    if (
      matchOn === 'email' &&
      !targets.includes('email') &&
      !targets.some((t) => t.startsWith('externalId:'))
    )
      problems.push({
        field: 'matchOn',
        rule: 'identity',
        message: 'matching on email needs a column mapped to email (or choose "external" or "none")',
      });
    if (matchOn === 'external' && !targets.some((t) => t.startsWith('externalId:')))
      problems.push({
        field: 'matchOn',
        rule: 'identity',
        message: 'matching on an external id needs a column mapped to externalId:<system>',
      });
    if (problems.length > 0) {
      throw new AppError('IMPORT_MAPPING_INVALID', `${problems[0]!.field}: ${problems[0]!.message}`, {
        details: problems,
      });
    }
    const toCreate = newFields.filter((f) => !byKey.has(f.key));
    if (toCreate.length > 0 && !ctx.mayCreateFields) {
      throw new AppError(
        'FORBIDDEN',
        'Only admins may create custom fields; ask one, or map those columns elsewhere.',
      );
    }
    if (!dryRun) {
      for (const f of toCreate) {
        await leads.createCustomField(
          { key: f.key, label: f.label, type: f.type, ...(f.options ? { options: f.options } : {}) },
          ctx,
        );
      }
    }
    const options: Options = { mapping, matchOn, dryRun, createCustomFields: newFields };
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      const ok = await repo.transition(tx, id, r.status === 'ready' ? ['ready'] : ['completed'], {
        status: 'queued',
        options: JSON.stringify(options),
        dry_run: dryRun ? 1 : 0,
        rows_done: 0,
        bytes_done: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        error_count: 0,
        message: null,
        started_at: null,
        finished_at: null,
        updated_at: now,
      });
      if (!ok) throw new AppError('IMPORT_NOT_STARTABLE', `Import ${id} was started meanwhile`);
      await repo.deleteErrors(tx, id);
      await deps.jobs.enqueue(tx, deps.job(), { importId: id });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'import.started',
        target: { type: 'import', id },
        ip: ctx.ip ?? null,
        details: { filename: r.filename, matchOn, dryRun, createCustomFields: newFields.length },
      });
    });
    return get(id);
  }

  /** Stops an import at its next batch; rows already imported stay. */
  async function cancel(id: string, ctx: WriteContext): Promise<Import> {
    const r = await row(id);
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      const ok = await repo.transition(tx, id, ['ready', 'queued', 'running', 'failed'], {
        status: 'cancelled',
        finished_at: now,
        updated_at: now,
        message: r.status === 'running' ? 'Cancelled; rows imported before that were kept.' : 'Cancelled.',
      });
      if (!ok) throw new AppError('IMPORT_NOT_CANCELLABLE', `Import ${id} is ${r.status}`);
      await repo.deleteChunks(tx, id);
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'import.cancelled',
        target: { type: 'import', id },
        ip: ctx.ip ?? null,
      });
    });
    return get(id);
  }

  async function get(id: string): Promise<Import> {
    return view(await row(id));
  }

  async function list(o: { limit?: number; cursor?: string }): Promise<Page<Import>> {
    const limit = o.limit ?? 50;
    let before: { at: number; id: string } | undefined;
    if (o.cursor) {
      const [at, cid] = decodeCursor(o.cursor, 2);
      before = { at: Number(at), id: String(cid) };
    }
    const rows = (await repo.list(db, { limit: limit + 1, before })).filter((r) => r.status !== 'uploading');
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(view),
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  // ── The job ──────────────────────────────────────────────────────────────
  /**
   * Runs (or resumes) an import: reads the stored file from the start, skips the rows the
   * checkpoint says are done, and commits each batch with its checkpoint in one transaction.
   */
  async function run(
    importId: string,
    ctx: Pick<JobContext, 'signal' | 'logger'> & Partial<Pick<JobContext, 'heartbeat'>>,
  ): Promise<void> {
    let r = await repo.get(db, importId);
    if (!r || r.status === 'uploading' || terminal.includes(r.status as ImportStatus)) {
      // Cancelled while no worker ran it (its process died mid-load): build what it set aside.
      if ((await deferredIndexOwners(database)).has(importId))
        await restoreDeferredIndexes(database, { owner: importId });
      return;
    }
    if (r.status === 'ready') return; // never started (the job outlived a reset)
    if (r.status === 'queued' || r.status === 'failed') {
      const now = clock.now();
      await repo.transition(db, importId, ['queued', 'failed'], {
        status: 'running',
        started_at: r.started_at ?? now,
        message: null,
        updated_at: now,
      });
      r = (await repo.get(db, importId))!;
      if (r.status !== 'running') return;
    }
    const options = JSON.parse(r.options ?? 'null') as Options | null;
    if (!options) throw new Error(`Import ${importId} has no options`);
    const headers = JSON.parse(r.headers) as string[];
    const columns = compileMapping(options.mapping, headers);
    const columnOfField = new Map<string, string>();
    for (const c of columns) {
      if (c.target === 'fullName') {
        columnOfField.set('firstName', c.header);
        columnOfField.set('lastName', c.header);
      } else
        columnOfField.set(
          c.target.startsWith('cf.') ? `customFields.${c.target.slice(3)}` : c.target,
          c.header,
        );
    }
    const indexOfHeader = new Map(headers.map((h, i) => [h, i]));
    // In a dry run, fields that the real run would create do not exist yet: their values are checked here.
    const pendingFields = new Map<string, NewCustomField>();
    if (options.dryRun) {
      const defs = await leads.definitions(db);
      for (const f of options.createCustomFields) if (!defs.custom.has(f.key)) pendingFields.set(f.key, f);
    }
    const actor = actorOfRow(r);
    const resolveOptions = {
      source: 'import' as const,
      actor,
      match: options.matchOn === 'email' ? ('identity' as const) : options.matchOn,
      touchpointType: 'imported',
      touchpointProperties: { importId, fileName: r.filename },
      dryRun: options.dryRun,
    };
    let rowsDone = Number(r.rows_done);
    let errorsStored = Number(r.error_count);
    let batch: CsvEvent[] = [];
    let batchChars = 0;

    const flush = async (bytes: number) => {
      const events = batch;
      batch = [];
      batchChars = 0;
      const lastRow = events.at(-1)!.row;
      await db.transaction().execute(async (tx) => {
        if (!(await repo.claimBatch(tx, importId, rowsDone))) throw new BatchRefused();
        const delta = { created: 0, updated: 0, unchanged: 0, failed: 0 };
        const errors: ImportErrorsTable[] = [];
        const addProblems = (rowNo: number, fields: string[] | null, problems: RowProblem[]) => {
          problems.forEach((p, seq) => {
            const column = p.column ?? (p.field === 'row' ? null : (columnOfField.get(p.field) ?? null));
            const at = column === null ? undefined : indexOfHeader.get(column);
            errors.push({
              import_id: importId,
              row_no: rowNo,
              seq,
              column_name: column,
              field: p.field,
              rule: p.rule,
              message: p.message,
              value: fields && at !== undefined ? (fields[at] ?? '').slice(0, 200) : null,
            });
          });
        };
        const items: ResolveItem[] = [];
        const itemRows: { row: number; fields: string[] }[] = [];
        for (const e of events) {
          if (e.kind === 'error') {
            delta.failed++;
            addProblems(e.row, null, [{ column: null, field: 'row', rule: e.rule, message: e.message }]);
            continue;
          }
          const mapped = mapRow(e.fields, headers.length, columns, clock.now());
          if (mapped.kind === 'blank') continue;
          if (mapped.kind === 'failed') {
            delta.failed++;
            addProblems(e.row, e.fields, mapped.problems);
            continue;
          }
          if (pendingFields.size > 0 && mapped.input.customFields) {
            const problems = checkPending(mapped.input.customFields, pendingFields);
            if (problems.length > 0) {
              delta.failed++;
              addProblems(e.row, e.fields, problems);
              continue;
            }
          }
          items.push({
            input: mapped.input,
            // The CRM's original source rides on the row's touchpoint, where attribution reads it.
            ...(mapped.originalSource
              ? { touchpointProperties: { originalSource: mapped.originalSource } }
              : {}),
          });
          itemRows.push(e);
        }
        // Resolved in slices: what the resolver builds for a slice is garbage before the next one
        // starts, so memory holds a slice's leads, not the whole batch's (the batch is still one
        // transaction with its checkpoint). Slices resolve as one call would: the resolver treats
        // a lead an earlier slice created in this transaction like any existing lead.
        const results: ResolveResult[] = [];
        for (let at = 0; at < items.length; at += resolveSlice)
          results.push(...(await leads.resolveBatch(tx, items.slice(at, at + resolveSlice), resolveOptions)));
        // Imported history moves no stage by itself. Once the batch is scored, the policy qualifies
        // its open leads that meet it (MQL with the explanation, a `lead.mql` event for routing);
        // a row that names the lead's stage keeps that stage. It commits with the batch's checkpoint,
        // so a resumed import evaluates each batch once (and evaluating again would move nothing).
        if (!options.dryRun) {
          const open = results.flatMap((res, i) =>
            res.status === 'error' || items[i]!.input.lifecycleStage ? [] : [res.leadId],
          );
          if (open.length > 0) await deps.lifecycle.evaluate(tx, open, { reason: 'import' });
        }
        results.forEach((res, i) => {
          if (res.status === 'error') {
            delta.failed++;
            const problems = res.error.details.length
              ? res.error.details.map((d) => ({ column: null, ...d }))
              : [{ column: null, field: 'row', rule: res.error.code, message: res.error.message }];
            addProblems(itemRows[i]!.row, itemRows[i]!.fields, problems);
          } else delta[res.status]++;
        });
        const room = Math.max(0, maxStoredErrors - errorsStored);
        const kept = errors.length > room ? errors.slice(0, room) : errors;
        await repo.insertErrors(tx, kept);
        await repo.checkpoint(tx, importId, {
          rowsDone: lastRow,
          bytesDone: bytes,
          delta,
          errors: kept.length,
          now: clock.now(),
        });
        errorsStored += kept.length;
      });
      rowsDone = lastRow;
    };

    // Decided on the first chunk read, from the rows it held: whether this load is bulk.
    let decided = options.dryRun || database.dialect !== 'sqlite';
    // A resumed load may have set indexes aside before it stopped: it builds them when it is done.
    let deferred = (await deferredIndexOwners(database)).has(importId);
    // A bulk load also lets the WAL grow longer between rewinds (db.ts), until it is done.
    let bulk = false;
    const bulkWrites = (on: boolean) => {
      if (bulk === on) return;
      bulk = on;
      database.bulkWrites(on);
    };
    if (deferred) bulkWrites(true);
    // PostgreSQL plans the resolver's lookups from table statistics, which autovacuum refreshes only
    // when it gets to it (and never where it is off). Until then a table that grew from empty during
    // the load still looks empty, and a lookup of 500 external ids by the identities' primary key
    // read every identity instead (234 ms at 434,000 of them, measured: the load slowed down as it
    // went). So the load refreshes them itself after its first rows and each time it has doubled
    // them. SQLite plans its lookups by the indexes alone; its statistics are refreshed at the end.
    let analyzeAt =
      database.dialect === 'postgres' && !options.dryRun ? analyzeFirstAt : Number.POSITIVE_INFINITY;
    // A file of more than 1 MB has its tables analyzed once it is done, on both dialects.
    const analyzedAtEnd = !options.dryRun && Number(r.size) > 1 << 20;
    const refreshStatistics = async () => {
      if (rowsDone < analyzeAt) return;
      await repo.analyze(db);
      analyzeAt = rowsDone * 2;
    };
    const between = async () => {
      await ctx.heartbeat?.();
      await new Promise((resolve) => setImmediate(resolve));
    };
    const restore = async () => {
      if (!deferred) return;
      const started = performance.now();
      const names = await restoreDeferredIndexes(database, { owner: importId, between });
      deferred = false;
      ctx.logger.info(
        { importId, indexes: names.length, ms: Math.round(performance.now() - started) },
        'import: indexes built',
      );
    };
    try {
      for await (const { events, bytes } of records(r)) {
        if (!decided) {
          decided = true;
          const remaining = Math.round((Number(r.size) * (events.at(-1)?.row ?? 0)) / bytes) - rowsDone;
          if (remaining >= bulkMinRows && remaining >= 2 * (await repo.leadCount(db))) {
            const names = await deferIndexes(database, importId, clock.now());
            if (names.length > 0) {
              deferred = true;
              bulkWrites(true);
              ctx.logger.info(
                { importId, remaining, indexes: names.length },
                'import: bulk load, indexes deferred',
              );
            }
          }
        }
        for (const e of events) {
          if (e.row <= rowsDone) continue;
          batch.push(e);
          if (e.kind === 'record') for (const f of e.fields) batchChars += f.length;
          if (batch.length >= batchSize || batchChars >= maxBatchChars) {
            await flush(bytes);
            await refreshStatistics();
            // The batch held the event loop: renew the lease at once (the worker's timer could
            // not fire meanwhile), then let pending requests and timers run before the next batch.
            await between();
            if (ctx.signal.aborted)
              throw new Error('The import was interrupted by a shutdown; it resumes from its checkpoint.');
          }
        }
      }
      if (batch.length > 0) {
        await flush(Number(r.size));
        if (!analyzedAtEnd) await refreshStatistics();
      }
      if (deferred)
        await repo.update(db, importId, {
          message:
            'Every row is in; building the indexes set aside to load faster (seconds per million leads).',
          updated_at: clock.now(),
        });
      await restore();
      await db.transaction().execute(async (tx) => {
        const now = clock.now();
        const done = await repo.transition(tx, importId, ['running'], {
          status: 'completed',
          message: null,
          bytes_done: Number(r!.size),
          finished_at: now,
          updated_at: now,
        });
        // A real run's file is no longer needed; a dry run's is kept to run it for real.
        if (done && !options.dryRun) await repo.deleteChunks(tx, importId);
      });
      if (analyzedAtEnd) {
        await repo.analyze(db);
        if (database.sqlite) dropUniqueIndexSamples(database.sqlite);
      }
      const final = await repo.get(db, importId);
      ctx.logger.info(
        { importId, rows: final?.rows_done, created: final?.created, failed: final?.failed },
        'import finished',
      );
    } catch (error) {
      // Indexes set aside are built again now, unless the process is shutting down: the next
      // start builds them (and a resumed load may set them aside again).
      if (!ctx.signal.aborted) await restore();
      // Cancelled meanwhile (its file is gone), or another worker took the import over: stop here.
      const now = error instanceof BatchRefused ? undefined : await repo.get(db, importId);
      if (error instanceof BatchRefused || (now && now.status !== 'running')) {
        ctx.logger.info({ importId }, 'import stopped: cancelled or taken over');
        return;
      }
      throw error;
    } finally {
      bulkWrites(false);
    }
  }

  /**
   * Builds back the indexes set aside by loads that will not come back to build them: finished,
   * cancelled or deleted imports (a queued or running one, resumed after a restart, builds its own
   * when it is done). Runs at every start.
   */
  async function restoreAbandonedIndexes(logger: Pick<JobContext['logger'], 'info'>): Promise<string[]> {
    const built: string[] = [];
    for (const owner of await deferredIndexOwners(database)) {
      const r = await repo.get(db, owner);
      if (r && (r.status === 'queued' || r.status === 'running')) continue;
      const started = performance.now();
      const names = await restoreDeferredIndexes(database, { owner });
      built.push(...names);
      logger.info(
        { importId: owner, indexes: names.length, ms: Math.round(performance.now() - started) },
        'indexes set aside by an import that stopped were built',
      );
    }
    return built;
  }

  function checkPending(values: Record<string, unknown>, pending: Map<string, NewCustomField>): RowProblem[] {
    const problems: RowProblem[] = [];
    for (const [key, raw] of Object.entries(values)) {
      const f = pending.get(key);
      if (!f) continue;
      const checked = checkCustomValue(
        { key, label: f.label, type: f.type, options: f.options ?? [], mergeRule: 'newest', archived: false },
        raw,
      );
      if (!checked.ok) problems.push({ column: f.column, ...checked.detail });
      delete values[key];
    }
    return problems;
  }

  /** Marks an import whose job ran out of attempts as failed, saying why (its file is kept for a retry). */
  async function markFailed(importId: string, error: Error): Promise<void> {
    const now = clock.now();
    await repo.transition(db, importId, ['queued', 'running'], {
      status: 'failed',
      message: `The import stopped: ${error.message}. Rows before the failure were imported; retrying the job resumes from there.`,
      finished_at: now,
      updated_at: now,
    });
  }

  // ── Errors as CSV ────────────────────────────────────────────────────────
  /** An import's per-row errors as CSV, streamed in file order. */
  async function errorsCsv(id: string): Promise<{ stream: Readable; filename: string }> {
    const r = await row(id);
    async function* pages() {
      yield ['row', 'column', 'field', 'rule', 'message', 'value'];
      let after: { row: number; seq: number } | undefined;
      for (;;) {
        const rows = await repo.errors(db, r.id, { limit: 5000, after });
        for (const e of rows)
          yield [String(e.row_no), e.column_name ?? '', e.field, e.rule, e.message, e.value ?? ''];
        if (rows.length < 5000) break;
        const last = rows.at(-1)!;
        after = { row: Number(last.row_no), seq: last.seq };
      }
    }
    const base = r.filename.replace(/\.(csv|txt|tsv)$/i, '');
    return { stream: csvStream(pages()), filename: `${base}-errors.csv` };
  }

  // ── Export ───────────────────────────────────────────────────────────────
  const fixedColumns = [
    'id',
    ...standardFieldKeys,
    'lifecycleStage',
    'ownerId',
    'companyId',
    'externalIds',
    'source',
    'createdAt',
    'updatedAt',
  ] as const;
  const defaultColumns = fixedColumns.filter((c) => c !== 'companyId');

  /** How a value is written to the CSV file. */
  function cellText(v: unknown): string {
    if (v === null || v === undefined) return '';
    const s = Array.isArray(v) ? v.join(';') : String(v);
    // A value a spreadsheet would run as a formula is written with a leading apostrophe.
    return /^[=@\t\r]|^[+-][^\d\s.(]/.test(s) ? `'${s}` : s;
  }

  /** The lead column an export column is read from. */
  function storedColumnOf(column: string): keyof LeadsTable {
    if (column.startsWith('cf.')) return 'custom_fields';
    switch (column) {
      case 'externalIds':
      case 'id':
        return 'id';
      case 'createdAt':
        return 'created_at';
      case 'updatedAt':
        return 'updated_at';
      case 'lifecycleStage':
        return 'lifecycle_stage';
      case 'ownerId':
        return 'owner_id';
      case 'companyId':
        return 'company_id';
      case 'source':
        return 'source';
      default:
        return columnOf[column as keyof typeof columnOf];
    }
  }

  type Ext = { system: string; id: string }[];
  /** A column's value for a lead row, as the lead resource shows it (see toLeadView). */
  function getterOf(
    column: string,
  ): (row: LeadRow, ext: Ext, custom: () => Record<string, unknown>) => unknown {
    if (column.startsWith('cf.')) {
      const key = column.slice(3);
      return (_row, _ext, custom) => custom()[key];
    }
    switch (column) {
      case 'externalIds':
        return (_row, ext) => ext.map((e) => `${e.system}:${e.id}`).join(';');
      case 'createdAt':
        return (row) => iso(row.created_at);
      case 'updatedAt':
        return (row) => iso(row.updated_at);
      case 'lifecycleStage':
        return (row) => row.lifecycle_stage;
      case 'ownerId':
        return (row) => row.owner_id;
      case 'companyId':
        return (row) => row.company_id;
      case 'id':
      case 'source':
        return (row) => row[column];
      default: {
        const stored = columnOf[column as keyof typeof columnOf];
        if (!stored) throw new Error(`No export column ${column}`);
        return (row) => row[stored];
      }
    }
  }

  /**
   * Leads in the scope matching the list filters (the same query parameters as GET /api/v1/leads),
   * or the given ids, as CSV with the chosen columns; streamed page by page.
   */
  async function exportCsv(
    query: Record<string, string | undefined>,
    scope: LeadScope,
  ): Promise<{ stream: Readable; filename: string }> {
    const { columns: columnsParam, ids, bom, ...filters } = query;
    const custom = new Set((await leads.listCustomFields()).map((f) => f.key));
    const columns = columnsParam
      ? columnsParam
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : [...defaultColumns, ...[...custom].map((k) => `cf.${k}`)];
    for (const c of columns) {
      const known =
        (fixedColumns as readonly string[]).includes(c) || (c.startsWith('cf.') && custom.has(c.slice(3)));
      if (!known)
        throw validationError(
          'columns',
          'enum',
          `"${c}" is not a column (use ${fixedColumns.join(', ')} or cf.<custom field key>)`,
        );
    }
    const base: Record<string, string | number | undefined> = { ...filters };
    if (ids !== undefined) {
      const list = ids
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (list.length === 0 || list.length > 1000)
        throw validationError('ids', 'maxItems', 'give 1 to 1,000 comma-separated lead ids');
      base.ids = list.join(',');
    }
    await leads.filterOf(base, scope); // a bad filter answers 400 before anything is streamed
    const getters = columns.map(getterOf);
    // Only the stored columns the export writes are read (not the touches, consent, field times…).
    const storedColumns = [...new Set(columns.map(storedColumnOf))];
    const wantsExternal = columns.includes('externalIds');
    const none: Ext = [];
    // The file as text, a page of leads per chunk: records written by csvRecord (what csv-stringify
    // writes, without its per-value work), from rows (not lead views) of which only the columns
    // written are formatted. Without `sort`, leads come in the order they were stored.
    async function* text() {
      if (bom === '1' || bom === 'true') yield '\uFEFF';
      yield csvRecord(columns);
      const cells: string[] = new Array(getters.length);
      for await (const page of leads.rowPages(
        base,
        { pageSize: 2000, externalIds: wantsExternal, columns: storedColumns },
        scope,
      )) {
        let chunk = '';
        for (const row of page.rows) {
          // Custom fields are parsed once per row, and only when a column needs them.
          let custom: Record<string, unknown> | undefined;
          const customOf = () => {
            custom ??= customFieldsOf(row);
            return custom;
          };
          const ext = wantsExternal ? (page.externalIds.get(row.id) ?? none) : none;
          for (let i = 0; i < getters.length; i++) cells[i] = cellText(getters[i]!(row, ext, customOf));
          chunk += csvRecord(cells);
        }
        yield chunk;
      }
    }
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    return { stream: Readable.from(text(), { objectMode: false }), filename: `leads-${day}.csv` };
  }

  return {
    upload,
    preview,
    start,
    cancel,
    get,
    list,
    run,
    markFailed,
    errorsCsv,
    exportCsv,
    view,
    restoreAbandonedIndexes,
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
