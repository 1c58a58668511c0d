#!/usr/bin/env python3
"""Validates compose.yaml offline: strictly against the Compose Specification schema that
Debian's docker-compose package ships (compose/config/compose_spec.json), then with
`docker-compose config -q` (interpolation, references between services, volumes, secrets),
then Warden's own rules (every wardend service read-only with the master key as a secret).
Usage: tools/check-compose.py [FILE...] (default: compose.yaml)."""
import json
import os
import subprocess
import sys

import jsonschema
import yaml

SCHEMA = "/usr/lib/python3/dist-packages/compose/config/compose_spec.json"


def problems(path):
    with open(path) as f:
        document = yaml.safe_load(f)
    with open(SCHEMA) as f:
        schema = json.load(f)
    found = ["%s: %s at %s" % (path, e.message, "/".join(str(p) for p in e.absolute_path))
             for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    env = dict(os.environ, POSTGRES_PASSWORD="check-compose", WARDEN_MASTER_KEY_FILE=path)
    r = subprocess.run(["docker-compose", "-f", path, "config", "-q"], capture_output=True,
                       text=True, env=env, cwd=os.path.dirname(os.path.abspath(path)))
    if r.returncode != 0:
        found.append("%s: docker-compose config: %s" % (path, r.stderr.strip()))
    for name, service in (document.get("services") or {}).items():
        if "warden" not in str(service.get("image", "")):
            continue
        if service.get("read_only") is not True:
            found.append("%s: service %s: wardend must run read_only" % (path, name))
        if "warden_master_key" not in str(service.get("secrets")):
            found.append("%s: service %s: the master key must be a secret" % (path, name))
    return found


def main(paths):
    found = [p for path in paths or ["compose.yaml"] for p in problems(path)]
    for p in found:
        print(p, file=sys.stderr)
    if not found:
        print("check-compose: %s valid (Compose Specification, docker-compose config)" %
              ", ".join(paths or ["compose.yaml"]))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
