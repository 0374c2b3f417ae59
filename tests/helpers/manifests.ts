/** Small manifests shared by tests. */

export const DIGEST = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** A Deployment that passes every built-in single-document rule; with WEB_NAMESPACE beside it, the relation rules too. */
export const HARDENED_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  template:
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: web
          image: nginx:1.27@${DIGEST}
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 500m, memory: 128Mi }
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
`;

/** The hardened Deployment with `privileged: yes` (YAML 1.1 true) on its container. */
export const PRIVILEGED_DEPLOYMENT = HARDENED_DEPLOYMENT.replace(
  'allowPrivilegeEscalation: false\n',
  'allowPrivilegeEscalation: false\n            privileged: yes\n',
);

/** The hardened Deployment with an untagged image: one medium finding. */
export const UNTAGGED_DEPLOYMENT = HARDENED_DEPLOYMENT.replace(`image: nginx:1.27@${DIGEST}`, 'image: nginx');

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
spec:
  ports:
    - port: 80
`;

/**
 * What a real repository keeps next to a workload: the ServiceAccount it names and a default-deny
 * NetworkPolicy for its namespace, so the relation rules (rel-service-account-missing,
 * rel-netpol-no-default-deny) have nothing to report.
 */
export const namespaceBasics = (namespace: string, serviceAccount: string) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${serviceAccount}
  namespace: ${namespace}
automountServiceAccountToken: false
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: ${namespace}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`;

/** The hardened Deployment's namespace web: its ServiceAccount and a default-deny policy. */
export const WEB_NAMESPACE = namespaceBasics('web', 'web');
