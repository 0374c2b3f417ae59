import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import type Git from 'isomorphic-git';

let lib: typeof Git | null = null;

/**
 * isomorphic-git inflates every object it reads from a pack with pako, zlib in JavaScript: most of
 * what reading a commit's files cost. It calls `pako.inflate(bytes)` (the object's deflate stream,
 * then the rest of the pack, which inflate ignores), so the module it holds is given Node's own zlib,
 * which answers the same and throws an Error on corrupt data (reported as a damaged object).
 */
function load(): typeof Git {
  if (lib) return lib;
  const require = createRequire(import.meta.url);
  const pako = createRequire(require.resolve('isomorphic-git'))('pako') as { inflate: (data: Uint8Array) => Uint8Array };
  pako.inflate = (data) => inflateSync(data);
  return (lib = require('isomorphic-git') as typeof Git);
}

/**
 * isomorphic-git, loaded on first use: a warm run that reads no git object (the index and refs are
 * read directly) never pays for it. Loaded with `require`: imported as an ES module, Node first
 * scans its 400 KB CommonJS bundle for export names, tens of milliseconds more.
 */
const git = new Proxy({} as typeof Git, { get: (_target, name) => load()[name as keyof typeof Git] });
export default git;
