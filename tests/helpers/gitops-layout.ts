import { DIGEST } from './manifests.js';

/**
 * A GitOps repository laid out as the Flux (fluxcd/flux2-kustomize-helm-example) and Argo CD
 * (argoproj/argocd-example-apps) examples are: apps/base, apps/overlays/{staging,prod},
 * infrastructure/controllers, and clusters/<name> with Flux Kustomization CRs pointing at the
 * overlays. The base passes every gating rule; the prod overlay's patch makes the container
 * privileged (line 11 of apps/overlays/prod/privileged.yaml, column 25).
 */
export const BASE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      serviceAccountName: podinfo
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.7.0@${DIGEST}
          ports:
            - containerPort: 9898
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 500m, memory: 128Mi }
          livenessProbe: { httpGet: { path: /healthz, port: 9898 } }
          readinessProbe: { httpGet: { path: /readyz, port: 9898 } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
`;

export const PRIVILEGED_PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  template:
    spec:
      containers:
        - name: podinfo
          securityContext:
            privileged: true
`;

export const GITOPS_FILES: Record<string, string> = {
  'apps/base/podinfo/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - serviceaccount.yaml
  - networkpolicy.yaml
`,
  'apps/base/podinfo/deployment.yaml': BASE_DEPLOYMENT,
  'apps/base/podinfo/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: podinfo
spec:
  selector:
    app: podinfo
  ports:
    - port: 80
      targetPort: 9898
`,
  // The ServiceAccount the pods name and a default-deny policy for whichever namespace an overlay
  // deploys to, so the relation rules find nothing in the base.
  'apps/base/podinfo/serviceaccount.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: podinfo
automountServiceAccountToken: false
`,
  'apps/base/podinfo/networkpolicy.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`,
  'apps/overlays/staging/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: staging
resources:
  - ../../base/podinfo
images:
  - name: ghcr.io/stefanprodan/podinfo
    newTag: latest
`,
  'apps/overlays/prod/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: prod
namePrefix: prod-
resources:
  - ../../base/podinfo
patches:
  - path: privileged.yaml
replicas:
  - name: podinfo
    count: 3
`,
  'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH,
  'infrastructure/controllers/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ingress-nginx.yaml
`,
  'infrastructure/controllers/ingress-nginx.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: ingress-nginx
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ingress-nginx
  namespace: ingress-nginx
spec:
  interval: 30m
  chart:
    spec:
      chart: ingress-nginx
      version: "4.11.3"
      sourceRef:
        kind: HelmRepository
        name: ingress-nginx
  serviceAccountName: helm-controller
`,
  'clusters/production/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/overlays/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  serviceAccountName: kustomize-controller
`,
  'clusters/production/infrastructure.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra-controllers
  namespace: flux-system
spec:
  interval: 1h
  path: ./infrastructure/controllers
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  serviceAccountName: kustomize-controller
`,
};
