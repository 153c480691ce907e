#!/usr/bin/env bash
# Builds every example function and bundles it:
#   examples/target/bundles/<name>.wasm and <name>.zip
#
# Rust guests come from the guest workspace examples/Cargo.toml. With a
# rustup toolchain that has the wasm32-wasip1 target, that toolchain builds
# them. Otherwise (rustup cannot download targets here) Debian's Rust
# (rustc-web, cargo-web, rust-web-src) builds std itself for wasm32-wasip1
# with -Zbuild-std and links against Debian's wasi-libc with wasm-ld; the
# packages are installed with apt-get when missing. C guests are built with
# clang --target=wasm32-wasi.
#
# Environment:
#   NIMBUS            the nimbus binary (default: cargo build -p nimbus, then
#                     ${CARGO_TARGET_DIR:-target}/debug/nimbus)
#   CARGO_TARGET_DIR  honoured; guests build in $CARGO_TARGET_DIR/nimbus-guests
#                     (else examples/target) so that CI caches them too
#   GUEST_TOOLCHAIN   rustup | debian, to force one (default: rustup when it
#                     has the target, else debian)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EXAMPLES=$ROOT/examples
OUT=$EXAMPLES/target/bundles
TARGET=wasm32-wasip1
RUST_GUESTS=(hello http-api sqs-batch image-resize)
C_GUESTS=(hello-c)
DEBIAN_RUST_PACKAGES=(rustc-web cargo-web rust-web-src wasi-libc lld)
# libclang-rt-dev-wasm32: compiler-rt builtins that clang links into every wasm32 module.
C_PACKAGES=(clang lld wasi-libc libclang-rt-dev-wasm32)

step() { echo "== build-guests: $*"; }

# Installs the Debian packages among "$@" that are not installed yet.
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing ${missing[*]} (apt-get)"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}"
}

toolchain=${GUEST_TOOLCHAIN:-}
if [ -z "$toolchain" ]; then
    if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
        toolchain=rustup
    else
        toolchain=debian
    fi
fi
packages=("${C_PACKAGES[@]}")
[ "$toolchain" = debian ] && packages+=("${DEBIAN_RUST_PACKAGES[@]}")
ensure_packages "${packages[@]}"

if [ -z "${NIMBUS:-}" ]; then
    step "building the nimbus binary (cargo build -p nimbus)"
    cargo build -q -p nimbus
    NIMBUS=${CARGO_TARGET_DIR:-$ROOT/target}/debug/nimbus
fi
[ -x "$NIMBUS" ] || { echo "build-guests: no nimbus binary at $NIMBUS" >&2; exit 1; }

guest_target_dir=$EXAMPLES/target
[ -n "${CARGO_TARGET_DIR:-}" ] && guest_target_dir=$(realpath -m "$CARGO_TARGET_DIR")/nimbus-guests
mkdir -p "$OUT"

step "building the Rust guests (${RUST_GUESTS[*]}) with the $toolchain toolchain"
(
    cd "$EXAMPLES"
    export CARGO_TARGET_DIR=$guest_target_dir
    unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
    if [ "$toolchain" = rustup ]; then
        cargo build --locked --release --target "$TARGET"
    else
        export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
        export CARGO_TARGET_WASM32_WASIP1_LINKER=wasm-ld
        export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C link-self-contained=no -L native=/usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o"
        /usr/bin/cargo build --locked --release -Zbuild-std=std,panic_abort --target "$TARGET"
    fi
)
for name in "${RUST_GUESTS[@]}"; do
    cp "$guest_target_dir/$TARGET/release/$name.wasm" "$OUT/$name.wasm"
done

for name in "${C_GUESTS[@]}"; do
    step "building the C guest $name (clang --target=wasm32-wasi)"
    clang --target=wasm32-wasi -O2 -Wl,--strip-all "$EXAMPLES/$name/"*.c -o "$OUT/$name.wasm"
done

for name in "${RUST_GUESTS[@]}" "${C_GUESTS[@]}"; do
    step "bundling $name"
    args=("$OUT/$name.wasm" -o "$OUT/$name.zip")
    [ -f "$EXAMPLES/$name/nimbus.toml" ] && args+=(--manifest "$EXAMPLES/$name/nimbus.toml")
    [ -d "$EXAMPLES/$name/task" ] && args+=(--include "$EXAMPLES/$name/task")
    "$NIMBUS" bundle "${args[@]}"
done

step "module sizes"
for name in "${RUST_GUESTS[@]}" "${C_GUESTS[@]}"; do
    printf '  %-18s %8d bytes\n' "$name.wasm" "$(stat -c %s "$OUT/$name.wasm")"
done
