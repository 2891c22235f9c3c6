# Shared paths and environment for the Wine scripts (sourced, not run). Expects ROOT (repo root).
# WINE_ARCH selects the Windows architecture: x64 (default; 64-bit node.exe, koffi win32-x64, the
# x86-64 stand-in) or x86 (32-bit node.exe from node-win-x86, koffi win32-ia32, the i686 stand-in,
# run by wine32 through WoW64 in the same win64 prefix).
# shellcheck shell=bash

export WINE_ARCH="${WINE_ARCH:-x64}"
case "$WINE_ARCH" in
  x64) _wine_suffix="" ;;
  x86) _wine_suffix="-x86" ;;
  *) echo "WINE_ARCH must be x64 or x86, got $WINE_ARCH" >&2; return 64 2>/dev/null || exit 64 ;;
esac
export WINE_ROOT="$ROOT/.wine"
export WINE_CACHE="$WINE_ROOT/cache"
export WINE_STAGE="$WINE_ROOT/stage$_wine_suffix"
export WINE_WINTUN="$WINE_ROOT/wintun"
export WINE_STANDIN="$WINE_ROOT/standin$_wine_suffix"
export WINE_NODE_EXE="$WINE_STAGE/node.exe"

export WINEPREFIX="$WINE_ROOT/prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEARCH=win64
# No Mono/Gecko download prompts when the prefix is created.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
export NODE_SKIP_PLATFORM_CHECK=1

# A Linux path as Windows sees it (Wine maps / to Z:).
winpath() {
  local p="$1"
  p="${p//\//\\}"
  echo "Z:$p"
}

# Windows node resolves koffi's JS from the repo's node_modules and its win32-x64 (or win32-ia32)
# native package from the staging directory of the architecture through NODE_PATH.
NODE_PATH="$(winpath "$WINE_STAGE/node_modules")"
export NODE_PATH
# Where the tests find their DLLs (Windows paths).
WINTUN_DLL_DIR="$(winpath "$WINE_WINTUN")"
WINTUN_STANDIN_DLL="$(winpath "$WINE_STANDIN/wintun.dll")"
export WINTUN_DLL_DIR WINTUN_STANDIN_DLL
