#!/bin/sh
# features.sh — print what the build found on this machine as ✓/✗ lines.
# Usage: features.sh CC   (called by `make`)
CC=${1:-cc}
yes() { printf '  \342\234\223 %s\n' "$1"; }
no()  { printf '  \342\234\227 %s\n' "$1"; }
echo "voxc build: $($CC --version 2>/dev/null | head -n1)"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
for f in avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_bf16; do
    case " $flags " in *" $f "*) yes "cpu $f";; *) no "cpu $f";; esac
done
for p in sndfile espeak-ng check; do
    if pkg-config --exists $p 2>/dev/null; then yes "$p $(pkg-config --modversion $p)"; else no "$p (run make deps)"; fi
done
if [ -f /usr/include/CL/cl.h ]; then yes "OpenCL headers"; else no "OpenCL headers"; fi
if command -v nvcc >/dev/null 2>&1; then yes "nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"; else no "nvcc"; fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then yes "NVIDIA GPU"; else no "NVIDIA GPU (CUDA code compiles, does not run)"; fi
