import { describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import { emitChunks } from '../../src/cli/output.js';
import { jsonChunks } from '../../src/report/formats.js';
import { notCheckedCount, notCheckedErrors } from '../../src/report/exit-code.js';
import type { Finding, Report, ReportError } from '../../src/report/types.js';

/** What `-f json` printed before it was written in pieces: the reference for every byte. */
const reference = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
const pieces = (value: unknown, batch?: number) => [...jsonChunks(value as Report, batch)];

describe('the JSON report in pieces', () => {
  test('the same bytes as one JSON.stringify, for any top-level object (lists empty or not, undefined and nested values)', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const field = fc.oneof(json, fc.array(json, { maxLength: 6 }), fc.array(fc.option(fc.object(), { nil: undefined }), { maxLength: 4 }), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), field, { maxKeys: 8 }), fc.integer({ min: 1, max: 7 }), (report, batch) => {
        expect(pieces(report).join('')).toBe(reference(report));
        // Lists longer than a batch go in several pieces.
        expect(pieces(report, batch).join('')).toBe(reference(report));
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  test('a long list of findings is written a batch at a time, never as one string', () => {
    const findings = Array.from({ length: 2000 }, (_, i) => ({ ruleId: `r-${i}`, message: 'line one\nline two "quoted" \u2028', line: i }));
    const report = { version: 1, findings, errors: [] };
    const chunks = pieces(report);
    expect(chunks.join('')).toBe(reference(report));
    expect(chunks.length).toBeGreaterThan(3);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(chunks.join('').length / 2);
  });
});

describe('writing the pieces', () => {
  /** What emitChunks hands to stdout, as bytes. */
  async function written(chunks: string[]): Promise<Buffer> {
    const out: Buffer[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((data: string | Uint8Array) => {
      out.push(Buffer.from(data as Uint8Array));
      return true;
    });
    try {
      await emitChunks(chunks);
    } finally {
      spy.mockRestore();
    }
    return Buffer.concat(out);
  }

  test('the UTF-8 of the joined pieces, whatever their characters (outside Latin-1, surrogate pairs) and sizes (beyond a batch)', async () => {
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('…', '✖', '😀', '\uD800', 'x'.repeat(300 * 1024), '€'.repeat(200 * 1024), '\u{1F600}'.repeat(90 * 1024)));
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (chunks) => {
        expect((await written(chunks)).equals(Buffer.from(chunks.join(''), 'utf8'))).toBe(true);
      }),
      { numRuns: 60, seed: 2 },
    );
  });
});

describe('what a run did not check', () => {
  const finding = (file: string, ruleId: string, suppressed = false) => ({ ruleId, file, severity: 'high', suppressed: suppressed ? { kind: 'annotation', reason: 'x' } : null }) as unknown as Finding;
  const error = (code: string, file: string | null, message = code) => ({ code, file, line: null, message }) as ReportError;

  test('counts each unparsed file and each file or target passed over once, whatever the gate', () => {
    const findings = [finding('a.yaml', 'parse-error'), finding('a.yaml', 'parse-error'), finding('b.yaml', 'parse-error', true), finding('c.yaml', 'k8s-privileged')];
    const errors = [error('symlink-outside-repo', 'link.yaml'), error('not-rendered', null, 'overlays/prod: cannot render'), error('template', 'a.yaml'), error('relations-partial', null)];
    // a.yaml (twice, and a template), link.yaml, the overlay; not the waived b.yaml, not c.yaml, not a note.
    expect(notCheckedCount(findings, errors)).toBe(3);
    expect(notCheckedErrors(errors, 'never')).toEqual([]);
    expect(notCheckedErrors(errors, 'high').map((e) => e.code)).toEqual(['symlink-outside-repo', 'not-rendered', 'template']);
  });
});
