#!/usr/bin/env bash
# engine.backend: tensorflow-gpu end to end, for a Linux x64 machine with an NVIDIA GPU (never run on the
# 2-core CPU machine detlab is developed and tested on). In a checkout after `npm install`:
#   1. `npm run setup:tensorflow -- --gpu`: tensorflow[and-cuda] 2.21 (TensorFlow plus the CUDA 12.5 and
#      cuDNN 9.3 wheels, a few GB) into .cache/tensorflow/venv-gpu, @tensorflow/tfjs-node-gpu 4.22.0 without
#      its install script, its binding built with node-gyp against that venv's libtensorflow_cc.so.2;
#   2. the check that TensorFlow sees the GPU (else the backend would silently run on the CPU);
#   3. the parity tests of tests/engine/tensorflow_backend.test.ts on tensorflow-gpu;
#   4. `npm run bench -- engine` (its tfjs-node (tensorflow-gpu) row).
# Exits non-zero at the first step that fails, with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: this needs an NVIDIA GPU and its driver (≥ 525 for CUDA 12)"; exit 1; }
echo "gpu-check: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"

npm run -s setup:tensorflow -- --gpu
npm run -s build

# TensorFlow finds the CUDA libraries through the rpaths of its own libraries into the venv's nvidia/*/lib.
node --input-type=module -e "
const { initEngine } = await import('./dist/src/engine/init.js');
const { tf } = await import('./dist/src/engine/tf.js');
const info = await initEngine({ backend: 'tensorflow-gpu', log: false });
if (!tf.backend().isUsingGpuDevice) {
  console.error('gpu-check: tfjs-node-gpu loaded libtensorflow ' + info.versions.libtensorflow + ' but TensorFlow sees no GPU (driver too old, or the CUDA wheels not found; see the TensorFlow log above)');
  process.exit(1);
}
console.log('gpu-check: TensorFlow ' + info.versions.libtensorflow + ' runs on the GPU');
"

DETLAB_TEST_TF_BACKEND=tensorflow-gpu CI=true node --test dist/tests/engine/tensorflow_backend.test.js
node dist/bench/main.js engine
