"""Round-trips every Kubernetes manifest through the API schema of the official Python client's models:
deserialize into the model of its kind, serialize back, and report every field that was lost or changed
(a misspelt or misplaced field is dropped by the models). Needs Debian's python3-kubernetes."""
import json
import sys

import kubernetes.client as k8s
import yaml

MODELS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    # Debian's client (22.6) predates the v2 model; v2beta2 has the same fields for what we use
    ("autoscaling/v2", "HorizontalPodAutoscaler"):
        "V2HorizontalPodAutoscaler" if hasattr(k8s, "V2HorizontalPodAutoscaler") else "V2beta2HorizontalPodAutoscaler",
}


class Response:
    def __init__(self, doc):
        self.data = json.dumps(doc)


def differences(original, back, path=""):
    if isinstance(original, dict) and isinstance(back, dict):
        for key in original:
            if key not in back:
                yield f"{path}.{key} lost"
            else:
                yield from differences(original[key], back[key], f"{path}.{key}")
    elif isinstance(original, list) and isinstance(back, list) and len(original) == len(back):
        for i, (a, b) in enumerate(zip(original, back)):
            yield from differences(a, b, f"{path}[{i}]")
    elif original != back and str(original) != str(back):
        yield f"{path}: {original!r} became {back!r}"


def main(files):
    api = k8s.ApiClient()
    failures = 0
    for name in files:
        with open(name) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") == "Kustomization":
                    continue
                model = MODELS.get((doc["apiVersion"], doc["kind"]))
                if model is None:
                    print(f"{name}: no model for {doc['apiVersion']} {doc['kind']}")
                    failures += 1
                    continue
                back = api.sanitize_for_serialization(api.deserialize(Response(doc), model))
                problems = list(differences(doc, back))
                for problem in problems:
                    print(f"{name} {doc['kind']}: {problem}")
                failures += len(problems)
                if not problems:
                    print(f"{name} {doc['kind']}: round-trips through {model}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
