#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=50
// Entry point of the `leadloop` command. Plain JavaScript so that it can explain a too-old Node.js
// before Node tries (and fails) to load TypeScript.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `Leadloop needs Node.js 22.18 or newer (24 recommended); this is ${process.version}.\n` +
      'Run it through npm (npm start, npx leadloop …), which uses the Node.js 24 installed with the project.\n',
  );
  process.exit(1);
}
const { main } = await import('../server/cli/cli.ts');
process.exitCode = await main(process.argv.slice(2));
