import { describe, expect, test } from '@jest/globals';
import { loadBuiltinRules } from '../../src/rules/load.js';
import { profileControls, PSS_CONTROLS, selectRules } from '../../src/rules/profiles.js';
import type { Rule } from '../../src/rules/types.js';

const rows = (rules: Rule[], profile: 'pss-baseline' | 'pss-restricted') => profileControls(rules, profile).map((c) => `${c.level} / ${c.control}: ${c.rules.map((r) => r.id).join(', ')}`);

const BASELINE = [
  'baseline / HostProcess: k8s-windows-host-process',
  'baseline / Host Namespaces: k8s-host-namespaces',
  'baseline / Privileged Containers: k8s-privileged-container',
  'baseline / Capabilities: k8s-pss-baseline-capabilities',
  'baseline / HostPath Volumes: k8s-hostpath-volume',
  'baseline / Host Ports: k8s-host-port',
  'baseline / AppArmor: k8s-apparmor-unconfined',
  'baseline / SELinux: k8s-selinux-options',
  'baseline / /proc Mount Type: k8s-proc-mount',
  'baseline / Seccomp: k8s-seccomp-unconfined',
  'baseline / Sysctls: k8s-unsafe-sysctls',
];

describe('Pod Security Standards profiles', () => {
  test('baseline: each of the 11 controls of the standard, exactly one rule each', async () => {
    expect(rows(await loadBuiltinRules(), 'pss-baseline')).toEqual(BASELINE);
  });

  test('restricted: every baseline control, then the 6 restricted ones, exactly one rule each', async () => {
    expect(rows(await loadBuiltinRules(), 'pss-restricted')).toEqual([
      ...BASELINE,
      'restricted / Volume Types: k8s-pss-volume-types',
      'restricted / Privilege Escalation: k8s-privilege-escalation',
      'restricted / Running as Non-root: k8s-pss-run-as-non-root',
      'restricted / Running as Non-root user: k8s-run-as-user-root',
      'restricted / Seccomp: k8s-seccomp-profile',
      'restricted / Capabilities: k8s-pss-restricted-capabilities',
    ]);
  });

  test('every built-in pss field names a control of the standard at its level', async () => {
    for (const r of (await loadBuiltinRules()).filter((x) => x.pss)) {
      expect({ id: r.id, known: PSS_CONTROLS[r.pss!.level].includes(r.pss!.control) }).toEqual({ id: r.id, known: true });
    }
  });

  test('a profile selects exactly its rules; a default run leaves out the profile-only ones unless --only names them', async () => {
    const rules = await loadBuiltinRules();
    const ids = (list: Rule[]) => list.map((r) => r.id).sort();
    expect(selectRules(rules, 'pss-baseline').length).toBe(11);
    expect(selectRules(rules, 'pss-restricted').length).toBe(17);
    const profileOnly = ['k8s-pss-baseline-capabilities', 'k8s-pss-restricted-capabilities', 'k8s-pss-run-as-non-root', 'k8s-pss-volume-types'];
    expect(ids(rules.filter((r) => r.pss?.profileOnly))).toEqual(profileOnly);
    const byDefault = ids(selectRules(rules, undefined));
    expect(byDefault.length).toBe(rules.length - 4);
    for (const id of profileOnly) expect(byDefault).not.toContain(id);
    // Rules mapped to a control that are not profile-only run by default too.
    expect(byDefault).toContain('k8s-host-namespaces');
    expect(ids(selectRules(rules, undefined, ['k8s-pss-volume-types'])).length).toBe(rules.length - 3);
  });

  test('a control a user pack adds that the standard does not name is listed after the standard ones, so a typo shows', async () => {
    const rules = await loadBuiltinRules();
    const pack = { ...rules.find((r) => r.id === 'k8s-host-port')!, id: 'acme-host-ports', pack: 'acme', pss: { level: 'baseline' as const, control: 'Host Port' } };
    const controls = profileControls([...rules, pack], 'pss-baseline');
    expect(controls.map((c) => c.control)).toEqual([...PSS_CONTROLS.baseline, 'Host Port']);
    expect(controls.at(-1)!.rules.map((r) => r.id)).toEqual(['acme-host-ports']);
  });
});
