/** The demo dataset: error codes shared by the server, the CLI and the web app. */
import type { ErrorSpec } from './errors.ts';

export const demoErrors = {
  DEMO_LEADS_EXIST: {
    status: 409,
    kind: 'conflict',
    description:
      'The database already holds leads; demo data goes into an empty database unless asked to add it anyway (`leadloop demo --force`).',
  },
} as const satisfies Record<string, ErrorSpec>;
