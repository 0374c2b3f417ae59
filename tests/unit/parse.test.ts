import { describe, expect, test } from '@jest/globals';
import { DEFAULT_LIMITS, parseConfigFile, parseConfigText } from '../../src/parse/documents.js';
import { formatResource, groupOf, identifyResource } from '../../src/parse/identity.js';
import { getAtPointer, joinPointer, parsePointer } from '../../src/parse/pointer.js';
import { lenientFixesFor } from '../../src/parse/yaml.js';

describe('YAML 1.1, as Kubernetes reads it', () => {
  test('yes/no/on/off are booleans, 0755 is octal, dates stay strings', () => {
    const { documents, failure } = parseConfigText('a.yaml', 'a: yes\nb: off\nc: On\nd: 0755\ne: 2024-01-02\nf: "yes"\ng: 1_000\n');
    expect(failure).toBeNull();
    expect(documents[0]!.data).toEqual({ a: true, b: false, c: true, d: 493, e: '2024-01-02', f: 'yes', g: 1000 });
  });

  test('y and n are booleans too, even as keys (go-yaml v2 reads them so)', () => {
    expect(parseConfigText('a.yaml', 'y: 1\nx: n\n').documents[0]!.data).toEqual({ true: 1, x: false });
  });

  test('merge keys are applied', () => {
    const { documents } = parseConfigText('a.yaml', 'base: &b { x: 1 }\nderived:\n  <<: *b\n  z: 2\n');
    expect(documents[0]!.data).toEqual({ base: { x: 1 }, derived: { x: 1, z: 2 } });
  });

  test('a merged value is located where it is written, as go-yaml reads it: the last setting wins, the first of a list of merges', () => {
    const text = 'base: &b\n  x: 1\n  k: 1\nother: &o\n  x: 2\n  w: 2\nderived:\n  k: 3\n  <<: [*b, *o]\n  z: 4\nlater:\n  <<: *b\n  x: 5\n';
    const [doc] = parseConfigText('a.yaml', text).documents;
    expect(doc!.data).toEqual({ base: { x: 1, k: 1 }, other: { x: 2, w: 2 }, derived: { x: 1, k: 1, w: 2, z: 4 }, later: { x: 5, k: 1 } });
    const at = (pointer: string) => { const r = doc!.locate(pointer); return `${r.line}:${r.column}`; };
    expect(at('/derived/x')).toBe('2:6'); // from *b, the first of the list
    expect(at('/derived/w')).toBe('6:6'); // only *o has it
    expect(at('/derived/k')).toBe('3:6'); // the merge after k: 3 overwrites it
    expect(at('/derived/z')).toBe('10:6');
    expect(at('/later/x')).toBe('13:6'); // written after the merge: it wins
    expect(at('/later/k')).toBe('3:6');
  });
});

describe('documents', () => {
  test('multi-document files keep each index; empty documents are skipped', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: { name: a, namespace: ns }\n---\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: b }\n';
    const { documents } = parseConfigText('m.yaml', text);
    expect(documents.map((d) => [d.index, d.id])).toEqual([
      [0, { group: '', kind: 'Service', namespace: 'ns', name: 'a' }],
      [3, { group: 'apps', kind: 'Deployment', namespace: null, name: 'b' }],
    ]);
  });

  test('a kubectl List is unwrapped into its items, with positions inside the List', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'y' } }] }, null, 2);
    const { documents } = parseConfigText('list.json', text);
    expect(documents.map((d) => [d.basePointer, d.id?.kind, d.id?.name])).toEqual([
      ['/items/0', 'ConfigMap', 'x'],
      ['/items/1', 'Secret', 'y'],
    ]);
    expect(documents[1]!.locate('/metadata/name')).toEqual({ line: 16, column: 17, endLine: 16, endColumn: 20 });
  });

  test('an empty file is fine and has no documents', () => {
    expect(parseConfigText('e.yaml', '')).toMatchObject({ documents: [], failure: null });
  });

  test('locate points at the value, at the key of a collection, or at the nearest existing parent', () => {
    const text = 'spec:\n  containers:\n    - name: a\n      image: x:1\n';
    const doc = parseConfigText('p.yaml', text).documents[0]!;
    expect(doc.locate('/spec/containers/0/image')).toEqual({ line: 4, column: 14, endLine: 4, endColumn: 17 });
    expect(doc.locate('/spec/containers')).toMatchObject({ line: 2, column: 3 });
    expect(doc.locate('/spec/containers/0')).toMatchObject({ line: 3, column: 7 });
    expect(doc.locate('/spec/containers/0/securityContext/privileged')).toMatchObject({ line: 3, column: 7 });
    expect(doc.locate('/spec/containers/0/image')).toEqual(doc.locate('/spec/containers/0/image'));
  });

  test('positions survive release (the file is parsed again on demand)', () => {
    const parsed = parseConfigText('p.yaml', 'a:\n  b: 1\n');
    const before = parsed.documents[0]!.locate('/a/b');
    parsed.release();
    expect(parsed.documents[0]!.locate('/a/b')).toEqual(before);
  });
});

describe('files that cannot be read as configuration', () => {
  test('a duplicate key is a problem naming both lines, and the document is read with the last value', () => {
    const parsed = parseConfigText('d.yaml', 'a: 1\nb:\n  c: 2\n  c: 3\na: 4\n');
    expect(parsed.failure).toBeNull();
    const doc = parsed.documents[0]!;
    expect(doc.data).toEqual({ a: 4, b: { c: 3 } });
    expect(doc.problems).toEqual([
      { ruleId: 'duplicate-key', pointer: '/b/c', at: { line: 4, column: 3, endLine: 4, endColumn: 3 }, message: 'key "c" appears twice, at lines 3 and 4; Kubernetes reads the last one (line 4) and drops the other: remove one' },
      { ruleId: 'duplicate-key', pointer: '/a', at: { line: 5, column: 1, endLine: 5, endColumn: 1 }, message: 'key "a" appears twice, at lines 1 and 5; Kubernetes reads the last one (line 5) and drops the other: remove one' },
    ]);
  });

  test('too large files are errors, not skipped', () => {
    const f = parseConfigFile('big.yaml', new Uint8Array(2048), { ...DEFAULT_LIMITS, maxFileBytes: 1024 });
    expect(f.failure?.message).toBe('file is 0.0 MB, over the 0.0 MB limit; exclude it or raise maxFileBytes in .aiopsrc.json');
    expect(f.failure?.fix).toMatch(/^Exclude the file if it is data, not configuration .* or raise maxFileBytes/);
  });

  test('invalid UTF-8 names the line', () => {
    const bytes = new Uint8Array([...Buffer.from('a: 1\nb: 2\nc: '), 0xff, 0x0a]);
    expect(parseConfigFile('x.yaml', bytes).failure).toEqual({ message: 'file is not valid UTF-8; save it as UTF-8', line: 3, column: 1, fix: expect.stringMatching(/^Save the file as UTF-8/) });
  });

  test('a file with a template action whose YAML overflows the stack while it is scanned is a parse error, not a crash (fuzz seed 1, #1577)', () => {
    const text = 'apiVersion: v1\nkind:' + '    - port: 80\n      targetPort: http\n'.repeat(2000) + '      targetPort: h{{- if .x }}ttp\n';
    const parsed = parseConfigText('service.yaml', text);
    expect(parsed.documents).toEqual([]);
    expect(parsed.failure).toEqual({ message: 'the YAML cannot be read: Maximum call stack size exceeded', line: 1, column: 1 });
  });

  test('a line that starts deeper than 1,000 levels (indentation and `- ` / `? ` / `: ` indicators) is refused at that line, whatever line break came before', () => {
    const deep = '- '.repeat(400) + '? '.repeat(100) + ' '.repeat(300) + 'x: 1\n';
    for (const [name, text, line] of [
      ['after a line feed', `a: 1\nb:\n${deep}`, 3],
      ['after CRLF', `a: 1\r\nb:\r\n${deep}`, 3],
      ['on the first line', deep, 1],
    ] as const) {
      const parsed = parseConfigText('deep.yaml', text);
      expect({ name, documents: parsed.documents }).toEqual({ name, documents: [] });
      expect({ name, failure: parsed.failure }).toEqual({ name, failure: { message: 'the YAML nests deeper than 1000 levels here; no manifest does, and reading it would exhaust the stack', line, column: 1001 } });
    }
    // 1,000 is not too deep, and a long line whose start is shallow is read.
    expect(parseConfigText('ok.yaml', `a:\n${'- '.repeat(500)}x\n`).failure).toBeNull();
    expect(parseConfigText('ok.yaml', `a: "${'- '.repeat(2000)}"\n`).failure).toBeNull();
  });

  test('an alias without an anchor is reported at the alias, never quoting it; the next document is still read', () => {
    const f = parseConfigText('sec.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: *hunter2\n---\nkind: ConfigMap\n');
    expect(f.failure).toEqual({ message: 'document 1 cannot be expanded: an alias (*name) has no anchor (&name) before it; a value that starts with * must be quoted', line: 6, column: 13 });
    expect(JSON.stringify(f.failure)).not.toContain('hunter2');
    expect(f.documents.map((d) => d.index)).toEqual([1]);
  });

  test('a key indented under the value before it is reported at its colon, as kubectl (go-yaml) reports it, with what to do', () => {
    // kubectl create --dry-run=client: "yaml: line 2: mapping values are not allowed in this context".
    for (const [text, line, column] of [
      ['apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n', 2, 9],
      ['a: 1\n  b: 2\n', 2, 4],
    ] as const) {
      expect(parseConfigText('deploy.yaml', text).failure).toMatchObject({
        message: 'a "key:" indented deeper than the line before it, so YAML reads it as part of that value (kubectl: "mapping values are not allowed in this context"); indent it like the keys beside it',
        line,
        column,
      });
    }
  });

  test('alias expansion over the limit is an error', () => {
    const f = parseConfigText('bomb.yaml', 'a: &a [1, 2]\nb: [*a, *a, *a]\n', { ...DEFAULT_LIMITS, maxFileBytes: 1e6, maxAliasCount: 2 });
    expect(f.failure?.message).toMatch(/^document 1 cannot be expanded: Excessive alias count/);
  });
});

describe('identity and pointers', () => {
  test('group from apiVersion, resource formatting', () => {
    expect(groupOf('apps/v1')).toBe('apps');
    expect(groupOf('v1')).toBe('');
    expect(identifyResource({ apiVersion: 'v1', kind: 'Pod' })).toEqual({ group: '', kind: 'Pod', namespace: null, name: null });
    expect(identifyResource({ services: {} })).toBeNull();
    expect(formatResource({ group: 'apps', kind: 'Deployment', namespace: 'web', name: 'api' })).toBe('apps/Deployment web/api');
  });

  test('JSON pointers escape ~ and /', () => {
    const p = joinPointer('', 'metadata', 'annotations', 'a.io/b~c');
    expect(p).toBe('/metadata/annotations/a.io~1b~0c');
    expect(parsePointer(p)).toEqual(['metadata', 'annotations', 'a.io/b~c']);
    expect(getAtPointer({ metadata: { annotations: { 'a.io/b~c': 1 } } }, p)).toBe(1);
    expect(getAtPointer({ a: [10, 20] }, '/a/1')).toBe(20);
  });
});

describe('detach: values kept after a file is released share nothing with its text', () => {
  test('the same data, as copies', async () => {
    const { detach, detachString } = await import('../../src/parse/detach.js');
    const text = 'image: registry.example.com/team/app:1.0.0 and more text around it';
    const slice = text.slice(7, 41);
    expect(detachString(slice)).toBe('registry.example.com/team/app:1.0.0'.slice(0, 34));
    const data = { a: [slice, 1, null, true, { b: slice }], c: { d: 'short' } };
    const copy = detach(data);
    expect(copy).toEqual(data);
    expect(copy).not.toBe(data);
    expect(copy.a).not.toBe(data.a);
    expect(copy.a[4]).not.toBe(data.a[4]);
  });

  test('a "__proto__" key read from a file is not copied into a prototype', async () => {
    const { detach } = await import('../../src/parse/detach.js');
    const data = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    const copy = detach(data) as Record<string, unknown>;
    expect(copy.ok).toBe(1);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('the lenient re-read of under-indented continuation lines is bounded by the file size', () => {
  test('each fix parses the whole text again: a large file gets fewer fixes (about a million characters in all, at least 5)', () => {
    expect(lenientFixesFor(2_000)).toBe(100);
    expect(lenientFixesFor(20_000)).toBe(50);
    expect(lenientFixesFor(135_000)).toBe(7);
    expect(lenientFixesFor(8_000_000)).toBe(5);
  });

  test('a file of 1,500 cut-off flow sequences (the fuzz input that took 13 s) is a parse error at its first broken line', () => {
    const head = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: csr-requester\nrules:\n  - apiGroups: [certificates.k8s.io]\n    resources: [certificatesigningrequests]\n';
    const broken = '  - apiGroups: [certi\n---\ncatesigningrequests]\n    verbs: [create, get, list, watch]\n';
    const parsed = parseConfigText('broken.yaml', head + broken.repeat(1_500));
    expect(parsed.failure).toBeDefined();
    expect(parsed.documents).toEqual([]);
  });
});


describe('what a parse error tells to do', () => {
  test('a file with no word of a manifest (a tool\'s settings in JSON with comments) is told how to exclude it; a broken manifest is told to fix it', () => {
    const settings = parseConfigText('config/lint.json', '{\n  // rules\n  "extends": ["recommended"],\n}\n');
    expect(settings.failure?.fix).toBe('If config/lint.json is not a Kubernetes or compose config (a tool\'s settings), exclude it ("exclude": ["config/lint.json"] in .aiopsrc.json); if it is one, fix it so it parses as YAML 1.1 or JSON. A file that cannot be read is never counted as clean.');
    const manifest = parseConfigText('deploy.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: { name: a\n');
    expect(manifest.failure).toBeDefined();
    expect(manifest.failure?.fix).toBeUndefined();
  });
});
