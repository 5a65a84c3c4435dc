#!/usr/bin/env bash
# GPU check of the native backend on the lent GPU machine (CUDA 13, cmake, Ninja, python3 + PyTorch;
# no Node, no network), after scripts/gpu-check-prepare.sh ran on the dev machine:
#   run(command: "source .device/env.sh; scripts/gpu-check.sh", carry: [".device"], timeout_s: 560)
# The whole run fits one 9-minute command (GPU_CHECK_BUDGET, default 520 s): every step runs under its
# own timeout (its cap, or what is left of the budget), streams its output, and the results so far are
# JSON in $OUT after every step (steps.jsonl, summary.json, one file per step). Steps, in this order:
#   preflight        GPU, node, .device/dist, cmake, Ninja, nvcc (fails in seconds without a GPU)
#   build            the addon for 90-real only, with Ninja
#   doctor           device, libraries, the path probe
#   conformance-own  own CUDA kernels only, CONVNETS_NATIVE_SYNC=1 (errors name their op); a crash or a
#                    sticky CUDA error costs one kernel, the worker restarts after it
#   memcheck         compute-sanitizer --tool memcheck over the own-kernel conformance, bounded
#   conformance-libs cuDNN + cuBLAS, with the GPU-sized cases (CONVNETS_CONFORMANCE_LARGE=1) and the
#                    executed/refused counters per kernel
#   invalid          invalid inputs as the js reference (max-pool padding window, labels, -inf logit)
#   resnet50 / mobilenet_v2: bench-* (inference b1, b64, training step b64, cuDNN path) then
#                    checksum-* (the same logits and first training loss on the own kernels, compared)
#   pytorch          PyTorch + cuDNN, the same cases, last, capped at 120 s
# --no-gpu-ok: go on after a failed preflight (a dry run of the plumbing on a machine without a GPU).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
: > "$out/steps.jsonl"
. scripts/gpu-check-lib.sh
gc_budget=${GPU_CHECK_BUDGET:-520}
gc_started_at=$(date -u +%FT%TZ)
gc_deadline=$(( $(gc_now) + gc_budget ))
gc_fail=0
iters=${GPU_CHECK_ITERS:-20}
keep_going=0
[ "${1:-}" = "--no-gpu-ok" ] && keep_going=1

preflight() {
  local bad=0
  if ! command -v nvidia-smi > /dev/null; then echo "FAIL preflight: nvidia-smi not found: no NVIDIA driver on this machine"; bad=1
  elif ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; then echo "FAIL preflight: nvidia-smi lists no GPU"; bad=1
  fi
  command -v node > /dev/null || { echo "FAIL preflight: node not on PATH (source .device/env.sh first)"; bad=1; }
  [ -f .device/dist/src/ts/backends/native/index.js ] || { echo "FAIL preflight: .device/dist missing (run scripts/gpu-check-prepare.sh here, carry .device)"; bad=1; }
  [ -d .device/napi/include ] || { echo "FAIL preflight: .device/napi missing (scripts/gpu-check-prepare.sh)"; bad=1; }
  for t in cmake ninja nvcc; do command -v "$t" > /dev/null || { echo "FAIL preflight: $t not found"; bad=1; }; done
  command -v compute-sanitizer > /dev/null || ls /usr/local/cuda*/bin/compute-sanitizer > /dev/null 2>&1 ||
    echo "note: compute-sanitizer not found: the memcheck step will fail"
  return $bad
}
export -f preflight
if ! gc_step preflight 20 preflight && [ $keep_going -eq 0 ]; then
  echo "gpu-check: preflight failed: nothing else runs (results in $out/summary.json)"
  exit 2
fi

# cuDNN / cuBLAS from PyTorch's NVIDIA wheels, wherever their layout puts them: the addon dlopens them
# by soname, so their folders go on LD_LIBRARY_PATH.
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

build=/tmp/convnets-native-build
gc_step build 180 "cmake -S native -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real \
  -DCMAKE_JS_INC=$PWD/.device/napi/include -DNODE_ADDON_API_DIR=$PWD/.device/napi/node-addon-api > $out/cmake.log 2>&1 \
  && cmake --build $build -j \$(nproc) >> $out/cmake.log 2>&1 || { tail -40 $out/cmake.log; echo 'FAIL build: see cmake.log'; exit 1; }"
export CONVNETS_NATIVE_ADDON="$build/convnets_native.node"
m=scripts/gpu-check.mjs

gc_step doctor 30 "node $m doctor --out $out"
own="CONVNETS_NO_CUDNN=1 CONVNETS_NO_CUBLAS=1 CONVNETS_NATIVE_SYNC=1"
gc_step conformance-own 90 "$own node $m conformance --label own --out $out"
# compute-sanitizer ships with the toolkit but is not always on PATH
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer \
  /usr/local/cuda/compute-sanitizer/compute-sanitizer 2> /dev/null | head -1)
gc_step memcheck 80 "$own ${sanitizer:-compute-sanitizer} --tool memcheck --error-exitcode 86 --print-limit 20 \
  node $m conformance --label memcheck --out $out --max-seconds 55"
gc_step conformance-libs 100 "CONVNETS_NATIVE_SYNC=1 CONVNETS_CONFORMANCE_LARGE=1 node $m conformance --label libs --out $out"
gc_step invalid 30 "CONVNETS_NATIVE_SYNC=0 node $m invalid --out $out"
for model in resnet50 mobilenet_v2; do
  cap=90; [ $model = mobilenet_v2 ] && cap=60
  gc_step bench-$model $cap "node $m bench --model $model --iters $iters --out $out"
  gc_step checksum-$model $(( cap - 15 )) "CONVNETS_NO_CUDNN=1 CONVNETS_NO_CUBLAS=1 node $m checksum --model $model --out $out"
done
left=$(( gc_deadline - $(gc_now) - 15 ))
gc_step pytorch 120 "PYTHONUNBUFFERED=1 python3 scripts/gpu_check_torch.py resnet50,mobilenet_v2 $iters $out/pytorch.json $(( left < 105 ? left : 105 ))"
command -v node > /dev/null && node $m summary --out "$out"
exit $gc_fail
