#!/bin/sh
# deps.sh — install the Debian packages voxc needs, only those missing.
# Runs apt-get directly as root, through sudo otherwise. Used by `make deps`.
set -e
PKGS="libsndfile1-dev check libespeak-ng-dev espeak-ng-data pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all present ($PKGS)"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "deps: missing:$missing — run as root or install sudo" >&2; exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
