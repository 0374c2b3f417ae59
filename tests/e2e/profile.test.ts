import { afterAll, describe, expect, test } from '@jest/globals';
import { cleanup, makeRepo, runCli, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

/** Baseline allows it (CHOWN is in the runtime's default set); restricted rejects it on five counts. */
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  containers:
    - name: web
      image: nginx:1.27.2
      securityContext:
        capabilities:
          add: [CHOWN]
`;

/** What Pod Security admission's restricted level accepts. */
const RESTRICTED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: { type: RuntimeDefault }
  containers:
    - name: web
      image: nginx:1.27.2
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
`;

const RESTRICTED_FINDINGS =
  'apps/pod.yaml:8:7  medium   Container "web" does not run with runAsNonRoot: true (set on it or on its pod)  k8s-pss-run-as-non-root\n' +
  '    fix: Set securityContext.runAsNonRoot: true on the pod (and remove any runAsNonRoot: false), and make sure the image has a non-root USER or set runAsUser.\n' +
  'apps/pod.yaml:8:7  medium   Container "web" runs without a RuntimeDefault or Localhost seccomp profile  k8s-seccomp-profile\n' +
  '    fix: Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a reviewed profile).\n' +
  'apps/pod.yaml:10:7  medium   Container "web" does not set allowPrivilegeEscalation: false  k8s-privilege-escalation\n' +
  '    fix: Set securityContext.allowPrivilegeEscalation to false on the container.\n' +
  'apps/pod.yaml:11:9  medium   Container "web" must drop ALL capabilities and add back at most NET_BIND_SERVICE  k8s-pss-restricted-capabilities\n' +
  '    fix: Set securityContext.capabilities.drop: [ALL] on the container and list at most NET_BIND_SERVICE under add.\n' +
  'apps/pod.yaml:12:17  medium   Container "web" must drop ALL capabilities and add back at most NET_BIND_SERVICE  k8s-pss-restricted-capabilities\n' +
  '    fix: Set securityContext.capabilities.drop: [ALL] on the container and list at most NET_BIND_SERVICE under add.\n' +
  '\n' +
  'rule                             severity   count  waived\n' +
  'k8s-privilege-escalation         medium         1       0\n' +
  'k8s-pss-restricted-capabilities  medium         2       0\n' +
  'k8s-pss-run-as-non-root          medium         1       0\n' +
  'k8s-seccomp-profile              medium         1       0\n' +
  '\n' +
  '✖ 5 findings (5 medium) in 1 file, 1 document, 17 rules · exit 1 (policy findings; fails at low and above)\n';

describe('check --profile: the Pod Security Standards levels', () => {
  test('a pod baseline allows and restricted rejects, through the built CLI', () => {
    const dir = makeRepo({ 'apps/pod.yaml': POD });
    const baseline = runCli(['check', '--profile', 'pss-baseline', '--no-cache'], { cwd: dir });
    expect(baseline).toEqual({ code: 0, stderr: '', stdout: '✔ no findings in 1 file, 1 document, 11 rules · exit 0 (clean; fails at low and above)\n' });
    const restricted = runCli(['check', '--profile', 'pss-restricted', '--no-cache'], { cwd: dir });
    expect(restricted).toEqual({ code: 1, stderr: '', stdout: RESTRICTED_FINDINGS });
  });

  test('a pod that meets restricted passes it; an added capability outside the baseline list fails baseline', () => {
    const dir = makeRepo({ 'apps/pod.yaml': RESTRICTED_POD, 'apps/tools.yaml': POD.replace('name: web\n  namespace', 'name: tools\n  namespace').replace('[CHOWN]', '[SYS_NICE]') });
    const r = runCli(['check', '--profile', 'pss-restricted', '--no-cache', '-f', 'json', 'apps/pod.yaml'], { cwd: dir });
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(r.code).toBe(0);
    const b = runCli(['check', '--profile', 'pss-baseline', '--no-cache', '-f', 'json'], { cwd: dir });
    const findings = (JSON.parse(b.stdout) as { findings: { ruleId: string; file: string; line: number; column: number; message: string }[] }).findings;
    expect(findings.map((f) => [f.ruleId, f.file, f.line, f.column, f.message])).toEqual([
      ['k8s-pss-baseline-capabilities', 'apps/tools.yaml', 12, 17, 'Container "web" adds SYS_NICE, which the baseline Pod Security Standard does not allow'],
    ]);
    expect(b.code).toBe(1);
  });

  test('config "profile" selects the level; --profile overrides it; without a profile the PSS-only rules stay out', () => {
    const dir = makeRepo({ 'apps/pod.yaml': POD, '.aiopsrc.json': JSON.stringify({ profile: 'pss-restricted' }) });
    const fromConfig = runCli(['check', '--no-cache'], { cwd: dir });
    expect(fromConfig).toEqual({ code: 1, stderr: '', stdout: RESTRICTED_FINDINGS });
    const overridden = runCli(['check', '--no-cache', '--profile', 'pss-baseline'], { cwd: dir });
    expect(overridden.stdout).toBe('✔ no findings in 1 file, 1 document, 11 rules · exit 0 (clean; fails at low and above)\n');
    const plain = makeRepo({ 'apps/pod.yaml': POD });
    const all = runCli(['check', '--no-cache', '-f', 'json'], { cwd: plain });
    const ids = new Set((JSON.parse(all.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId));
    expect([...ids].filter((id) => id.startsWith('k8s-pss-'))).toEqual([]);
    expect(ids.has('k8s-capabilities-added')).toBe(true);
  });

  test('an unknown profile is a usage error', () => {
    const r = runCli(['check', '--profile', 'pss-strict'], { cwd: makeRepo({ 'apps/pod.yaml': POD }) });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("'pss-strict' is invalid");
    expect(r.stderr).toContain('pss-baseline, pss-restricted');
  });
});

describe('rules list --profile', () => {
  test('shows each control of the level, in the standard\'s order, with the rule that checks it', () => {
    const r = runCli(['rules', 'list', '--profile', 'pss-restricted'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'level       control                   rule                             severity',
        'baseline    HostProcess               k8s-windows-host-process         critical',
        'baseline    Host Namespaces           k8s-host-namespaces              high',
        'baseline    Privileged Containers     k8s-privileged-container         critical',
        'baseline    Capabilities              k8s-pss-baseline-capabilities    high',
        'baseline    HostPath Volumes          k8s-hostpath-volume              high',
        'baseline    Host Ports                k8s-host-port                    medium',
        'baseline    AppArmor                  k8s-apparmor-unconfined          high',
        'baseline    SELinux                   k8s-selinux-options              high',
        'baseline    /proc Mount Type          k8s-proc-mount                   high',
        'baseline    Seccomp                   k8s-seccomp-unconfined           high',
        'baseline    Sysctls                   k8s-unsafe-sysctls               high',
        'restricted  Volume Types              k8s-pss-volume-types             medium',
        'restricted  Privilege Escalation      k8s-privilege-escalation         medium',
        'restricted  Running as Non-root       k8s-pss-run-as-non-root          medium',
        'restricted  Running as Non-root user  k8s-run-as-user-root             high',
        'restricted  Seccomp                   k8s-seccomp-profile              medium',
        'restricted  Capabilities              k8s-pss-restricted-capabilities  medium',
        '',
        'Pod Security Standards, restricted level (every baseline control and the restricted ones): 17 controls; run them with: aiops-guard check --profile pss-restricted',
        '',
      ].join('\n'),
    );
  });

  test('-f json gives level, control and rule ids; baseline has the 11 baseline controls', () => {
    const r = runCli(['rules', 'list', '--profile', 'pss-baseline', '-f', 'json'], { cwd: tempDir() });
    const rows = JSON.parse(r.stdout) as { level: string; control: string; rules: string[] }[];
    expect(rows.length).toBe(11);
    expect(rows[3]).toEqual({ level: 'baseline', control: 'Capabilities', rules: ['k8s-pss-baseline-capabilities'] });
    expect(rows.every((x) => x.level === 'baseline' && x.rules.length === 1)).toBe(true);
  });
});
