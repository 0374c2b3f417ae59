import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseConfigText, type ConfigDocument, type SourceRange } from '../parse/documents.js';

/** Finds pointers of one desired document in its git file. */
export type PointerLocator = (pointer: string) => SourceRange;

const DOCUMENT_MARKER = /^(---|\.\.\.)(\s|$)/;

/**
 * Positions of changed fields in the git files. A document's own `locate` re-parses its whole
 * file once its syntax trees were released; in the working tree, a document of a multi-document
 * file is parsed on its own instead (its lines, up to the next `---`), and used only when it reads
 * back exactly as the document did — anything else (a List item, a changed file, --ref, --staged)
 * takes the document's own `locate`.
 */
export function createDriftLocator(repoDir: string, worktree: boolean): (doc: ConfigDocument) => PointerLocator {
  // Lines of multi-document files; null for files of one document (their own locate costs the same).
  const texts = new Map<string, string[] | null>();
  const linesOf = (file: string): string[] | null => {
    if (!texts.has(file)) {
      let lines: string[] | null = null;
      try {
        lines = readFileSync(path.join(repoDir, file), 'utf8').split('\n');
      } catch {
        lines = null;
      }
      texts.set(file, lines && lines.some((l) => DOCUMENT_MARKER.test(l)) ? lines : null);
    }
    return texts.get(file)!;
  };
  return (doc) => {
    if (!worktree || doc.basePointer !== '') return (p) => doc.locate(p);
    const lines = linesOf(doc.file);
    if (!lines) return (p) => doc.locate(p);
    const first = doc.start.line - 1;
    let end = first + 1;
    while (end < lines.length && !DOCUMENT_MARKER.test(lines[end]!)) end++;
    // Up to and with the newline before the next marker, as the document's range runs in the whole file.
    const parsed = parseConfigText(doc.file, lines.slice(first, end).join('\n') + (end < lines.length ? '\n' : ''));
    const own = parsed.documents.length === 1 && !parsed.failure ? parsed.documents[0]! : null;
    if (!own || !isDeepStrictEqual(own.data, doc.data)) return (p) => doc.locate(p);
    return (p) => {
      const r = own.locate(p);
      return { line: r.line + first, column: r.column, endLine: r.endLine + first, endColumn: r.endColumn };
    };
  };
}
