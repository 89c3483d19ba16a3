#!/usr/bin/env bash
# The README's test command, and the one CI runs (.ci/run calls exactly this).
#
# On a fresh machine it first installs what the tests need besides Rust: Debian's chromium and
# chromium-driver for the browser tests, fonts for legible screenshots, poppler-utils to read
# PDFs back and python3-aiosmtpd for a real SMTP server (with sudo when not root). Then it checks formatting and lints and runs every test: unit, API, crash, transcript,
# browser and doc-tests. A failing test binary does not stop the others (--no-fail-fast).
#
#   ./test.sh                 everything
#   ./test.sh --test api      extra arguments go to `cargo test`
set -euo pipefail
cd "$(dirname "$0")"

msrv=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'test.sh: %s\n' "$*" >&2
  exit 1
}

# ---- Rust ---------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 ||
  die "cargo is not installed: install Rust $msrv or newer with rustup (https://rustup.rs), then run ./test.sh again"
have=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$msrv" "$have" | sort -V | head -n1)" != "$msrv" ]; then
  die "Rust $have is older than the $msrv loket needs: run 'rustup update stable'"
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 ||
      die "cargo $component is missing and rustup is not there to add it: install the $component component"
    say "adding the Rust component $component"
    rustup component add "$component"
  fi
done

# ---- what the tests need besides Rust -----------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# A text font for the page and an emoji font for the chat's icons, so screenshots are legible.
if command -v dpkg-query >/dev/null 2>&1; then
  installed fonts-dejavu-core || need+=(fonts-dejavu-core)
  installed fonts-noto-color-emoji || need+=(fonts-noto-color-emoji)
fi
# The manifests' tests read their PDFs back (poppler's pdftotext) and mail them to a real SMTP
# server (aiosmtpd, run by Debian's own /usr/bin/python3).
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; } || need+=(python3-aiosmtpd)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 ||
    die "the tests need: ${need[*]}; this is not a Debian-like system, so install them with your package manager (chromium and its chromedriver at /usr/bin, poppler-utils, aiosmtpd for /usr/bin/python3), or set LOKET_SKIP_BROWSER_TESTS=1 to skip the browser tests"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
      die "the tests need: ${need[*]}; run as root, or install sudo, or run: apt-get install ${need[*]}"
    sudo=(sudo)
  fi
  say "installing what the tests need: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Schemathesis, which the API test runs against the OpenAPI document (a pinned version, in a
# virtual environment under target/ so nothing outside the project changes).
schemathesis_version=4.32.5
venv=target/schemathesis
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  command -v python3 >/dev/null 2>&1 || die "the API test needs python3 (for schemathesis): install python3 and python3-venv"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "the API test needs python3-venv (for schemathesis)"
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  say "installing schemathesis $schemathesis_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
export LOKET_SCHEMATHESIS="$PWD/$venv/bin/schemathesis"

# ---- checks and tests ---------------------------------------------------------------------
say "cargo fmt --all --check"
cargo fmt --all --check
say "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
# Most tests wait on loopback HTTP, timers and child processes rather than on the CPU: eight at a
# time instead of one per core take the API tests from 208 s to about 90 s on 2 cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"
say "cargo test (${RUST_TEST_THREADS} tests at a time)"
cargo test --workspace --locked --no-fail-fast "$@"
