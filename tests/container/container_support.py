"""Shared by the container tests: what a test needs before it can run, and the resource
limits rootful podman can grant on this host."""
import os
import resource
import shutil
import subprocess


def missing(*tools, image="warden:latest"):
    """Why the test cannot run here (a missing tool or image), or None."""
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        return "needs " + " and ".join(absent)
    r = subprocess.run(["podman", "image", "inspect", image], capture_output=True)
    if r.returncode != 0:
        return "no image %s (run tools/container.sh build)" % image
    return None


def ulimit_args():
    """`--ulimit` arguments this host can grant: rootful podman's defaults can sit above a
    lowered hard limit, and `--ulimit host` does not help."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return ["--ulimit", "nofile=%d:%d" % (nofile, nofile), "--ulimit", "nproc=4096:4096"]


def limits_conf(directory):
    """A containers.conf whose default_ulimits this host can grant: rootful podman's defaults
    sit above a lowered hard limit, and `kube play` and podman-compose pass no --ulimit.
    Returns its path, for CONTAINERS_CONF."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    path = os.path.join(directory, "containers.conf")
    with open(path, "w") as f:
        f.write('[containers]\ndefault_ulimits = ["nofile=%d:%d", "nproc=4096:4096"]\n'
                % (nofile, nofile))
    return path
