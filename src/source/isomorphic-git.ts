import { createRequire } from 'node:module';
import type Git from 'isomorphic-git';

let lib: typeof Git | null = null;
const load = (): typeof Git => (lib ??= createRequire(import.meta.url)('isomorphic-git') as typeof Git);

/**
 * isomorphic-git, loaded on first use: a warm run that reads no git object (the index and refs are
 * read directly) never pays for it. Loaded with `require`: imported as an ES module, Node first
 * scans its 400 KB CommonJS bundle for export names, tens of milliseconds more.
 */
const git = new Proxy({} as typeof Git, { get: (_target, name) => load()[name as keyof typeof Git] });
export default git;
