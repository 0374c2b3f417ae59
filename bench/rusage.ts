/**
 * Runs a node script in this process and writes its resource usage to a file when it exits:
 * `node rusage.js <out.json> <script> [args...]`. CPU time counts every thread; maxRSS is the peak
 * of the process (the script's own threads included).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [out, script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0]!, path.resolve(script!), ...args];
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(out!, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
});
await import(pathToFileURL(path.resolve(script!)).href);
