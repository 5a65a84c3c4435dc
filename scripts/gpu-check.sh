#!/usr/bin/env bash
# GPU check of the native backend, on the lent GPU machine (CUDA 13, cmake, python3 + PyTorch; no
# Node, no network), from the repo root, after scripts/gpu-check-prepare.sh ran on the dev machine:
#   source .device/env.sh; scripts/gpu-check.sh [--quick]
# 1. builds the addon with plain cmake (sm_80 + sm_90 + PTX), 2. doctor, 3. the conformance suite
# with cuDNN/cuBLAS and with the own kernels only, 4. ResNet-50 / MobileNetV2 inference (b1, b64)
# and training (b64, forward + backward + SGD, fp32, TF32 off) against PyTorch + cuDNN, 5. a table.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
iters=20
[ "${1:-}" = "--quick" ] && iters=6
status=0
step() { echo; echo "==== $*"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
command -v node >/dev/null || { echo "node not on PATH: source .device/env.sh first"; exit 2; }
[ -d .device/dist ] || { echo ".device/dist missing: run scripts/gpu-check-prepare.sh on the dev machine and carry .device"; exit 2; }

# cuDNN / cuBLAS from PyTorch's NVIDIA wheels, wherever their layout puts them (nvidia/<lib>/lib or
# nvidia/cu13/lib): the addon dlopens them by soname, so their folders go on LD_LIBRARY_PATH.
libdirs=$(python3 - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
dirs = []
for r in roots:
    for pat in ("**/libcudnn.so.9", "**/libcublas.so.1[23]"):
        for f in glob.glob(os.path.join(r, pat), recursive=True):
            d = os.path.dirname(f)
            if d not in dirs:
                dirs.append(d)
print(":".join(dirs))
PY
)
[ -n "$libdirs" ] && export LD_LIBRARY_PATH="$libdirs:${LD_LIBRARY_PATH:-}"
echo "cuDNN/cuBLAS folders: ${libdirs:-none found}"

step "build addon"
build=/tmp/convnets-native-build
t0=$(date +%s)
cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$PWD/.device/napi/include" \
  -DNODE_ADDON_API_DIR="$PWD/.device/napi/node-addon-api" > "$out/cmake.log" 2>&1 &&
  cmake --build "$build" -j "$(nproc)" >> "$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; echo "BUILD FAILED"; exit 1; }
echo "built in $(( $(date +%s) - t0 )) s"
export CONVNETS_NATIVE_ADDON="$build/convnets_native.node"

step "doctor"
node scripts/gpu-check.mjs doctor || status=1

step "conformance (cuDNN + cuBLAS where found)"
node scripts/gpu-check.mjs conformance 2>&1 | tee "$out/conformance.txt" | grep -v '^#' | tail -40 || status=1
grep -q '^FAIL' "$out/conformance.txt" && status=1
step "conformance (own CUDA kernels only)"
CONVNETS_NO_CUDNN=1 CONVNETS_NO_CUBLAS=1 node scripts/gpu-check.mjs conformance 2>&1 | tee "$out/conformance-own.txt" | grep -v '^#' | tail -40
grep -q '^FAIL' "$out/conformance-own.txt" && status=1

step "benchmark: convnets native"
node scripts/gpu-check.mjs bench --iters "$iters" --json "$out/convnets.json" || status=1
step "benchmark: PyTorch + cuDNN"
PYTHONUNBUFFERED=1 python3 scripts/gpu_check_torch.py resnet50,mobilenet_v2 "$iters" "$out/pytorch.json" || status=1

step "summary (images/s; ratio = convnets / PyTorch)"
node -e '
const fs = require("fs");
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return []; } };
const a = read(process.argv[1]), b = read(process.argv[2]);
console.log("model         mode       batch   convnets    pytorch   ratio");
for (const r of a) {
  const p = b.find((q) => q.model === r.model && q.mode === r.mode && q.batch === r.batch);
  console.log(`${r.model.padEnd(13)} ${r.mode.padEnd(10)} ${String(r.batch).padStart(5)} ${r.imgPerSec.toFixed(1).padStart(10)} ${(p ? p.imgPerSec.toFixed(1) : "-").padStart(10)} ${(p ? (r.imgPerSec / p.imgPerSec).toFixed(2) : "-").padStart(7)}`);
}' "$out/convnets.json" "$out/pytorch.json"
exit $status
