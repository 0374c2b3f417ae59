import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';

/**
 * The git index (`.git/index`, versions 2-4), read without a git library: the paths git tracks and,
 * for each, the blob id and the stat data git recorded when it last looked at the file. Format:
 * https://git-scm.com/docs/index-format
 */

/** One entry: 32-bit fields as git stores them (times in seconds and nanoseconds). */
export interface IndexEntry {
  path: string;
  oid: string;
  mode: number;
  stage: number;
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
  /** assume-unchanged, skip-worktree or intent-to-add: git does not vouch for the stat data. */
  unvouched: boolean;
}

const ASSUME_VALID = 0x8000;
const EXTENDED = 0x4000;
const SKIP_WORKTREE = 0x4000;
const INTENT_TO_ADD = 0x2000;

/**
 * Parses an index. An index that is not one (no DIRC signature, unknown version, a trailing SHA-1
 * that does not match, as in a SHA-256 repository or a torn read) gives no entries: callers then
 * read every file themselves, which is always right.
 */
export function readIndexEntries(index: Buffer): IndexEntry[] {
  return readIndex(index).entries;
}

/**
 * The entries, and the signatures of the extensions that follow them (4 bytes of name, 4 of size):
 * `link` is a split index, whose entries are partly in a shared index this reader does not follow.
 */
export function readIndex(index: Buffer): { entries: IndexEntry[]; extensions: string[] } {
  const { entries, end } = parseIndex(index);
  const extensions: string[] = [];
  if (entries.length > 0) {
    for (let at = end; at + 8 <= index.length - 20; at += 8 + index.readUInt32BE(at + 4)) extensions.push(index.toString('latin1', at, at + 4));
  }
  return { entries, extensions };
}

/** The entries, and where they end (the extensions start there). */
function parseIndex(index: Buffer): { entries: IndexEntry[]; end: number } {
  const none = { entries: [], end: 0 };
  if (index.length < 32 || index.toString('latin1', 0, 4) !== 'DIRC') return none;
  const version = index.readUInt32BE(4);
  if (version < 2 || version > 4) return none;
  const body = index.subarray(0, index.length - 20);
  if (!createHash('sha1').update(body).digest().equals(index.subarray(index.length - 20))) return none;
  const count = index.readUInt32BE(8);
  const entries: IndexEntry[] = [];
  let at = 12;
  let previous = Buffer.alloc(0);
  for (let n = 0; n < count && at + 62 <= body.length; n++) {
    const start = at;
    const flags = index.readUInt16BE(at + 60);
    const extended = version >= 3 && flags & EXTENDED ? index.readUInt16BE(at + 62) : 0;
    const entry = {
      ctimeSec: index.readUInt32BE(at),
      ctimeNsec: index.readUInt32BE(at + 4),
      mtimeSec: index.readUInt32BE(at + 8),
      mtimeNsec: index.readUInt32BE(at + 12),
      ino: index.readUInt32BE(at + 20),
      mode: index.readUInt32BE(at + 24),
      uid: index.readUInt32BE(at + 28),
      gid: index.readUInt32BE(at + 32),
      size: index.readUInt32BE(at + 36),
      oid: index.toString('hex', at + 40, at + 60),
      stage: (flags >> 12) & 3,
      unvouched: Boolean(flags & ASSUME_VALID) || Boolean(extended & (SKIP_WORKTREE | INTENT_TO_ADD)),
    };
    at += version >= 3 && flags & EXTENDED ? 64 : 62;
    let name: string;
    if (version === 4) {
      // Prefix compression: drop N bytes of the previous path, then a NUL-terminated suffix; no padding.
      let byte = index[at++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = index[at++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = index.indexOf(0, at);
      if (end === -1 || end >= body.length) break;
      previous = Buffer.concat([previous.subarray(0, Math.max(0, previous.length - strip)), index.subarray(at, end)]);
      name = previous.toString('utf8');
      at = end + 1;
    } else {
      const end = index.indexOf(0, at);
      if (end === -1 || end >= body.length) break;
      name = index.toString('utf8', at, end);
      // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
      at = start + Math.ceil((end - start + 1) / 8) * 8;
    }
    entries.push({ path: name, ...entry });
  }
  return { entries, end: at };
}

const REGULAR_FILE = 0o100000;
const NS = 1_000_000_000n;
const U32 = 0xffffffffn;

/**
 * True when git's own check says a work-tree file still holds the entry's blob: a plain file, at
 * stage 0, that git vouches for, whose size, mtime, ctime, inode, uid and gid are those recorded,
 * and that is not racily clean — its mtime is before the second the index was written (a file
 * changed within that second keeps its size and mtime, so only its content can tell). Any doubt
 * answers false, and the caller hashes the bytes.
 */
export function statMatchesEntry(e: IndexEntry, st: BigIntStats, indexMtimeSec: number): boolean {
  if (e.stage !== 0 || e.unvouched || (e.mode & 0o170000) !== REGULAR_FILE || !st.isFile()) return false;
  if (e.mtimeSec >= indexMtimeSec) return false;
  return (
    BigInt(e.size) === (st.size & U32) &&
    BigInt(e.mtimeSec) === ((st.mtimeNs / NS) & U32) &&
    BigInt(e.mtimeNsec) === st.mtimeNs % NS &&
    BigInt(e.ctimeSec) === ((st.ctimeNs / NS) & U32) &&
    BigInt(e.ctimeNsec) === st.ctimeNs % NS &&
    BigInt(e.ino) === (st.ino & U32) &&
    BigInt(e.uid) === (st.uid & U32) &&
    BigInt(e.gid) === (st.gid & U32)
  );
}
