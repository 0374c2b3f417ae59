#!/usr/bin/env node
// Shim: runs the built CLI (npm run build writes dist/).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`aiops-guard: cannot start (${err && err.message}); run "npm run build" first`);
  process.exitCode = 70;
});
