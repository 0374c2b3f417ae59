import { createRequire } from 'node:module';
import type Git from 'isomorphic-git';

/**
 * isomorphic-git, loaded with `require`: imported as an ES module, Node first scans its 400 KB
 * CommonJS bundle for export names, which costs every run that reads git objects tens of
 * milliseconds (half of what loading it takes).
 */
const git = createRequire(import.meta.url)('isomorphic-git') as typeof Git;
export default git;
