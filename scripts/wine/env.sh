# Shared paths and environment for the Wine scripts (sourced, not run). Expects ROOT (repo root).
# shellcheck shell=bash

export WINE_ROOT="$ROOT/.wine"
export WINE_CACHE="$WINE_ROOT/cache"
export WINE_STAGE="$WINE_ROOT/stage"
export WINE_WINTUN="$WINE_ROOT/wintun"
export WINE_STANDIN="$WINE_ROOT/standin"
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

# Windows node resolves koffi's JS from the repo's node_modules and its win32-x64 native package
# from the staging directory through NODE_PATH.
NODE_PATH="$(winpath "$WINE_STAGE/node_modules")"
export NODE_PATH
# Where the tests find their DLLs (Windows paths).
WINTUN_DLL_DIR="$(winpath "$WINE_WINTUN")"
WINTUN_STANDIN_DLL="$(winpath "$WINE_STANDIN/wintun.dll")"
export WINTUN_DLL_DIR WINTUN_STANDIN_DLL
