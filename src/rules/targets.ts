import { isRecord } from '../parse/identity.js';
import { joinPointer, parsePointer } from '../parse/pointer.js';

/** One value a rule's schema is checked against. */
export interface TargetInstance {
  /** Pointer of the value, relative to the document. */
  pointer: string;
  value: unknown;
  /** Name of the container this value belongs to, when it is in one. */
  container?: string;
  /** Where `/$pod/...` paths in errors point: the pod spec, for container targets. */
  podPointer?: string;
}

/** Where the pod spec is, per workload kind. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
};

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS);
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

function podSpecOf(data: unknown): TargetInstance | null {
  if (!isRecord(data) || typeof data.kind !== 'string') return null;
  const segs = POD_SPEC_PATHS[data.kind];
  if (!segs) return null;
  let cur: unknown = data;
  for (const s of segs) {
    if (!isRecord(cur)) return null;
    cur = cur[s];
  }
  return isRecord(cur) ? { pointer: joinPointer('', ...segs), value: cur } : null;
}

function containersOf(data: unknown): TargetInstance[] {
  const pod = podSpecOf(data);
  if (!pod) return [];
  const spec = pod.value as Record<string, unknown>;
  const out: TargetInstance[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c, i) => {
      if (!isRecord(c)) return;
      out.push({
        pointer: joinPointer(pod.pointer, list, i),
        // The pod spec rides along as $pod, so a rule can see inherited pod-level settings.
        value: { ...c, $pod: spec },
        container: typeof c.name === 'string' ? c.name : `${list}[${i}]`,
        podPointer: pod.pointer,
      });
    });
  }
  return out;
}

/** Every string value under `root`, with its pointer (keys are not values). */
function stringsOf(root: unknown): TargetInstance[] {
  const out: TargetInstance[] = [];
  const visit = (v: unknown, pointer: string) => {
    if (typeof v === 'string') out.push({ pointer, value: v });
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) visit(v[i], `${pointer}/${i}`);
    else if (isRecord(v)) for (const k of Object.keys(v)) visit(v[k], joinPointer(pointer, k));
  };
  visit(root, '');
  return out;
}

/** Expands a pointer pattern with `*` under one value. */
function expandPattern(base: TargetInstance, pattern: string): TargetInstance[] {
  let current: TargetInstance[] = [{ ...base, podPointer: undefined }];
  for (const seg of parsePointer(pattern)) {
    const next: TargetInstance[] = [];
    for (const inst of current) {
      const v = inst.value;
      if (seg === '*') {
        if (Array.isArray(v)) v.forEach((item, i) => next.push({ ...inst, pointer: joinPointer(inst.pointer, i), value: item }));
        else if (isRecord(v)) for (const [k, item] of Object.entries(v)) next.push({ ...inst, pointer: joinPointer(inst.pointer, k), value: item });
      } else if (Array.isArray(v) && /^\d+$/.test(seg) && Number(seg) < v.length) {
        next.push({ ...inst, pointer: joinPointer(inst.pointer, seg), value: v[Number(seg)] });
      } else if (isRecord(v) && seg in v && seg !== '$pod') {
        next.push({ ...inst, pointer: joinPointer(inst.pointer, seg), value: v[seg] });
      }
    }
    current = next;
  }
  return current;
}

/**
 * The values a rule checks in one document. `target` is document | podSpec | container | strings,
 * optionally followed by a pointer pattern (`container/env/*`), or a pattern from the root.
 */
export function expandTargets(data: unknown, target = 'document'): TargetInstance[] {
  const slash = target.indexOf('/');
  const base = slash === -1 ? target : target.slice(0, slash) || 'document';
  const pattern = slash === -1 ? '' : target.slice(slash);
  let bases: TargetInstance[];
  if (base === 'podSpec') bases = [podSpecOf(data)].filter((x): x is TargetInstance => x !== null);
  else if (base === 'container') bases = containersOf(data);
  else if (base === 'strings') bases = stringsOf(data);
  else bases = [{ pointer: '', value: data }];
  if (!pattern) return bases;
  return bases.flatMap((b) => expandPattern(b, pattern));
}

/** Turns a validator error path inside an instance into a document pointer. */
export function resolveInstancePath(inst: TargetInstance, instancePath: string): string {
  if (inst.podPointer && (instancePath === '/$pod' || instancePath.startsWith('/$pod/'))) {
    return inst.podPointer + instancePath.slice('/$pod'.length);
  }
  return inst.pointer + instancePath;
}
