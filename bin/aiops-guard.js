#!/usr/bin/env node
// Shim: runs the built CLI (npm run build writes dist/; the CLI runs bundled, see scripts/bundle.ts).
// A reader that goes away (`aiops-guard check | head -2`) is not an error: stop writing and end
// with the verdict already set in process.exitCode, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit();
    throw err;
  });
}
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answer without loading the CLI: start-up is most of the cost of --version.
  const { readFileSync } = await import('node:fs');
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  await import('../dist/src/bundle/main.js').then((m) => m.main(process.argv)).catch((err) => {
    console.error(`aiops-guard: cannot start (${err && err.message}); run "npm run build" first`);
    process.exitCode = 70;
  });
}
