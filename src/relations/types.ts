import type { ResourceId } from '../report/types.js';

/**
 * What the relation phase knows of one object: its identity, the fields relation rules read,
 * and the positions of the places a finding can point at. Extracted while the file's syntax tree
 * is held, kept in the per-file result (and its cache), so the phase never re-reads a file.
 */
export interface Projection {
  file: string;
  /** Index of the YAML document within the file. */
  documentIndex: number;
  /** "" for a whole document; "/items/N" for an item of a kubectl List. */
  basePointer: string;
  id: ResourceId;
  /**
   * The document pruned to the fields the joins and the relation rules read (identity is `id`). Each
   * pod spec also holds `$kind` (the workload's) and `$labels` (the pod's): it is what a `where` on a
   * pod spec sees.
   */
  data: Record<string, unknown>;
  /** Pointers (relative to `data`) of every place a relation finding can point at: their ranges are in `ranges`. */
  places: string[];
  /** The source range of each place, four numbers a place: line, column, end line, end column. */
  ranges: number[];
  /** The file of a place's range (by the place's index) when a rendered value was set elsewhere: a patch, a kustomization. */
  placeFiles?: Record<number, string>;
  /** Where its pod specs are in `data` (absent when it carries none): found while projecting, so the phase never looks again. */
  pods?: string[];
  /** With several pod specs: how messages name each (podSpecName, "" for none), in the order of `pods`. */
  podNames?: string[];
  /** The rendered target the object belongs to (absent for plain files). */
  target?: string;
  /** Inline waivers of relation rules that give a reason: rule id → reason. */
  waivers?: Record<string, string>;
}
