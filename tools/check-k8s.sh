#!/usr/bin/env bash
# Renders every Kubernetes overlay (deploy/k8s/overlays/*) with `kubectl kustomize` and
# validates each rendered object strictly (tools/k8s-check/check.mjs: unknown fields, schema
# values, and Warden's own rules), and checks the PrometheusRule against
# deploy/prometheus/alerts.yml. Offline once the npm packages are installed (npm ci, pinned by
# tools/k8s-check/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d tools/k8s-check/node_modules/@kubernetes/client-node ]]; then
  npm ci --no-audit --no-fund --loglevel=error --prefix tools/k8s-check >/dev/null
fi
for overlay in deploy/k8s/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" 2>/dev/null | node tools/k8s-check/check.mjs "$name"
done
/usr/bin/python3 - <<'PY'
import sys, yaml
alerts = yaml.safe_load(open("deploy/prometheus/alerts.yml"))["groups"]
rule = yaml.safe_load(open("deploy/k8s/overlays/prod/prometheusrule.yaml"))["spec"]["groups"]
if alerts != rule:
    sys.exit("check-k8s: deploy/k8s/overlays/prod/prometheusrule.yaml differs from "
             "deploy/prometheus/alerts.yml: regenerate it")
print("check-k8s: the PrometheusRule carries deploy/prometheus/alerts.yml")
PY
