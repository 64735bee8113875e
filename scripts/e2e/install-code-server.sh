#!/usr/bin/env bash
# Install code-server 4.100.3 (VS Code 1.100.3, the newest on Node 20) from npm, offline but
# for the npm registry and Debian's packages, into a versioned folder outside the repository.
# Idempotent: does nothing when that folder already holds a working 4.100.3.
# Usage: scripts/e2e/install-code-server.sh [DEST]   (default ~/.cache/vmscen-e2e/code-server-4.100.3)
set -euo pipefail
VERSION=4.100.3
DEST=${1:-${VMSCEN_CODE_SERVER_DIR:-$HOME/.cache/vmscen-e2e/code-server-$VERSION}}
BIN="$DEST/node_modules/.bin/code-server"
if [ -x "$BIN" ] && "$BIN" --config /dev/null --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "code-server $VERSION already installed in $DEST"
  exit 0
fi
# native build dependencies of code-server's modules (kerberos needs gssapi headers)
if ! dpkg -s libkrb5-dev build-essential pkg-config >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev build-essential pkg-config python3
fi
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
# @vscode/ripgrep@1.15.11 downloads rg from GitHub at install time: seed its cache with the rg
# binary that the npm package @vscode/ripgrep-linux-x64 ships
RGTMP="$DEST/.rg-tmp"
rm -rf "$RGTMP"
mkdir -p "$RGTMP/vscode-ripgrep-cache-1.15.11"
( cd "$RGTMP" && npm pack --silent @vscode/ripgrep-linux-x64@1.18.0 >/dev/null && mkdir -p x &&
  tar xzf vscode-ripgrep-linux-x64-1.18.0.tgz -C x &&
  tar czf vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz -C x/package/bin rg )
cd "$DEST"
[ -f package.json ] || echo '{"private":true}' > package.json
# --unsafe-perm: its postinstall refuses root otherwise; npm_config_yes: node-pty runs `npx node-gyp`
TMPDIR="$RGTMP" npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --no-save "code-server@$VERSION" >/dev/null 2>&1 \
  || TMPDIR="$RGTMP" npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --no-save "code-server@$VERSION"
rm -rf "$RGTMP"
"$BIN" --config /dev/null --version
