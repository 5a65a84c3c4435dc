#!/usr/bin/env bash
# Run HERE (node + node_modules present) before a run on the lent GPU machine. Fills .device/
# (git-ignored through .git/info/exclude) with what that machine lacks:
#   node.xz + env.sh (../shared/tools/gpu-bundle), the compiled JS that scripts/gpu-check.mjs imports
#   (.device/dist), and the Node-API / node-addon-api headers to build the addon with plain cmake.
# GPU_CHECK_DIST=/tmp/x writes only dist/ and napi/ there (a CPU dry run: CONVNETS_GPU_DIST=/tmp/x/dist
# CONVNETS_GPU_CHECK_BACKEND=js node scripts/gpu-check.mjs conformance --label js).
# Then, on the device:  run(command: "source .device/env.sh; scripts/gpu-check.sh", carry: [".device"], timeout_s: 560)
set -eu
top=$(git rev-parse --show-toplevel)
cd "$top"
dest=${GPU_CHECK_DIST:-.device}
if [ "$dest" = .device ]; then
  bundle=${GPU_BUNDLE:-$top/../shared/tools/gpu-bundle}
  if [ -d .git ]; then
    mkdir -p .git/info   # gpu-bundle appends /.device/ to .git/info/exclude
    "$bundle" > /dev/null
  elif [ ! -s .device/node.xz ] || [ ! -f .device/env.sh ]; then
    # A git worktree (.git is a file): the bundle writes .git/info/exclude literally, so let it run in a
    # scratch repository and take its node.xz + env.sh (.device/ is in .gitignore here anyway).
    scratch=$(mktemp -d)
    git init -q "$scratch"
    (cd "$scratch" && "$bundle" > /dev/null)
    mkdir -p .device
    cp "$scratch/.device/node.xz" "$scratch/.device/env.sh" .device/
    rm -rf "$scratch"
  fi
fi
rm -rf "$dest/dist" "$dest/napi"
# Type errors elsewhere in the tree must not block the check: tsc still emits, so ignore its status.
npx tsc --outDir "$dest/dist" --rootDir . --module nodenext --moduleResolution nodenext --target es2022 \
  --skipLibCheck --types node --strict --declaration false --sourceMap false \
  src/ts/backends/native/index.ts src/ts/backends/native/probe.ts src/ts/backends/js/index.ts src/ts/core/registry.ts \
  src/ts/cli/doctor.ts src/architectures/index.ts src/ts/nn/init.ts src/ts/train/losses.ts src/ts/train/optim.ts \
  test/conformance/index.ts || true
[ -f "$dest/dist/src/ts/backends/native/index.js" ] || { echo "gpu-check-prepare: tsc emitted nothing" >&2; exit 1; }
mkdir -p "$dest/napi/include" "$dest/napi/node-addon-api"
cp -r node_modules/node-api-headers/include/. "$dest/napi/include/"
cp node_modules/node-addon-api/*.h "$dest/napi/node-addon-api/"
du -sh "$dest"
echo "ready: run on the device with carry ['.device'] and command 'source .device/env.sh; scripts/gpu-check.sh'"
