import { parseConfigText, type SourceRange } from '../parse/documents.js';
import { identifyResource } from '../parse/identity.js';
import type { ResourceId } from '../report/types.js';
import { COMMON_LABELS, isDefaultNameReference, METADATA_LABELS, readFieldSpecs, TEMPLATE_LABELS, type FieldSpec } from './field-specs.js';
import { isWithin, resolveIn, type KustomizeFiles } from './files.js';
import { generate, type GeneratorEntry } from './generators.js';
import { contentHash } from './hash.js';
import { applyJsonPatch } from './json-patch.js';
import { fixNameReferences } from './name-reference.js';
import { escape, isMap, locateOrigin, originAt, provChild, provConst, provFromSource, type Origin, type Prov, type SourceDoc, type SourceLocation } from './provenance.js';
import { currentId, groupOfResource, kindOf, makeResource, RenderError, setName, versionOf, type Resource } from './resource.js';
import { readSelector, selectResources, type Selector } from './selector.js';
import { sortLegacy } from './sort.js';
import { applyStrategicMerge } from './strategic-merge.js';
import { addAnnotations, addNameAffix, addPairs, imageRulePointer, readImageRule, setImages, setNamespaces, setReplicas } from './transformers.js';
import { applyReplacement, readReplacement, type Replacement } from './replacements.js';
import { mergeVars, readVars, resolveVars, type Var } from './vars.js';
import { readKustomizeYaml, type KustomizeDoc } from './yaml.js';
import { KUSTOMIZATION_NAMES } from './targets.js';

/** One object of a rendered kustomization. */
export interface RenderedObject {
  data: Record<string, unknown>;
  id: ResourceId | null;
  /**
   * Where the value at `pointer` (a JSON pointer into `data`) was set: the patch line when a
   * patch set it, the base resource line otherwise, the kustomization line for values its
   * transformers made (images, namespace, labels, replicas, name prefix). A pointer to a missing
   * value gives its nearest existing parent.
   */
  locate(pointer: string): SourceLocation;
  /** The file where the object starts (its base resource, or the kustomization of a generated object), known without locating anything. */
  file: string;
}

export interface KustomizeError {
  /** The kustomization being read when the error happened (the message names the exact file and line). */
  file: string | null;
  message: string;
  /** A kustomize feature this renderer does not implement (the target is not checked). */
  unsupported: boolean;
}

/** A rendered kustomization: all its objects, or none and the reason. Never a partial render. */
export interface KustomizeRender {
  /** The kustomization's directory, relative to the repository root. */
  target: string;
  objects: RenderedObject[];
  errors: KustomizeError[];
  /** Every file the render read: kustomizations, resources, patches, generator inputs. */
  inputs: string[];
}

const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'sortOptions',
  'replacements',
  'vars',
  'configurations',
]);
const UNSUPPORTED_FIELDS = [
  'helmCharts',
  'helmGlobals',
  'helmChartInflationGenerator',
  'generators',
  'transformers',
  'validators',
  'crds',
  'openapi',
  'buildMetadata',
];

/**
 * Renders the kustomization in `target` (a directory relative to the repository root) as
 * `kustomize build` (v5) would, reading only through `files`. Every value of every object keeps
 * the place in the sources that set it.
 */
export async function renderKustomization(target: string, files: KustomizeFiles): Promise<KustomizeRender> {
  const renderer = new Renderer(files);
  const dir = target.replace(/\/$/, '') === '.' ? '' : target.replace(/\/$/, '');
  try {
    const resources = await renderer.build(dir);
    const objects = resources.map((res): RenderedObject => {
      const prov = res.prov;
      return { data: res.data, id: identifyResource(res.data), locate: (pointer) => locateOrigin(originAt(prov, pointer)), file: originAt(prov, '').doc.file };
    });
    return { target: dir, objects, errors: [], inputs: [...renderer.inputs].sort() };
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    const unsupported = err.message.startsWith('not rendered:');
    return { target: dir, objects: [], errors: [{ file: renderer.current, message: err.message, unsupported }], inputs: [...renderer.inputs].sort() };
  }
}

interface Kustomization {
  dir: string;
  file: string;
  text: string;
  data: Record<string, unknown>;
  doc: SourceDoc;
}

/** A patch's documents, each with its source for provenance. */
interface PatchDoc {
  data: unknown;
  prov: Prov;
  where: string;
}

class Renderer {
  readonly inputs = new Set<string>();
  /** Every kustomization's `vars`, resolved once at the end, and the fields its `configurations` add to kustomize's varReference. */
  private readonly vars: Var[] = [];
  private readonly varReferences: FieldSpec[] = [];
  /** The kustomization being read when an error happens. */
  current: string | null = null;

  constructor(private readonly files: KustomizeFiles) {}

  async build(dir: string): Promise<Resource[]> {
    // kubectl kustomize builds a Component's folder too (kubeflow's oauth2-proxy components are built alone).
    const kust = await this.load(dir, 'Kustomization or Component', []);
    const sort = kust.data.sortOptions;
    if (sort !== undefined && !(isMap(sort) && sort.order === 'legacy' && sort.legacySortOptions === undefined)) {
      throw new RenderError('not rendered: sortOptions other than the default legacy order is not supported');
    }
    const resources = await this.accumulate(kust, [], [dir], []);
    for (const res of resources) {
      if (!res.hashSuffix) continue;
      setName(res, `${currentId(res).name}-${contentHash(res)}`, res.hashSuffix);
    }
    fixNameReferences(resources);
    resolveVars(resources, this.vars, this.varReferences);
    return sortLegacy(resources);
  }

  private async read(file: string): Promise<Uint8Array | null> {
    const bytes = await this.files.read(file);
    if (bytes !== null) this.inputs.add(file);
    return bytes;
  }

  private async load(dir: string, expected: 'Kustomization' | 'Component' | 'Kustomization or Component', stack: string[]): Promise<Kustomization> {
    let file: string | null = null;
    let bytes: Uint8Array | null = null;
    for (const name of KUSTOMIZATION_NAMES) {
      const candidate = dir === '' ? name : `${dir}/${name}`;
      bytes = await this.read(candidate);
      if (bytes !== null) {
        file = candidate;
        break;
      }
    }
    if (file === null || bytes === null) throw new RenderError(`${dir || '.'}: no kustomization.yaml in the directory`);
    this.current = file;
    const text = new TextDecoder().decode(bytes);
    const parsed = parseConfigText(file, text, undefined, { asWritten: true });
    if (parsed.failure) throw new RenderError(`${file}:${parsed.failure.line}:${parsed.failure.column}: ${parsed.failure.message}`);
    const first = parsed.documents[0];
    const data = first?.data ?? {};
    if (!isMap(data)) throw new RenderError(`${file}: a kustomization must be a map`);
    const kind = typeof data.kind === 'string' && data.kind !== '' ? data.kind : 'Kustomization';
    if (kind !== expected && !(expected === 'Kustomization or Component' && (kind === 'Kustomization' || kind === 'Component'))) throw new RenderError(`${file}: expected kind ${expected} here (${stack.join(' → ')}), found ${kind}`);
    // kustomize's EnforceFields: an apiVersion, when given, must be the one of the kind.
    const apiVersion = kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
    if (data.apiVersion !== undefined && data.apiVersion !== null && data.apiVersion !== '' && data.apiVersion !== apiVersion) {
      throw new RenderError(`${file}:${first!.locate('/apiVersion').line}: apiVersion for ${kind} should be ${apiVersion}; kustomize refuses this kustomization`);
    }
    for (const field of UNSUPPORTED_FIELDS) if (field in data) throw new RenderError(`not rendered: ${field} is not supported`);
    for (const field of Object.keys(data)) if (!SUPPORTED_FIELDS.has(field)) throw new RenderError(`${file}: unknown field "${field}"`);
    const doc: SourceDoc = { file, role: 'kustomization', locate: (p) => (first ? first.locate(p) : wholeRange()) };
    const kust = { dir, file, text, data, doc };
    checkTypes(kust);
    return kust;
  }

  /** kustomize's accumulateTarget: resources, generators, components, then this kustomization's transformers. */
  private async accumulate(kust: Kustomization, into: Resource[], stack: string[], namespaceSpecs: FieldSpec[]): Promise<Resource[]> {
    const { data } = kust;
    mergeVars(this.vars, readVars(data.vars, kust.file));
    // kustomize merges a kustomization's configurations into its accumulator, and a base's
    // accumulator into its parent's: the field specs act here and in every kustomization above.
    namespaceSpecs.push(...(await this.readConfigurations(kust)));
    const entries = [...strings(data.bases, kust, 'bases'), ...strings(data.resources, kust, 'resources')];
    // Only addResource grows `into` here (a nested kustomization builds its own list).
    const known = new Set(into.map(idKey));
    for (const entry of entries) {
      this.current = kust.file;
      const loaded = await this.loadResource(kust, entry, stack, namespaceSpecs);
      for (const res of loaded) addResource(into, known, res, kust.file);
    }
    this.current = kust.file;
    await this.runGenerators(kust, into);
    for (const entry of strings(data.components, kust, 'components')) {
      const dir = this.localPath(kust, entry, 'components');
      if (!this.files.isDirectory(dir)) throw new RenderError(`${kust.file}: component "${entry}" is not a directory`);
      if (stack.some((s) => contains(dir, s))) throw new RenderError(`${kust.file}: component cycle: ${[...stack, dir].join(' → ')}`);
      const component = await this.load(dir, 'Component', [...stack, dir]);
      await this.accumulate(component, into, [...stack, dir], namespaceSpecs);
      this.current = kust.file;
    }
    this.current = kust.file;
    await this.runTransformers(kust, into, namespaceSpecs);
    return into;
  }

  private localPath(kust: Kustomization, entry: string, field: string): string {
    if (isRemote(entry)) throw new RenderError(`not rendered: remote resource "${entry}" is not supported`);
    const resolved = resolveIn(kust.dir, entry);
    if (resolved === null) throw new RenderError(`${kust.file}: ${field} entry "${entry}" is outside the repository`);
    return resolved;
  }

  private async loadResource(kust: Kustomization, entry: string, stack: string[], namespaceSpecs: FieldSpec[]): Promise<Resource[]> {
    const target = this.localPath(kust, entry, 'resources');
    const bytes = await this.read(target);
    if (bytes !== null) {
      if (!isWithin(kust.dir, target)) {
        throw new RenderError(`${kust.file}: resource file "${entry}" is not in or below ${kust.dir || '.'}; kustomize refuses it (use a kustomization there)`);
      }
      return this.parseResources(target, bytes);
    }
    if (this.files.isDirectory(target)) {
      // kustomize's loader refuses a folder that is, or contains, one it is already in (errIfArgEqualOrHigher).
      const inside = stack.find((s) => contains(target, s));
      if (inside !== undefined) {
        const why = inside === target ? '' : ` (${target || '.'} contains a kustomization that includes it)`;
        throw new RenderError(`${kust.file}: cycle: ${[...stack, target].join(' → ')}${why}`);
      }
      const sub = await this.load(target, 'Kustomization', [...stack, target]);
      return this.accumulate(sub, [], [...stack, target], namespaceSpecs);
    }
    throw new RenderError(`${kust.file}: resource "${entry}" does not exist`);
  }

  private parseResources(file: string, bytes: Uint8Array): Resource[] {
    return readKustomizeYaml(file, decodeText(file, bytes)).map((d) =>
      makeResource(d.data, provFromSource(d.data, { file, role: 'resource', locate: d.locate }, ''), () => `${file}:${d.locate('').line}`),
    );
  }

  private async runGenerators(kust: Kustomization, into: Resource[]): Promise<void> {
    const { data } = kust;
    const globalOptions = isMap(data.generatorOptions) ? data.generatorOptions : null;
    for (const key of Object.keys(globalOptions ?? {})) {
      if (!['labels', 'annotations', 'disableNameSuffixHash', 'immutable'].includes(key)) throw new RenderError(`${kust.file}: generatorOptions: unknown field "${key}"`);
    }
    const ctx = { dir: kust.dir, kustFile: kust.file, kustDoc: kust.doc, globalOptions, files: this.files, onRead: (f: string) => this.inputs.add(f) };
    for (const [field, kind] of [
      ['configMapGenerator', 'ConfigMap'],
      ['secretGenerator', 'Secret'],
    ] as const) {
      const list = data[field];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new RenderError(`${kust.file}: ${field} must be a list`);
      for (const [i, args] of list.entries()) {
        if (!isMap(args)) throw new RenderError(`${kust.file}: ${field}[${i}] must be a map`);
        const behavior = args.behavior ?? 'create';
        if (behavior !== 'create' && behavior !== 'merge' && behavior !== 'replace') {
          throw new RenderError(`${kust.file}: ${field}[${i}].behavior must be create, merge or replace`);
        }
        const entry: GeneratorEntry = { kind, args, pointer: `/${field}/${i}` };
        const made = await generate(entry, ctx);
        absorb(into, made, behavior, `${kust.file}: ${field}[${i}]`);
      }
    }
  }

  /**
   * `configurations` files add field specs to the transformers. Read: `namespace` (more places the
   * namespace goes), `nameReference` entries that kustomize's defaults already hold (kubebuilder's
   * webhook kustomizeconfig.yaml repeats them), and `varReference` (more fields where `vars` are
   * substituted, kubeflow's params.yaml). Anything else is not supported.
   */
  private async readConfigurations(kust: Kustomization): Promise<FieldSpec[]> {
    const namespaceSpecs: FieldSpec[] = [];
    for (const [i, entry] of strings(kust.data.configurations, kust, 'configurations').entries()) {
      const { file, docs } = await this.readNamedFile(kust, entry, `${kust.file}: configurations entry "${entry}"`, (f) => `${kust.file}:${kust.doc.locate(`/configurations/${i}`).line}: configurations file ${f} does not exist`);
      for (const doc of docs) {
        if (doc.data === null || doc.data === undefined) continue;
        if (!isMap(doc.data)) throw new RenderError(`${file}: a transformer configuration must be a map`);
        for (const [key, value] of Object.entries(doc.data)) {
          if (key === 'varReference') {
            this.varReferences.push(...readFieldSpecs(value, `${file}: varReference`));
            continue;
          }
          if (key === 'namespace') namespaceSpecs.push(...readFieldSpecs(value, `${file}: namespace`));
          else if (key === 'nameReference' && isDefaultNameReference(value, file)) continue;
          else throw new RenderError(`not rendered: configurations (${file}: ${key}) is not supported; only namespace, varReference and nameReference entries kustomize already has are`);
        }
      }
    }
    return namespaceSpecs;
  }

  /** kustomize's builtin transformer order (kusttarget_configplugin.go). */
  private async runTransformers(kust: Kustomization, resources: Resource[], namespaceSpecs: readonly FieldSpec[]): Promise<void> {
    const { data } = kust;
    const at = (pointer: string): Origin => ({ doc: kust.doc, pointer });

    for (const [i, entry] of list(data.patchesStrategicMerge, kust, 'patchesStrategicMerge').entries()) {
      if (typeof entry !== 'string') throw new RenderError(`${kust.file}: patchesStrategicMerge[${i}] must be a string`);
      const docs = await this.patchDocs(kust, entry, `/patchesStrategicMerge/${i}`, true);
      for (const doc of docs) this.applyStrategicMergeById(resources, doc);
    }
    for (const [i, entry] of list(data.patches, kust, 'patches').entries()) {
      if (!isMap(entry)) throw new RenderError(`${kust.file}: patches[${i}] must be a map`);
      for (const key of Object.keys(entry)) {
        if (key === 'options') throw new RenderError(`not rendered: patches[${i}].options is not supported`);
        if (key !== 'path' && key !== 'patch' && key !== 'target') throw new RenderError(`${kust.file}: patches[${i}]: unknown field "${key}"`);
      }
      const source = typeof entry.path === 'string' ? entry.path : typeof entry.patch === 'string' ? entry.patch : null;
      if (source === null || (entry.path !== undefined && entry.patch !== undefined)) {
        throw new RenderError(`${kust.file}: patches[${i}] needs exactly one of path or patch`);
      }
      const docs = await this.patchDocs(kust, source, typeof entry.path === 'string' ? `/patches/${i}/path` : `/patches/${i}/patch`, typeof entry.path !== 'string' ? false : null);
      const selector = entry.target !== undefined ? readSelector(entry.target, `${kust.file}: patches[${i}]`) : null;
      this.applyPatch(resources, docs, selector, `${kust.file}: patches[${i}]`);
    }
    if (typeof data.namespace === 'string' && data.namespace !== '') setNamespaces(resources, data.namespace, at('/namespace'), namespaceSpecs);
    if (typeof data.namePrefix === 'string' && data.namePrefix !== '') addNameAffix(resources, { prefix: data.namePrefix }, at('/namePrefix'));
    if (typeof data.nameSuffix === 'string' && data.nameSuffix !== '') addNameAffix(resources, { suffix: data.nameSuffix }, at('/nameSuffix'));
    for (const [i, entry] of list(data.labels, kust, 'labels').entries()) {
      if (!isMap(entry) || !isMap(entry.pairs)) throw new RenderError(`${kust.file}: labels[${i}] needs pairs`);
      for (const key of Object.keys(entry)) {
        if (key === 'fields') throw new RenderError(`not rendered: labels[${i}].fields is not supported`);
        if (key !== 'pairs' && key !== 'includeSelectors' && key !== 'includeTemplates') throw new RenderError(`${kust.file}: labels[${i}]: unknown field "${key}"`);
      }
      const specs: FieldSpec[] = entry.includeSelectors === true ? COMMON_LABELS : entry.includeTemplates === true ? TEMPLATE_LABELS : METADATA_LABELS;
      addPairs(resources, entry.pairs, specs, (k) => at(`/labels/${i}/pairs/${escape(k)}`));
    }
    if (data.commonLabels !== undefined) addPairs(resources, mapField(data.commonLabels, kust, 'commonLabels'), COMMON_LABELS, (k) => at(`/commonLabels/${escape(k)}`));
    if (data.commonAnnotations !== undefined) addAnnotations(resources, mapField(data.commonAnnotations, kust, 'commonAnnotations'), (k) => at(`/commonAnnotations/${escape(k)}`));
    for (const [i, entry] of list(data.patchesJson6902, kust, 'patchesJson6902').entries()) {
      if (!isMap(entry)) throw new RenderError(`${kust.file}: patchesJson6902[${i}] must be a map`);
      const selector = readSelector(entry.target, `${kust.file}: patchesJson6902[${i}]`);
      const source = typeof entry.path === 'string' ? entry.path : typeof entry.patch === 'string' ? entry.patch : null;
      if (source === null) throw new RenderError(`${kust.file}: patchesJson6902[${i}] needs path or patch`);
      const docs = await this.patchDocs(kust, source, typeof entry.path === 'string' ? `/patchesJson6902/${i}/path` : `/patchesJson6902/${i}/patch`, typeof entry.path !== 'string' ? false : null);
      if (docs.length !== 1 || !Array.isArray(docs[0]!.data)) throw new RenderError(`${kust.file}: patchesJson6902[${i}] is not a JSON patch (a list of operations)`);
      for (const res of selectResources(resources, selector)) applyJsonPatch(res, docs[0]!.data, docs[0]!.prov, docs[0]!.where);
    }
    for (const [i, entry] of list(data.replicas, kust, 'replicas').entries()) {
      if (!isMap(entry) || typeof entry.name !== 'string' || typeof entry.count !== 'number') {
        throw new RenderError(`${kust.file}: replicas[${i}] needs a name and a numeric count`);
      }
      setReplicas(resources, entry.name, entry.count, at(`/replicas/${i}/count`));
    }
    for (const [i, entry] of list(data.images, kust, 'images').entries()) {
      const rule = readImageRule(entry, `${kust.file}: images[${i}]`);
      setImages(resources, rule, at(imageRulePointer(`/images/${i}`, rule)));
    }
    // Last: a replacement sees the names, namespaces, labels and images the transformers above made.
    for (const r of await this.readReplacements(kust)) applyReplacement(resources, r.replacement, r.where);
  }

  /** The kustomization's replacements, inline or from files (`path:`, a list of replacements or one). */
  private async readReplacements(kust: Kustomization): Promise<{ replacement: Replacement; where: string }[]> {
    const out: { replacement: Replacement; where: string }[] = [];
    for (const [i, entry] of list(kust.data.replacements, kust, 'replacements').entries()) {
      const line = kust.doc.locate(`/replacements/${i}`).line;
      const where = `${kust.file}:${line}: replacements[${i}]`;
      if (!isMap(entry)) throw new RenderError(`${where} must be a map`);
      if (entry.path === undefined) {
        out.push({ replacement: readReplacement(entry, where), where });
        continue;
      }
      if (typeof entry.path !== 'string' || Object.keys(entry).length !== 1) throw new RenderError(`${where}: a replacement has either path or source and targets`);
      const { file, docs } = await this.readNamedFile(kust, entry.path, `${where}: "${entry.path}"`, (f) => `${where}: replacement file ${f} does not exist`);
      for (const doc of docs) {
        const items = Array.isArray(doc.data) ? doc.data : [doc.data];
        items.forEach((item, j) => {
          const at = `${file}:${doc.locate(Array.isArray(doc.data) ? `/${j}` : '').line}: replacement`;
          out.push({ replacement: readReplacement(item, at), where: at });
        });
      }
    }
    return out;
  }

  /**
   * The documents of a file a kustomization names (a patch, a configurations or a replacements file),
   * refused outside the kustomization's folder as kustomize refuses it. `named` says which entry, for
   * that message; `missing` is the message for a file that is not there.
   */
  private async readNamedFile(kust: Kustomization, entry: string, named: string, missing: (file: string) => string): Promise<{ file: string; docs: KustomizeDoc[] }> {
    const file = resolveIn(kust.dir, entry);
    if (file === null || !isWithin(kust.dir, file)) throw new RenderError(`${named} is outside the kustomization's directory; kustomize refuses it`);
    const bytes = await this.read(file);
    if (bytes === null) throw new RenderError(missing(file));
    return { file, docs: readKustomizeYaml(file, decodeText(file, bytes)) };
  }

  /**
   * A patch's documents. `inline` true: the text itself is the patch; false: it is, and it sits at
   * `pointer` in the kustomization; null: `source` is a file path.
   * patchesStrategicMerge entries (inline = true) are a file when such a file exists.
   */
  private async patchDocs(kust: Kustomization, source: string, pointer: string, inline: boolean | null): Promise<PatchDoc[]> {
    if (inline === null || (inline === true && !source.includes('\n'))) {
      const { file, docs } = await this.readNamedFile(kust, source, `${kust.file}: patch "${source}"`, (f) => `${kust.file}: patch file ${f} does not exist`);
      return docs.map((d) => ({
        data: d.data,
        prov: provFromSource(d.data, { file, role: 'patch', locate: d.locate }, ''),
        where: file,
      }));
    }
    const inner = parseConfigText(kust.file, source, undefined, { asWritten: true });
    const shift = blockShift(kust, pointer);
    if (inner.failure) {
      const line = shift ? inner.failure.line + shift.lines : kust.doc.locate(pointer).line;
      throw new RenderError(`${kust.file}:${line}: the patch at ${pointer} cannot be read: ${inner.failure.message}`);
    }
    inner.release();
    return readKustomizeYaml(kust.file, source).map((d) => {
      const doc: SourceDoc = {
        file: kust.file,
        role: 'patch',
        locate: (p) => {
          if (!shift) return kust.doc.locate(pointer);
          const r = d.locate(p);
          return { line: r.line + shift.lines, column: r.column + shift.columns, endLine: r.endLine + shift.lines, endColumn: r.endColumn + shift.columns };
        },
      };
      return { data: d.data, prov: provFromSource(d.data, doc, ''), where: `${kust.file} ${pointer}` };
    });
  }

  private applyPatch(resources: Resource[], docs: PatchDoc[], selector: Selector | null, where: string): void {
    if (docs.length === 1 && Array.isArray(docs[0]!.data)) {
      if (!selector) throw new RenderError(`${where}: a JSON patch needs a target`);
      for (const res of selectResources(resources, selector)) applyJsonPatch(res, docs[0]!.data, docs[0]!.prov, docs[0]!.where);
      return;
    }
    for (const doc of docs) {
      if (!isMap(doc.data)) throw new RenderError(`${where}: a strategic merge patch must be a map`);
      if (!selector) {
        this.applyStrategicMergeById(resources, doc);
        continue;
      }
      for (const res of selectResources(resources, selector)) {
        if (!applyStrategicMerge(res, doc.data, doc.prov)) resources.splice(resources.indexOf(res), 1);
      }
    }
  }

  /** A strategic merge patch without a target applies to the one object with its kind and (current or earlier) name. */
  private applyStrategicMergeById(resources: Resource[], doc: PatchDoc): void {
    const patch = doc.data;
    if (!isMap(patch)) throw new RenderError(`${doc.where}: a strategic merge patch must be a map`);
    const meta = isMap(patch.metadata) ? patch.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
    const apiVersion = typeof patch.apiVersion === 'string' ? patch.apiVersion : '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (typeof patch.kind !== 'string' || name === '') throw new RenderError(`${doc.where}: a strategic merge patch needs kind and metadata.name (or a target)`);
    const nsEqual = (a: string, b: string) => (a || 'default') === (b || 'default');
    const matches = resources.filter(
      (r) =>
        kindOf(r) === patch.kind &&
        groupOfResource(r) === group &&
        (version === '' || versionOf(r) === version) &&
        r.ids.some((id) => id.name === name && nsEqual(id.namespace, namespace)),
    );
    if (matches.length === 0) throw new RenderError(`${doc.where}: no resource matches the patch for ${patch.kind} "${name}"`);
    if (matches.length > 1) throw new RenderError(`${doc.where}: more than one resource matches the patch for ${patch.kind} "${name}"`);
    const res = matches[0]!;
    if (!applyStrategicMerge(res, patch, doc.prov)) resources.splice(resources.indexOf(res), 1);
  }
}

/** Adds a resource, refusing a second object with the same id (`known` holds the ids in `into`), as kustomize does. */
function addResource(into: Resource[], known: Set<string>, res: Resource, file: string): void {
  const key = idKey(res);
  if (known.has(key)) throw new RenderError(`${file}: ${kindOf(res)} "${currentId(res).name}" is included twice (kustomize refuses an already registered id)`);
  known.add(key);
  into.push(res);
}

function idKey(res: Resource): string {
  const id = currentId(res);
  return `${groupOfResource(res)}|${kindOf(res)}|${id.namespace}|${id.name}`;
}

/** A generated object joins the others by its behavior: create (new), merge or replace (an existing one). */
function absorb(into: Resource[], made: Resource, behavior: 'create' | 'merge' | 'replace', where: string): void {
  const id = currentId(made);
  const nsEqual = (a: string, b: string) => (a || 'default') === (b || 'default');
  // kustomize's appendReplaceOrMerge: any id the object has had, namespace included (so a base's
  // generator moved by the base's `namespace:` is found by its name without one).
  const existing = into.filter((r) => kindOf(r) === kindOf(made) && r.ids.some((i) => i.name === id.name && nsEqual(i.namespace, id.namespace)));
  if (behavior === 'create') {
    if (existing.length > 0) throw new RenderError(`${where}: ${kindOf(made)} "${id.name}" already exists; use behavior merge or replace`);
    into.push(made);
    return;
  }
  if (existing.length !== 1) throw new RenderError(`${where}: behavior ${behavior} needs exactly one ${kindOf(made)} "${id.name}" from a base, found ${existing.length}`);
  const old = existing[0]!;
  if (behavior === 'merge') {
    for (const field of ['data', 'binaryData']) mergeMissing(made, old, [field]);
  }
  for (const field of ['labels', 'annotations']) mergeMissing(made, old, ['metadata', field]);
  // CopyMergeMetaDataFieldsFrom: the object keeps the name and namespace it has in the base.
  copyMetadataField(made, old, 'name');
  copyMetadataField(made, old, 'namespace');
  made.ids = [...old.ids];
  into[into.indexOf(old)] = made;
}

/** Sets `metadata.<field>` of `to` to that of `from` (with its provenance), or removes it when `from` has none. */
function copyMetadataField(to: Resource, from: Resource, field: 'name' | 'namespace'): void {
  const fromMeta = isMap(from.data.metadata) ? from.data.metadata : {};
  const fromMetaProv = provChild(from.prov, 'metadata');
  const toMeta = isMap(to.data.metadata) ? to.data.metadata : null;
  const toMetaProv = provChild(to.prov, 'metadata');
  if (!toMeta || !toMetaProv) return;
  const value = fromMeta[field];
  if (typeof value !== 'string' || value === '' || !fromMetaProv) {
    delete toMeta[field];
    delete (toMetaProv as Record<string, Prov>)[field];
    return;
  }
  toMeta[field] = value;
  (toMetaProv as Record<string, Prov>)[field] = provChild(fromMetaProv, field) ?? provConst(value, originAt(fromMetaProv, ''));
}

/** Copies into `to` the entries of the map at `fieldPath` in `from` that `to` lacks (the newer generator wins). */
function mergeMissing(to: Resource, from: Resource, fieldPath: string[]): void {
  let src: unknown = from.data;
  let srcProv: Prov | undefined = from.prov;
  for (const seg of fieldPath) {
    src = isMap(src) ? src[seg] : undefined;
    srcProv = srcProv ? provChild(srcProv, seg) : undefined;
  }
  if (!isMap(src) || !srcProv) return;
  let dst: Record<string, unknown> = to.data;
  let dstProv: Prov = to.prov;
  for (const seg of fieldPath) {
    if (!isMap(dst[seg])) {
      dst[seg] = {};
      (dstProv as Record<string, Prov>)[seg] = provConst({}, originAt(srcProv, ''));
    }
    dst = dst[seg] as Record<string, unknown>;
    dstProv = provChild(dstProv, seg)!;
  }
  for (const [k, v] of Object.entries(src)) {
    if (Object.hasOwn(dst, k)) continue;
    dst[k] = v;
    (dstProv as Record<string, Prov>)[k] = provChild(srcProv, k)!;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(file: string, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new RenderError(`${file}: not valid UTF-8; save it as UTF-8`);
  }
}

/** Where the text of a block scalar (`patch: |-`) starts in the kustomization, so patch lines map to file lines. */
function blockShift(kust: Kustomization, pointer: string): { lines: number; columns: number } | null {
  const at = kust.doc.locate(pointer);
  const lines = kust.text.split('\n');
  const header = lines[at.line - 1] ?? '';
  if (header[at.column - 1] !== '|') return null;
  for (let n = at.line; n < lines.length; n++) {
    const text = lines[n]!;
    if (text.trim() === '') continue;
    return { lines: at.line, columns: text.length - text.trimStart().length };
  }
  return null;
}

/**
 * kustomize decodes a kustomization into typed Go fields and refuses a wrong type (a label
 * value written as a number, a replica count as a string); so does this renderer.
 */
function checkTypes(kust: Kustomization): void {
  const { data } = kust;
  const fail = (pointer: string, what: string): never => {
    const at = kust.doc.locate(pointer);
    throw new RenderError(`${kust.file}:${at.line}:${at.column}: ${pointer.slice(1).replace(/\//g, '.')} must be ${what}; kustomize refuses this kustomization`);
  };
  const str = (value: unknown, pointer: string) => {
    if (value !== undefined && value !== null && typeof value !== 'string') fail(pointer, 'a string (quote it)');
  };
  const strMap = (value: unknown, pointer: string) => {
    if (value === undefined || value === null) return;
    if (!isMap(value)) return fail(pointer, 'a map');
    for (const [k, v] of Object.entries(value)) str(v, `${pointer}/${escape(k)}`);
  };
  const items = (value: unknown): [number, Record<string, unknown>][] =>
    Array.isArray(value) ? value.flatMap((v, i): [number, Record<string, unknown>][] => (isMap(v) ? [[i, v]] : [])) : [];
  for (const field of ['namespace', 'namePrefix', 'nameSuffix']) str(data[field], `/${field}`);
  strMap(data.commonLabels, '/commonLabels');
  strMap(data.commonAnnotations, '/commonAnnotations');
  for (const [i, l] of items(data.labels)) strMap(l.pairs, `/labels/${i}/pairs`);
  if (isMap(data.generatorOptions)) for (const f of ['labels', 'annotations']) strMap(data.generatorOptions[f], `/generatorOptions/${f}`);
  for (const gen of ['configMapGenerator', 'secretGenerator']) {
    for (const [i, g] of items(data[gen])) {
      for (const f of ['name', 'namespace', 'type']) str(g[f], `/${gen}/${i}/${f}`);
      if (isMap(g.options)) for (const f of ['labels', 'annotations']) strMap(g.options[f], `/${gen}/${i}/options/${f}`);
    }
  }
  for (const [i, image] of items(data.images)) for (const f of ['name', 'newName', 'newTag', 'digest']) str(image[f], `/images/${i}/${f}`);
  for (const [i, r] of items(data.replicas)) {
    str(r.name, `/replicas/${i}/name`);
    if (r.count !== undefined && !Number.isInteger(r.count)) fail(`/replicas/${i}/count`, 'a whole number');
  }
}

/** Whether folder `outer` is `inner` or one of its parents ('' is the repository root). */
function contains(outer: string, inner: string): boolean {
  return outer === '' || inner === outer || inner.startsWith(`${outer}/`);
}

function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@') || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry);
}

function list(value: unknown, kust: Kustomization, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RenderError(`${kust.file}: ${field} must be a list`);
  return value;
}

function strings(value: unknown, kust: Kustomization, field: string): string[] {
  const items = list(value, kust, field);
  for (const item of items) if (typeof item !== 'string') throw new RenderError(`${kust.file}: ${field} entries must be strings`);
  return items as string[];
}

function mapField(value: unknown, kust: Kustomization, field: string): Record<string, unknown> {
  if (value === null) return {};
  if (!isMap(value)) throw new RenderError(`${kust.file}: ${field} must be a map`);
  return value;
}

function wholeRange(): SourceRange {
  return { line: 1, column: 1, endLine: 1, endColumn: 1 };
}

