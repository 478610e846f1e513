import { parseArgs } from 'node:util';
import { type Role, roles } from '../../contracts/auth.ts';
import { createRuntime } from '../runtime.ts';
import { cliLogger, configOrExit, out, readStdin, UsageError } from './io.ts';

export const usersHelp = `Usage: leadloop users <command>

  create --email E --role R [--name N] --password-stdin [--json]
         Creates a user. The password is read from standard input, never from an argument:
           printf '%s' "$PASSWORD" | leadloop users create --email a@b.c --role admin --password-stdin
         Roles: ${roles.join(', ')}
  list [--json]
         Lists users.`;

export async function users(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (!values.email) throw new UsageError('--email is required');
    if (!values.role || !(roles as readonly string[]).includes(values.role)) {
      throw new UsageError(`--role is required: one of ${roles.join(', ')}`);
    }
    if (!values['password-stdin'])
      throw new UsageError('--password-stdin is required (passwords never go in arguments)');
    const password = await readStdin();
    const runtime = await createRuntime(configOrExit(), { logger: cliLogger() });
    try {
      const user = await runtime.api.auth.createUser(
        { type: 'system', label: 'cli' },
        {
          email: values.email,
          role: values.role as Role,
          name: values.name ?? values.email.split('@')[0]!,
          password,
        },
        { ip: null, userAgent: 'leadloop-cli' },
      );
      out(values.json ? JSON.stringify(user) : `${user.id} ${user.email} ${user.role}`);
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
      for (const u of await runtime.api.auth.listUsers()) {
        out(
          values.json ? JSON.stringify(u) : `${u.id} ${u.email} ${u.role}${u.active ? '' : ' (deactivated)'}`,
        );
      }
      return 0;
    } finally {
      await runtime.close();
    }
  }
  throw new UsageError(command ? `Unknown command "users ${command}"` : 'Missing command', {
    cause: usersHelp,
  });
}
