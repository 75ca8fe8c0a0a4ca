// The Kubernetes manifests in deploy/kubernetes validate offline against the Kubernetes API schemas
// (kubernetes-models), and hold together: every role has probes, limits, a non-root security
// context, a Service, a PodDisruptionBudget and an autoscaler that select or target it; every
// setting they pass is one the processes read; the gateway runs the trusted documents codegen writes.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { SUBGRAPHS } from '../../subgraphs/index.ts';
import { loadTrustedDocuments } from '../../gateway/persisted.ts';
import { ROOT } from '../../lib/paths.ts';

const DEPLOY = join(ROOT, 'deploy', 'kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
};

type Kustomization = { resources: string[]; configMapGenerator?: { name: string; files: string[] }[] };
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked by the schemas below
  spec?: any;
  data?: Record<string, string>;
};

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
const yamlFiles = files(DEPLOY).filter((f) => f.endsWith('.yaml'));
const documents = yamlFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors).toEqual([]);
    return { file: relative(DEPLOY, file), doc: d.toJS() as Manifest };
  }),
);
const resources = documents.filter((d) => d.doc.kind !== 'Kustomization');
const ofKind = (kind: string) => resources.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const ROLES = ['gateway', ...SUBGRAPHS];
const envVariables = new Set(
  [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]),
);

describe('Kubernetes manifests', () => {
  it.each(resources.map((r) => [`${r.file}: ${r.doc.kind}/${r.doc.metadata.name}`, r.doc] as const))(
    '%s is valid against the API schema',
    (_name, doc) => {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    },
  );

  it('a wrong field type is caught (the validation is real)', () => {
    const deployment = structuredClone(ofKind('Deployment')[0]!);
    deployment.spec.replicas = 'two';
    expect(() => new Deployment(deployment as never).validate()).toThrow();
  });

  it('every kustomization lists files and folders that exist', () => {
    for (const { file, doc } of documents.filter((d) => d.doc.kind === 'Kustomization')) {
      const { resources, configMapGenerator = [] } = doc as unknown as Kustomization;
      for (const entry of [...resources, ...configMapGenerator.flatMap((g) => g.files)]) {
        expect(() => statSync(join(DEPLOY, dirname(file), entry))).not.toThrow();
      }
    }
  });

  it('the gateway runs only the trusted documents codegen writes, mounted from a generated ConfigMap', () => {
    const kustomization = documents.find((d) => d.file === join('app', 'kustomization.yaml'))!
      .doc as unknown as Kustomization;
    const generator = kustomization.configMapGenerator!.find((g) => g.files.includes('persisted-documents.json'))!;
    // The very file `npm run codegen` writes (it copies it here), every hash its document's.
    const shipped = readFileSync(join(DEPLOY, 'app', 'persisted-documents.json'), 'utf8');
    expect(shipped).toBe(readFileSync(join(ROOT, 'test/__generated__/client/persisted-documents.json'), 'utf8'));
    expect(loadTrustedDocuments(join(DEPLOY, 'app', 'persisted-documents.json')).size).toBeGreaterThan(0);

    const pod = ofKind('Deployment').find((d) => d.metadata.name === 'gateway')!.spec.template.spec;
    const volume = pod.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === generator.name);
    expect(volume).toBeDefined();
    const [container] = pod.containers;
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    expect(env.GATEWAY_TRUSTED_DOCUMENTS).toBe(`${mount.mountPath}/persisted-documents.json`);
    // Nothing turns the requirement off.
    const [config] = ofKind('ConfigMap');
    expect(config!.data!.NODE_ENV).toBe('production');
    expect(config!.data!.GATEWAY_ALLOW_ARBITRARY_OPERATIONS).toBeUndefined();
    expect(env.GATEWAY_ALLOW_ARBITRARY_OPERATIONS).toBeUndefined();
    for (const name of Object.keys(env)) expect(envVariables).toContain(name);
  });

  it.each(ROLES)(
    '%s runs non-root with probes, resources, a Service, a PodDisruptionBudget and an autoscaler',
    (role) => {
      const deployment = ofKind('Deployment').find((d) => d.metadata.name === role)!;
      expect(deployment).toBeDefined();
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(container.args).toEqual([role]);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container.readinessProbe.httpGet.path).toBe(role === 'gateway' ? '/' : '/health');
      expect(container.livenessProbe).toBeDefined();
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
      const labels = deployment.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      expect(ofKind('Service').some((s) => s.metadata.name === role && selects(s.spec.selector))).toBe(true);
      expect(ofKind('PodDisruptionBudget').some((p) => selects(p.spec.selector.matchLabels))).toBe(true);
      expect(
        ofKind('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.name === role && h.spec.minReplicas >= 2),
      ).toBe(true);
    },
  );

  it('the shared settings are variables the processes read, and the subgraph URLs name the Services', () => {
    const [config] = ofKind('ConfigMap');
    for (const name of Object.keys(config!.data!).filter((n) => n !== 'NODE_ENV')) expect(envVariables).toContain(name);
    for (const name of SUBGRAPHS) {
      const port = config!.data![`${name.toUpperCase()}_PORT`];
      expect(config!.data![`${name.toUpperCase()}_URL`]).toBe(`http://${name}:${port}/graphql`);
      expect(ofKind('Service').find((s) => s.metadata.name === name)!.spec.ports[0].port).toBe(Number(port));
    }
  });

  it('the migration Job runs the migrate role once, non-root', () => {
    const [job] = ofKind('Job');
    expect(job!.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(job!.spec.template.spec.restartPolicy).toBe('Never');
    expect(job!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });
});
