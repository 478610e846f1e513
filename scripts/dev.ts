/**
 * `npm run dev`: the server with --watch (restarts on change) and Vite with hot reload on
 * http://localhost:5173, which forwards /api to the server.
 */
import { spawn } from 'node:child_process';
import { heapFlags } from '../server/platform/heap.ts';

const children = [
  spawn(
    process.execPath,
    [...heapFlags, '--watch-path=server', '--watch-path=contracts', 'bin/leadloop.js', 'start'],
    {
      stdio: 'inherit',
    },
  ),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--config', 'web/vite.config.ts'], {
    stdio: 'inherit',
  }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', stop);
