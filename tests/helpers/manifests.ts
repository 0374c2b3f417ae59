/** Small manifests shared by tests. */

export const HARDENED_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: web
          image: nginx:1.27
          resources:
            limits:
              memory: 128Mi
          securityContext:
            allowPrivilegeEscalation: false
`;

/** The hardened Deployment with `privileged: yes` (YAML 1.1 true) on its container. */
export const PRIVILEGED_DEPLOYMENT = HARDENED_DEPLOYMENT.replace(
  'allowPrivilegeEscalation: false\n',
  'allowPrivilegeEscalation: false\n            privileged: yes\n',
);

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
spec:
  ports:
    - port: 80
`;
