#!/bin/sh
# Builds a small etcd image from the etcd and etcdctl binaries installed on this machine (Debian:
# apt-get install etcd-server etcd-client), without any registry: a root filesystem holding the two
# binaries and the shared libraries `ldd` lists, brought in with `docker import`.
#
#   Subjects/etcd/build-image.sh [IMAGE]        # default IMAGE: operator/etcd:local
#
# Talks to the engine DOCKER_HOST names (default /var/run/docker.sock). Needs docker (docker.io) and ldd.
set -eu

image=${1:-operator/etcd:local}

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "build-image.sh: $1 not found in PATH; $2" >&2; exit 2; }
}
need docker "install Debian's docker.io package (apt-get install docker.io)"
need ldd "install Debian's libc-bin package"
need etcd "install Debian's etcd-server package (apt-get install etcd-server)"
need etcdctl "install Debian's etcd-client package (apt-get install etcd-client)"

root=$(mktemp -d "${TMPDIR:-/tmp}/etcd-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp" "$root/data"
chmod 1777 "$root/tmp"
for program in etcd etcdctl; do
    path=$(command -v "$program")
    cp -L "$path" "$root/usr/bin/$program"
    # Every absolute path ldd prints (libraries and the loader), kept at the same place in the image.
    for library in $(ldd "$path" | awk '{ for (i = 1; i <= NF; i++) if (substr($i, 1, 1) == "/") print $i }'); do
        mkdir -p "$root$(dirname "$library")"
        cp -L "$library" "$root$library"
    done
done
# Go's resolver reads these; host networking bind-mounts /etc/hosts and /etc/resolv.conf over them.
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

version=$("$root/usr/bin/etcd" --version 2>/dev/null | awk '/etcd Version/ { print $3 }')
tar -C "$root" -c . | docker import \
    --change 'ENTRYPOINT ["/usr/bin/etcd"]' \
    --change "LABEL org.opencontainers.image.title=etcd org.opencontainers.image.version=${version:-unknown} org.opencontainers.image.source=debian" \
    --message "etcd ${version:-unknown} from the local Debian packages" \
    - "$image" >/dev/null
echo "built $image (etcd ${version:-unknown})"
