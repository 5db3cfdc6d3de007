#!/usr/bin/env bash
# Runs the real-GPU bench from its assembled folder (scripts/gpu/assemble.sh): unpacks Node and
# dawn.node into a temp folder (dawn.node is found beside the bench as dist/linux-x64/, where
# the `webgpu` package looks for it), uses the carried Vulkan loader only if the system has
# none, and runs bench.mjs with the arguments given (see gpuBench.ts; default: ResNet-20,
# ResNet-56, ResNeXt-29 8×64d at batch 128, stock against our kernels, and PyTorch eager).
# The table goes to stdout, progress to stderr, the JSON to results.json in the current folder
# unless --out says otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gunzip -c "$here/node.gz" >"$work/node"
chmod +x "$work/node"
mkdir -p "$work/dist/linux-x64"
gunzip -c "$here/dawn.node.gz" >"$work/dist/linux-x64/dawn.node"
cp "$here/bench.mjs" "$here/torch_bench.py" "$work/"
if ! (ldconfig -p 2>/dev/null || true) | grep 'libvulkan\.so\.1' >/dev/null && [ -f "$here/libvulkan.so.1" ]; then
  mkdir -p "$work/lib" && cp "$here/libvulkan.so.1" "$work/lib/"
  export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
args=("$@")
case " $* " in *" --out "*) ;; *) args+=(--out "$PWD/results.json") ;; esac
"$work/node" "$work/bench.mjs" "${args[@]}"
