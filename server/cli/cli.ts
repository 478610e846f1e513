/** `leadloop <command>`: dispatches to the commands, turns failures into messages and exit codes. */
import { AppError } from '../platform/errors.ts';
import { apiKeys, apiKeysHelp } from './api-keys.ts';
import { demo, demoHelp } from './demo.ts';
import { exportCommand, exportHelp, importCommand, importHelp } from './imports.ts';
import { say, UsageError } from './io.ts';
import { migrate, migrateHelp } from './migrate.ts';
import { predict, predictHelp } from './predict.ts';
import { start, startHelp } from './start.ts';
import { users, usersHelp } from './users.ts';

type Command = { run: (argv: string[]) => Promise<number>; help: string; summary: string };

const commands: Record<string, Command> = {
  start: { run: start, help: startHelp, summary: 'start Leadloop (web app, API and job worker)' },
  migrate: { run: migrate, help: migrateHelp, summary: 'apply pending database migrations' },
  users: { run: users, help: usersHelp, summary: 'create and list users' },
  'api-keys': { run: apiKeys, help: apiKeysHelp, summary: 'create, list and revoke API keys' },
  import: { run: importCommand, help: importHelp, summary: 'import leads from a CSV file' },
  export: { run: exportCommand, help: exportHelp, summary: 'export leads as CSV' },
  demo: { run: demo, help: demoHelp, summary: 'load a realistic, fictional demo dataset' },
  predict: { run: predict, help: predictHelp, summary: 'train the predictive model and print its report' },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'Usage: leadloop <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "leadloop <command> --help" for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    say(`Unknown command "${name}".\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`${(error as Error).message}\n`);
      say(typeof (error as Error).cause === 'string' ? ((error as Error).cause as string) : command.help);
      return 2;
    }
    if (error instanceof AppError) {
      say(`${error.code}: ${error.message}`);
      for (const d of error.details ?? []) say(`  - ${d.field}: ${d.message}`);
      return 1;
    }
    say(`Failed: ${(error as Error).message}`);
    return 1;
  }
}
