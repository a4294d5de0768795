#!/usr/bin/env bash
# Checks of the deployment files that need tools the test suite does not install, run by hand
# (README "Deployment"): docker-compose parses the compose file, kustomize renders deploy/k8s, and every
# manifest round-trips through the Kubernetes API schema without losing a field.
# Needs Debian's docker-compose, python3-kubernetes and a kubectl: apt-get install docker-compose python3-kubernetes
set -euo pipefail
cd "$(dirname "$0")/.."
ACCESS_JWT_SECRET=check GIT_COMMIT=check docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml: docker-compose config accepts it"
kubectl kustomize deploy/k8s > /dev/null && echo "deploy/k8s: kustomize renders it"
/usr/bin/python3 deploy/roundtrip.py deploy/k8s/*.yaml
