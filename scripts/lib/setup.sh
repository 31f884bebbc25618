# Shared by scripts/run and scripts/test: install what is missing, build,
# fetch the data. Sourced, not run. Safe to repeat: each step checks first,
# so a second run with nothing changed takes seconds.

set -euo pipefail

LAYERLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAYERLAB_BUILD=${LAYERLAB_BUILD:-$LAYERLAB_ROOT/build}

# Debian 12 packages the build, the tests and the data need. OpenBLAS is
# there for speed: with Debian's reference BLAS, LibTorch's Linear layers
# run about 6x slower. clang and its runtime build the libFuzzer targets
# (scripts/sanitize); the ASan and TSan builds use g++. The packaging test
# validates the .deb's menu entry and AppStream file.
LAYERLAB_PACKAGES=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev libxkbcommon-dev
    libtorch-dev libopenblas0-pthread
    libopencv-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libgtest-dev
    dataset-fashion-mnist
    clang-14 libclang-rt-14-dev
    python3-torch
    desktop-file-utils appstream
    ca-certificates
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

install_missing_packages() {
    local wanted=("${LAYERLAB_PACKAGES[@]}")
    command -v npm >/dev/null 2>&1 || wanted+=(npm)
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "Installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

# ccache must ignore the precompiled header's timestamps, or every build of
# a LibTorch file misses the cache.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime

build_layerlab() {
    say "Building in $LAYERLAB_BUILD"
    if [ ! -f "$LAYERLAB_BUILD/build.ninja" ]; then
        cmake -S "$LAYERLAB_ROOT" -B "$LAYERLAB_BUILD" -G Ninja \
            -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    fi
    # Two parallel jobs: one LibTorch translation unit alone takes ~1 GB.
    cmake --build "$LAYERLAB_BUILD" -j "${LAYERLAB_JOBS:-2}"
}

fetch_data() {
    "$LAYERLAB_ROOT/scripts/fetch-data"
}

layerlab_setup() {
    install_missing_packages
    build_layerlab "$@"
    fetch_data
}
