import type { PssControl, Rule } from './types.js';

/** The profiles `--profile` (config `profile`) accepts: the levels of the Kubernetes Pod Security Standards. */
export const PROFILES = ['pss-baseline', 'pss-restricted'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * The controls of each level, in the standard's order
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/). Restricted is baseline plus these.
 */
export const PSS_CONTROLS: Readonly<Record<PssControl['level'], readonly string[]>> = {
  baseline: ['HostProcess', 'Host Namespaces', 'Privileged Containers', 'Capabilities', 'HostPath Volumes', 'Host Ports', 'AppArmor', 'SELinux', '/proc Mount Type', 'Seccomp', 'Sysctls'],
  restricted: ['Volume Types', 'Privilege Escalation', 'Running as Non-root', 'Running as Non-root user', 'Seccomp', 'Capabilities'],
};

/** The levels a profile enforces: restricted includes every baseline control. */
function levelsOf(profile: Profile): PssControl['level'][] {
  return profile === 'pss-baseline' ? ['baseline'] : ['baseline', 'restricted'];
}

/** One row of a profile: a control and the rule that checks it (null: no loaded rule does). */
export interface ProfileControl {
  level: PssControl['level'];
  control: string;
  rules: Rule[];
}

/**
 * The controls a profile enforces, each with the rules mapped to it, in the standard's order. Controls
 * a user pack adds that the standard does not name follow, so a typo in a pack's `pss.control` shows.
 */
export function profileControls(rules: readonly Rule[], profile: Profile): ProfileControl[] {
  const out: ProfileControl[] = [];
  for (const level of levelsOf(profile)) {
    const ofLevel = rules.filter((r) => r.pss?.level === level);
    const named = [...PSS_CONTROLS[level], ...new Set(ofLevel.map((r) => r.pss!.control).filter((c) => !PSS_CONTROLS[level].includes(c)))];
    for (const control of named) out.push({ level, control, rules: ofLevel.filter((r) => r.pss!.control === control) });
  }
  return out;
}

/**
 * The rules a run starts from, before only/skip. With a profile: exactly the rules mapped to its
 * controls. Without one: every rule except those that exist only for a profile (their findings repeat
 * other rules'), unless `named` lists one by its exact id (`--only k8s-pss-volume-types`).
 */
export function selectRules(rules: readonly Rule[], profile: Profile | undefined, named: readonly string[] = []): Rule[] {
  if (profile) {
    const levels = levelsOf(profile);
    return rules.filter((r) => r.pss && levels.includes(r.pss.level));
  }
  return rules.filter((r) => !r.pss?.profileOnly || named.includes(r.id));
}

/** How much of the rule set a profile leaves running: no profile runs all, restricted fewer, baseline fewest. */
export function profileBreadth(profile: Profile | undefined): number {
  return profile === undefined ? 2 : profile === 'pss-restricted' ? 1 : 0;
}
