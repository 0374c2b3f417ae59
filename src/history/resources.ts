import type { ResourceId } from '../report/types.js';
import type { Selection } from '../source/select.js';
import { blobKey, type HistoryEvaluator, type TreeChange } from './evaluator.js';

/** How resources are told apart: drift's identity (namespace defaulted), or the identity as written. */
type ResourceKeyOf = (id: ResourceId) => string;

/**
 * Follows resources through history by identity: in each commit, the files that declare them.
 * A resource renamed, moved into another file or into a kubectl List is found all the same.
 */
export class ResourceLocator {
  /** For each resource followed: the files that declare it in the commit looked at. */
  readonly files = new Map<string, Set<string>>();
  private readonly keysByBlob = new Map<string, Set<string>>();

  constructor(
    private readonly evaluator: HistoryEvaluator,
    private readonly selection: Selection,
    private readonly keyOf: ResourceKeyOf,
    keys: Iterable<string>,
  ) {
    for (const k of keys) this.files.set(k, new Set());
  }

  /**
   * Finds the resources in a commit. `hint` is a file each is expected in (where the checked
   * state declares it): when it is there, the rest of the tree is not read.
   */
  async start(tree: string, hint: Map<string, string> = new Map()): Promise<void> {
    const missing = new Set<string>();
    for (const [key, where] of this.files) {
      const file = hint.get(key);
      const at = file ? await this.evaluator.fileAt(tree, file) : null;
      if (file && at && (await this.keysIn(at.oid, file, at.chart)).has(key)) where.add(file);
      else missing.add(key);
    }
    if (missing.size === 0) return;
    for (const f of await this.evaluator.wantedFiles(tree, this.selection)) {
      for (const k of await this.keysIn(f.oid!, f.path, f.chart)) if (missing.has(k)) this.files.get(k)!.add(f.path);
    }
  }

  /** Moves from one commit to the next one walked, given the files that differ between them. */
  async step(changes: readonly TreeChange[]): Promise<void> {
    for (const c of changes) {
      const before = c.from ? await this.keysIn(c.from, c.path, c.fromChart ?? false) : null;
      const after = c.to ? await this.keysIn(c.to, c.path, c.toChart ?? false) : null;
      for (const [key, where] of this.files) {
        if (before?.has(key) && !after?.has(key)) where.delete(c.path);
        if (after?.has(key)) where.add(c.path);
      }
    }
  }

  /** The files declaring a resource in the commit looked at, sorted. */
  filesOf(key: string): string[] {
    return [...(this.files.get(key) ?? [])].sort();
  }

  /** Every resource a file declares in a commit (empty when the file is not there). */
  async keysOfFile(tree: string, path: string): Promise<ReadonlySet<string>> {
    const at = await this.evaluator.fileAt(tree, path);
    return at ? this.keysIn(at.oid, path, at.chart) : new Set();
  }

  private async keysIn(oid: string, path: string, chart: boolean): Promise<Set<string>> {
    const id = blobKey(oid, path, chart);
    let keys = this.keysByBlob.get(id);
    if (!keys) {
      keys = new Set((await this.evaluator.documentsOf(oid, path, chart)).flatMap((d) => (d.id ? [this.keyOf(d.id)] : [])));
      this.keysByBlob.set(id, keys);
    }
    return keys;
  }
}
