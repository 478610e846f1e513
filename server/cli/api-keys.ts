import { parseArgs } from 'node:util';
import { type Scope, scopes } from '../../contracts/auth.ts';
import { createRuntime } from '../runtime.ts';
import { cliLogger, configOrExit, out, UsageError } from './io.ts';

export const apiKeysHelp = `Usage: leadloop api-keys <command>

  create --name N --scopes a,b
         Creates an API key and prints it as the only line on standard output. It is shown once.
         Scopes: ${scopes.join(', ')}
  list [--json]
         Lists API keys (never their secrets).
  revoke ID
         Revokes a key at once.`;

const system = { type: 'system' as const, label: 'cli' };
const cliInfo = { ip: null, userAgent: 'leadloop-cli' };

export async function apiKeys(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, scopes: { type: 'string' } },
      strict: true,
    });
    if (!values.name) throw new UsageError('--name is required');
    const list = (values.scopes ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length === 0)
      throw new UsageError(`--scopes is required: a comma-separated list of ${scopes.join(', ')}`);
    const unknown = list.filter((s) => !(scopes as readonly string[]).includes(s));
    if (unknown.length > 0)
      throw new UsageError(`Unknown scope(s): ${unknown.join(', ')} (known: ${scopes.join(', ')})`);
    const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
    try {
      const { secret } = await runtime.api.auth.createApiKey(
        system,
        { name: values.name, scopes: list as Scope[] },
        cliInfo,
      );
      out(secret);
      return 0;
    } finally {
      await runtime.close();
    }
  }
  if (command === 'list') {
    const { values } = parseArgs({
      args: rest,
      options: { json: { type: 'boolean', default: false } },
      strict: true,
    });
    const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
    try {
      for (const k of await runtime.api.auth.listApiKeys()) {
        out(
          values.json
            ? JSON.stringify(k)
            : `${k.id} ${k.name} ${k.prefix}… ${k.scopes.join(',')}${k.revokedAt ? ' (revoked)' : ''}`,
        );
      }
      return 0;
    } finally {
      await runtime.close();
    }
  }
  if (command === 'revoke') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true });
    const id = positionals[0];
    if (!id) throw new UsageError('Give the id of the key to revoke (leadloop api-keys list shows them)');
    const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
    try {
      const key = await runtime.api.auth.revokeApiKey(system, id, cliInfo);
      out(`${key.id} revoked`);
      return 0;
    } finally {
      await runtime.close();
    }
  }
  throw new UsageError(command ? `Unknown command "api-keys ${command}"` : 'Missing command', {
    cause: apiKeysHelp,
  });
}
