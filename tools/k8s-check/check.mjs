// Validates rendered Kubernetes objects (YAML on stdin, one overlay) strictly:
//  1. every field of a built-in kind must exist in the Kubernetes 1.32 API (the models of
//     @kubernetes/client-node 1.0: unknown fields are errors, as `kubectl apply
//     --validate=strict` would say);
//  2. values must satisfy the OpenAPI schemas (kubernetes-models 5: types, enums, required),
//     also for the Prometheus Operator and Istio kinds;
//  3. Warden's own rules: probes on the health port, resources, non-root, read-only root
//     filesystem, no privilege escalation, capabilities dropped, and a grace period above the
//     drain delay plus the drain budget.
// Prints every problem and exits 1 if there is any. Usage: kubectl kustomize DIR | node check.mjs NAME
import * as k8s from "@kubernetes/client-node";
import * as builtin from "kubernetes-models";
import * as promop from "@kubernetes-models/prometheus-operator";
import * as istio from "@kubernetes-models/istio";
import { parseAllDocuments } from "yaml";
import { readFileSync } from "node:fs";

const overlay = process.argv[2] || "stdin";
const HEALTH_PORT = 50052;
const problems = [];
const say = (where, what) => problems.push(`${overlay}: ${where}: ${what}`);

// --- 1. unknown fields, from the client models' attribute maps
const PRIMITIVES = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);
function walk(value, type, path) {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (!Array.isArray(value)) return say(path, `expected a list (${type})`);
    value.forEach((v, i) => walk(v, m[1], `${path}[${i}]`));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (typeof value !== "object") return say(path, `expected a map (${type})`);
    for (const [k, v] of Object.entries(value)) walk(v, m[1], `${path}.${k}`);
    return;
  }
  const model = k8s[type];
  if (!model || !model.attributeTypeMap) return say(path, `no model ${type}`);
  if (typeof value !== "object" || Array.isArray(value)) return say(path, `expected ${type}`);
  for (const [key, v] of Object.entries(value)) {
    const attr = model.attributeTypeMap.find((a) => a.baseName === key);
    if (!attr) {
      say(`${path}.${key}`, `unknown field (not in ${type})`);
      continue;
    }
    walk(v, attr.type, `${path}.${key}`);
  }
}
function clientModel(obj) {
  const version = obj.apiVersion.split("/").pop();  // v1, v2, v1beta1
  const name = version.charAt(0).toUpperCase() + version.slice(1) + obj.kind;
  return k8s[name] && k8s[name].attributeTypeMap ? name : null;
}

// --- 2. values, from kubernetes-models
function valueModel(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")
                                                         : ["", obj.apiVersion];
  if (!group && builtin.v1[obj.kind]) return builtin.v1[obj.kind];  // the core group
  for (const lib of [builtin, promop, istio]) {
    for (const ns of Object.values(lib)) {
      const cls = ns && typeof ns === "object" && ns[version] && ns[version][obj.kind];
      if (cls && new cls({}).apiVersion === obj.apiVersion) return cls;
    }
  }
  void group;
  return null;
}

// --- 3. our rules
function podRules(where, pod, config, { probes }) {
  const podSecurity = pod.securityContext || {};
  if (podSecurity.runAsNonRoot !== true) say(where, "pod must set runAsNonRoot: true");
  if (!podSecurity.seccompProfile || podSecurity.seccompProfile.type !== "RuntimeDefault") {
    say(where, "pod must use the RuntimeDefault seccomp profile");
  }
  for (const c of pod.containers || []) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext || {};
    if (sc.readOnlyRootFilesystem !== true) say(at, "readOnlyRootFilesystem must be true");
    if (sc.allowPrivilegeEscalation !== false) say(at, "allowPrivilegeEscalation must be false");
    if (!sc.capabilities || !(sc.capabilities.drop || []).includes("ALL")) {
      say(at, "capabilities must drop ALL");
    }
    const r = c.resources || {};
    if (!r.requests || !r.requests.cpu || !r.requests.memory) say(at, "needs cpu and memory requests");
    if (!r.limits || !r.limits.memory) say(at, "needs a memory limit");
    if (probes) {
      for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = c[p];
        if (!probe) say(at, `needs a ${p}`);
        else if (!probe.grpc || probe.grpc.port !== HEALTH_PORT) {
          say(at, `${p} must be a gRPC probe on the health port ${HEALTH_PORT}`);
        }
      }
    }
  }
  if (probes && config) {
    const budget = Number(config.WARDEN_DRAIN_DELAY_SECONDS || 0) +
                   Number(config.WARDEN_DRAIN_SECONDS || 10);
    if (!(pod.terminationGracePeriodSeconds > budget)) {
      say(where, `terminationGracePeriodSeconds must exceed drain delay + drain (${budget} s)`);
    }
  }
}

const docs = parseAllDocuments(readFileSync(0, "utf8")).map((d) => d.toJS()).filter(Boolean);
if (docs.length === 0) say("input", "no objects rendered");
const config = (docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "warden-config") ||
                {}).data;
const kinds = {};
for (const obj of docs) {
  const where = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
  kinds[obj.kind] = (kinds[obj.kind] || 0) + 1;
  const client = clientModel(obj);
  if (client) walk(obj, client, where);
  const cls = valueModel(obj);
  if (!cls) {
    say(where, `no schema for ${obj.apiVersion} ${obj.kind}`);
  } else {
    try {
      new cls(obj).validate();
    } catch (e) {
      say(where, `schema: ${e.message}`);
    }
  }
  if (obj.kind === "Deployment") podRules(where, obj.spec.template.spec, config, { probes: true });
  if (obj.kind === "Job") podRules(where, obj.spec.template.spec, config, { probes: false });
}
for (const p of problems) console.error(p);
if (problems.length === 0) {
  console.log(`check-k8s: ${overlay}: ${docs.length} objects valid (` +
              Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ") + ")");
}
process.exit(problems.length ? 1 : 0);
