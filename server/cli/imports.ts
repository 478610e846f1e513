import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  type Import,
  type ImportMapping,
  type ImportPreset,
  importPresets,
  type NewCustomField,
} from '../../contracts/imports.ts';
import { allLeads } from '../modules/permissions/index.ts';
import { AppError } from '../platform/errors.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import { cliLogger, configOrExit, out, say, UsageError } from './io.ts';

export const importHelp = `Usage: leadloop import FILE [options]
       leadloop import --resume ID | --errors ID

Imports leads from a CSV file (comma, semicolon or tab separated; UTF-8, or Windows-1252 when the
file is not valid UTF-8) through the same job a web import runs, in this process: no server needed.
A progress bar goes to standard error; standard output gets exactly one line:
  created N, updated N, unchanged N, failed N
The exit status is 0 when the import ran (even if some rows failed), 1 when it could not run.

  --preset P             header names to expect: ${importPresets.join(', ')} (default auto: detected)
  --match M              email (default): update the lead with the row's email, else create one
                         external[:SYSTEM]: match on the external id column only (SYSTEM names
                           the system of that column, e.g. external:crm)
                         none: every row becomes a new lead (data without identities)
  --map "Header=field"   map a column (repeatable): a lead field (email, firstName, lastName,
                         fullName, phone, jobTitle, companyName, website, country, city, industry,
                         companySize, lifecycleStage, createdAt), externalId:SYSTEM, cf.KEY, or
                         nothing ("Header=") to skip the column
  --create-custom-fields every column left unmapped becomes a text custom field (key from its header)
  --dry-run              check and classify every row; change nothing
  --resume ID            wait for an interrupted import to finish (it resumes from its checkpoint)
  --errors ID            print an import's per-row errors as CSV`;

export const exportHelp = `Usage: leadloop export [--out FILE] [filters] [--columns a,b,…]

Streams leads as CSV to FILE (or standard output), whatever their number.

  --out FILE            write to FILE instead of standard output
  --stage S[,S…]        only leads in these lifecycle stages
  --q WORDS             words to find in name, email and company
  --filter key=value    any filter of GET /api/v1/leads (country=DE, cf.tier=Gold, ownerId=none,
                        createdAfter=2024-01-01…); repeatable
  --columns a,b,…       columns, in order: standard fields, id, lifecycleStage, ownerId, companyId,
                        externalIds, source, createdAt, updatedAt, cf.KEY (default: all)
  --bom                 start with a UTF-8 byte-order mark (for Excel)`;

const system = { type: 'system' as const, label: 'cli' };

function keyOf(header: string): string {
  const k = header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return /^[a-z]/.test(k) ? k : `f_${k}`.slice(0, 63);
}

/** A progress bar on a terminal; a line per tenth elsewhere. */
function progressReporter() {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return {
    update(i: Import) {
      const pct = Math.floor(i.progress.fraction * 100);
      const c = i.counts;
      const text = `${String(pct).padStart(3)}% ${i.progress.rows.toLocaleString('en')} rows  (created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed})`;
      if (tty) {
        const width = 30;
        const filled = Math.round((pct / 100) * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      } else if (Math.floor(pct / 10) > lastTenth) {
        lastTenth = Math.floor(pct / 10);
        say(text);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** Runs a job worker in this process until the import is over; returns it. */
async function waitFor(runtime: Runtime, id: string): Promise<Import> {
  const worker = runtime.createJobWorker();
  const progress = progressReporter();
  let stop = false;
  const interrupt = () => {
    stop = true;
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  await worker.start();
  try {
    for (;;) {
      const current = await runtime.api.imports.get(id);
      progress.update(current);
      if (current.status === 'completed' || current.status === 'failed' || current.status === 'cancelled') {
        progress.done();
        return current;
      }
      if (stop) {
        progress.done();
        throw new AppError(
          'IMPORT_NOT_STARTABLE',
          `Interrupted. The import resumes from its checkpoint: run "leadloop import --resume ${id}" or start Leadloop.`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await worker.stop(5000);
  }
}

function summary(i: Import): number {
  const c = i.counts;
  out(`created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, failed ${c.failed}`);
  if (i.dryRun) say('Dry run: nothing was changed.');
  if (c.failed > 0)
    say(`${c.failed} row(s) failed; see them with: leadloop import --errors ${i.id} > errors.csv`);
  if (i.status !== 'completed') {
    say(i.message ?? `The import is ${i.status}.`);
    return 1;
  }
  return 0;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string', default: 'auto' },
      match: { type: 'string', default: 'email' },
      map: { type: 'string', multiple: true, default: [] },
      'create-custom-fields': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      resume: { type: 'string' },
      errors: { type: 'string' },
    },
    strict: true,
  });
  if (values.resume || values.errors) {
    const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
    try {
      if (values.errors) {
        const { stream } = await runtime.api.imports.errorsCsv(values.errors);
        await pipeline(stream, process.stdout);
        return 0;
      }
      return summary(await waitFor(runtime, values.resume!));
    } finally {
      await runtime.close();
    }
  }

  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('Give one CSV file to import.');
  if (!existsSync(file) || !statSync(file).isFile()) {
    say(`Cannot read ${file}: no such file.`);
    return 1;
  }
  const preset = values.preset as ImportPreset;
  if (!(importPresets as readonly string[]).includes(preset))
    throw new UsageError(`--preset must be one of ${importPresets.join(', ')}`);
  const match = /^(email|none|external)(?::([a-z0-9_.-]{1,50}))?$/.exec(values.match ?? '');
  if (!match || (match[2] && match[1] !== 'external'))
    throw new UsageError('--match must be email, none, external or external:SYSTEM');
  const overrides: ImportMapping = {};
  for (const m of values.map ?? []) {
    const at = m.indexOf('=');
    if (at <= 0) throw new UsageError(`--map "${m}": write it as "Header=field"`);
    const target = m.slice(at + 1).trim();
    overrides[m.slice(0, at).trim()] = target === '' ? null : target;
  }

  const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
  try {
    const imports = runtime.api.imports;
    const uploaded = await imports.upload(createReadStream(file), {
      filename: path.basename(file),
      actor: system,
    });
    if (uploaded.encodingNote) say(uploaded.encodingNote);
    const preview = await imports.preview(uploaded.id, { preset });
    if (preview.detectedPreset) say(`Looks like a ${preview.detectedPreset} export.`);
    const mapping: ImportMapping = { ...preview.mapping };
    for (const [header, target] of Object.entries(overrides)) {
      if (!uploaded.headers.includes(header))
        throw new UsageError(
          `--map: the file has no column "${header}" (columns: ${uploaded.headers.join(', ')})`,
        );
      mapping[header] = target;
    }
    if (match[2]) {
      const external = Object.entries(mapping).filter(([, t]) => t?.startsWith('externalId:'));
      if (!external.some(([, t]) => t === `externalId:${match[2]}`)) {
        if (external.length !== 1)
          throw new UsageError(
            `--match external:${match[2]}: map the id column with --map "Header=externalId:${match[2]}"`,
          );
        mapping[external[0]![0]] = `externalId:${match[2]}`;
      }
    }
    const createCustomFields: NewCustomField[] = values['create-custom-fields']
      ? Object.entries(mapping)
          .filter(([, t]) => t === null)
          .map(([column]) => ({
            column,
            key: keyOf(column),
            label: column.slice(0, 100),
            type: 'text' as const,
          }))
      : [];
    for (const [header, target] of Object.entries(mapping)) if (target) say(`  ${header} → ${target}`);
    for (const f of createCustomFields) say(`  ${f.column} → cf.${f.key} (new text field)`);
    await imports.start(
      uploaded.id,
      {
        mapping,
        matchOn: match[1] as 'email' | 'external' | 'none',
        dryRun: values['dry-run'],
        createCustomFields,
      },
      { actor: system, source: 'import', mayCreateFields: true },
    );
    return summary(await waitFor(runtime, uploaded.id));
  } finally {
    await runtime.close();
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      stage: { type: 'string' },
      q: { type: 'string' },
      filter: { type: 'string', multiple: true, default: [] },
      columns: { type: 'string' },
      bom: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const query: Record<string, string | undefined> = {
    stage: values.stage,
    q: values.q,
    columns: values.columns,
    bom: values.bom ? '1' : undefined,
  };
  for (const f of values.filter ?? []) {
    const at = f.indexOf('=');
    if (at <= 0) throw new UsageError(`--filter "${f}": write it as key=value`);
    query[f.slice(0, at)] = f.slice(at + 1);
  }
  for (const k of Object.keys(query)) if (query[k] === undefined) delete query[k];
  const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
  try {
    // The CLI runs on the server with the database's own credentials: every lead.
    const { stream } = await runtime.api.imports.exportCsv(query, allLeads);
    await pipeline(stream, values.out ? createWriteStream(values.out) : process.stdout);
    if (values.out) say(`Written to ${values.out}`);
    return 0;
  } finally {
    await runtime.close();
  }
}
