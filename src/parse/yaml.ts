import { LineCounter, parseAllDocuments, type Document, type Tags } from 'yaml';

/**
 * Kubernetes decodes YAML 1.1 (go-yaml v2, through sigs.k8s.io/yaml): `yes`/`on` are booleans
 * and `0755` is octal. It does not turn timestamps into dates, so neither do we.
 */
const YAML_OPTIONS = {
  version: '1.1' as const,
  uniqueKeys: true,
  prettyErrors: false,
  // Anything worth saying becomes a finding with a line; the library's own warnings never reach stderr.
  logLevel: 'error' as const,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
};

/** The syntax trees of every document in a file, with the line counter that maps offsets to positions. */
export interface YamlTrees {
  docs: Document.Parsed[];
  lineCounter: LineCounter;
}

/** Parses a file's text the way the API server's YAML reader would (see the corpus in fixtures/yaml-corpus). */
export function parseYaml(text: string): YamlTrees {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  return { docs: Array.isArray(parsed) ? parsed : [], lineCounter };
}
