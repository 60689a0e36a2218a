#!/bin/sh
# Installs what sluice needs to build (and, with --test, to test) on Debian/Ubuntu.
# Only what is missing is installed; a machine that has everything is left alone.
set -eu

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs="gcc make pkg-config zlib1g-dev libzstd-dev libsnappy-dev liblz4-dev libxxhash-dev libyaml-dev"
[ $want_test -eq 1 ] && pkgs="$pkgs libcmocka-dev clang nodejs npm"

missing=""
for p in $pkgs; do
    case "$p" in
        nodejs|npm) command -v "${p%js}" >/dev/null 2>&1 && continue
                    command -v "$p" >/dev/null 2>&1 && continue ;;
        gcc|make|clang) command -v "$p" >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
    missing="$missing $p"
done

if [ -n "$missing" ]; then
    echo "sluice: installing missing packages:$missing" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi

if [ $want_test -eq 1 ]; then
    # Test oracles (DuckDB, Polars, hyparquet, parquet-wasm) at the versions of the
    # committed lockfile. Not `npm ci`: the registry here lists only the linux-x64
    # builds of DuckDB's and Polars' native packages, so the lockfile cannot name
    # the other platforms' optional packages and `npm ci` refuses it as out of
    # sync. `npm install --no-save` installs the locked versions and writes nothing.
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "sluice: installing test oracles from package-lock.json" >&2
        npm install --no-save --no-audit --no-fund --loglevel=error >&2
    fi
fi
