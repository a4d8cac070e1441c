#!/usr/bin/env bash
# The Kubernetes manifests (deploy/kubernetes), offline: render the base and every overlay with
# `kubectl kustomize` (Debian's kubernetes-client; no cluster needed) and validate every rendered object
# against the Kubernetes JSON schemas that kubernetes-validate (PyPI) bundles, strictly (unknown fields
# fail), for the oldest and the newest Kubernetes it knows that we support.
# The ServiceMonitor is a custom resource whose CRD ships with the Prometheus Operator, not with
# Kubernetes: kubernetes-validate has no schema for it and warns; its fields are checked by
# Tests/DeployLocalTests/KubernetesManifestTests.swift instead.
# Usage: .ci/kubernetes-validate.sh   (from anywhere; needs kubectl and `python3 -m pip install kubernetes-validate`)
set -euo pipefail
cd "$(dirname "$0")/.."
versions=(1.25.0 1.37.0)
work=$(mktemp -d /tmp/operator-kubernetes.XXXXXX)
trap 'rm -rf "$work"' EXIT

for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*/; do
    dir=${dir%/}
    name=$(echo "$dir" | tr '/' '-')
    rendered="$work/$name.yaml"
    # kustomize v5 warns on stderr about the v2-compatible fields (bases, patchesStrategicMerge); keep it quiet.
    if ! kubectl kustomize "$dir" > "$rendered" 2> "$work/$name.err"; then
        echo "kubernetes: kubectl kustomize $dir failed:"; cat "$work/$name.err"; exit 1
    fi
    objects=$(grep -c '^kind: ' "$rendered")
    for version in "${versions[@]}"; do
        if ! python3 -m kubernetes_validate --strict --quiet --kubernetes-version "$version" "$rendered" > "$work/$name.out" 2>&1; then
            echo "kubernetes: $dir does not validate against Kubernetes $version:"; cat "$work/$name.out"; exit 1
        fi
        # Only the custom resource may go without a schema.
        if grep -v 'kind ServiceMonitor with api version monitoring.coreos.com/v1' "$work/$name.out" | grep -q .; then
            echo "kubernetes: $dir against Kubernetes $version:"; cat "$work/$name.out"; exit 1
        fi
    done
    echo "kubernetes: $dir: $objects objects rendered and valid against Kubernetes ${versions[*]} (ServiceMonitor: CRD, not in the bundled schemas)"
done
