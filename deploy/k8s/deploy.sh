#!/usr/bin/env bash
# Deploys one overlay at one image tag: migrations first (the Job, waited for), then
# every object, then waits for the rollout. Used by .github/workflows/deploy.yml; needs
# kubectl with a context on the target cluster.
#
#   deploy/k8s/deploy.sh staging|production sha-<commit>
set -euo pipefail
overlay=${1:?usage: deploy.sh OVERLAY TAG}
tag=${2:?usage: deploy.sh OVERLAY TAG}
dir="$(cd "$(dirname "$0")" && pwd)/overlays/$overlay"
[ -f "$dir/kustomization.yaml" ] || { echo "no overlay $overlay" >&2; exit 2; }
namespace=$(sed -n 's/^namespace: *//p' "$dir/kustomization.yaml")

# The overlay names one image; pin it to the tag being deployed.
sed -i "s/^\(    newTag: \).*/\1$tag/" "$dir/kustomization.yaml"
grep -q "newTag: $tag\$" "$dir/kustomization.yaml"

echo "==> migrations ($namespace, $tag)"
# A Job's pod template cannot change: the previous run goes first.
kubectl -n "$namespace" delete job yieldflow-migrate --ignore-not-found --wait=true
kubectl apply -k "$dir" -l app.kubernetes.io/component=migration
for _ in $(seq 1 180); do
  succeeded=$(kubectl -n "$namespace" get job yieldflow-migrate -o jsonpath='{.status.succeeded}')
  failed=$(kubectl -n "$namespace" get job yieldflow-migrate \
    -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')
  if [ "${succeeded:-0}" -ge 1 ]; then break; fi
  if [ "$failed" = True ]; then
    kubectl -n "$namespace" logs job/yieldflow-migrate --tail=200 || true
    echo "migration Job failed" >&2
    exit 1
  fi
  sleep 5
done
[ "${succeeded:-0}" -ge 1 ] || { echo "migration Job did not finish in 15 minutes" >&2; exit 1; }
kubectl -n "$namespace" logs job/yieldflow-migrate --tail=50 || true

echo "==> apply ($namespace)"
kubectl apply -k "$dir"

echo "==> rollout ($namespace)"
kubectl -n "$namespace" rollout status deployment/yieldflow-gateway --timeout=10m
