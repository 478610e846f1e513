/** CLI plumbing: results go to stdout, messages and logs to stderr, failures to the exit code. */
import pino from 'pino';
import { type Config, loadConfig } from '../platform/config.ts';

export class UsageError extends Error {}

export const out = (line: string) => process.stdout.write(`${line}\n`);
export const say = (line: string) => process.stderr.write(`${line}\n`);

/** A logger on stderr for commands other than `start`: quiet unless something goes wrong. */
export const cliLogger = () => pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

export function configOrExit(): Config {
  const result = loadConfig();
  if (!result.ok) {
    say('Leadloop cannot start; the configuration has problems:');
    for (const p of result.problems) say(`  - ${p}`);
    say('See docs/configuration.md for every setting.');
    process.exit(78); // EX_CONFIG
  }
  return result.config;
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError('--password-stdin reads the password from standard input; pipe it in.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
