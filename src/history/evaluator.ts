import fs from 'node:fs';
import git from 'isomorphic-git';
import { parseErrorFinding, type RunContext } from '../check.js';
import { parseConfigFile } from '../parse/documents.js';
import { evaluateDocument } from '../policy/evaluate.js';
import { isAtOrAbove } from '../report/exit-code.js';
import type { Finding, ResourceId } from '../report/types.js';

const SYMLINK_MODE = '120000';

/** What one version of one file says: its findings, and (on request) its documents. */
export interface BlobResult {
  findings: Finding[];
  docs: { id: ResourceId | null; data: unknown }[];
}

/** The gate's view of one tree (a commit's or a folder's): its failing findings. */
interface TreeResult {
  gating: Finding[];
}

/**
 * Evaluates commits from git objects, never by checking out. Results are cached per blob (with
 * its path, which globs and waivers see) and per tree: a subtree whose id did not change
 * between commits is not read again, so the cost of a history walk grows with what changed.
 */
export class HistoryEvaluator {
  private readonly blobs = new Map<string, BlobResult>();
  private readonly trees = new Map<string, TreeResult>();
  private readonly treeEntries = new Map<string, { path: string; oid: string; type: string; mode: string }[]>();

  constructor(private readonly ctx: RunContext) {}

  /** Findings at or above the gate, unwaived, for a commit's tree. */
  async gatingFindings(treeOid: string): Promise<Finding[]> {
    return (await this.tree(treeOid, '')).gating;
  }

  /** Every finding of a commit's tree, and how many files and documents it has (for the report). */
  async allFindings(treeOid: string): Promise<{ findings: Finding[]; files: number; documents: number }> {
    const out = { findings: [] as Finding[], files: 0, documents: 0 };
    const visit = async (oid: string, prefix: string) => {
      for (const e of await this.entries(oid)) {
        const rel = prefix ? `${prefix}/${e.path}` : e.path;
        if (e.type === 'tree' && this.ctx.selection.wantDir(rel)) await visit(e.oid, rel);
        else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && this.ctx.selection.wanted(rel)) {
          const b = await this.blob(e.oid, rel);
          out.findings.push(...b.findings);
          out.files++;
          out.documents += b.docs.length;
        }
      }
    };
    await visit(treeOid, '');
    return out;
  }

  /** The blob id of a path in a tree, or null. */
  async blobAt(treeOid: string, filePath: string): Promise<string | null> {
    let oid = treeOid;
    const parts = filePath.split('/');
    for (let i = 0; i < parts.length; i++) {
      const e = (await this.entries(oid)).find((x) => x.path === parts[i]);
      if (!e) return null;
      if (i === parts.length - 1) return e.type === 'blob' ? e.oid : null;
      if (e.type !== 'tree') return null;
      oid = e.oid;
    }
    return null;
  }

  /** The parsed documents of one version of a file. */
  async documentsOf(oid: string, filePath: string): Promise<BlobResult['docs']> {
    return (await this.blob(oid, filePath)).docs;
  }

  private async entries(oid: string) {
    let list = this.treeEntries.get(oid);
    if (!list) {
      const { tree } = await git.readTree({ fs, gitdir: this.ctx.repo.gitdir, oid, cache: this.ctx.cache });
      this.treeEntries.set(oid, (list = tree));
    }
    return list;
  }

  private async tree(oid: string, prefix: string): Promise<TreeResult> {
    const key = `${oid}\u0000${prefix}`;
    const cached = this.trees.get(key);
    if (cached) return cached;
    const gating: Finding[] = [];
    for (const e of await this.entries(oid)) {
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') {
        if (this.ctx.selection.wantDir(rel)) gating.push(...(await this.tree(e.oid, rel)).gating);
      } else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && this.ctx.selection.wanted(rel)) {
        for (const f of (await this.blob(e.oid, rel)).findings) if (!f.suppressed && isAtOrAbove(f.severity, this.ctx.failOn)) gating.push(f);
      }
    }
    const result = { gating };
    this.trees.set(key, result);
    return result;
  }

  private async blob(oid: string, filePath: string): Promise<BlobResult> {
    const key = `${oid}\u0000${filePath}`;
    const cached = this.blobs.get(key);
    if (cached) return cached;
    const { blob } = await git.readBlob({ fs, gitdir: this.ctx.repo.gitdir, oid, cache: this.ctx.cache });
    const parsed = parseConfigFile(filePath, blob, this.ctx.limits);
    // Helm templates are reported by check; in history they neither pass nor fail a commit.
    const findings: Finding[] = parsed.failure && !parsed.failure.template ? [parseErrorFinding(parsed)] : [];
    for (const doc of parsed.documents) findings.push(...evaluateDocument(doc, this.ctx.prepared, this.ctx.policy));
    parsed.release();
    const result: BlobResult = { findings, docs: parsed.documents.map((d) => ({ id: d.id, data: d.data })) };
    this.blobs.set(key, result);
    return result;
  }
}
