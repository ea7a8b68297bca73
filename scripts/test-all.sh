#!/usr/bin/env bash
# The README's test command: everything, from a fresh Debian 12 machine (root, Node 20, npm).
#   1. Debian packages the tests use (real DHCP clients, iproute2, perfdhcp, dig, ...), and pwsh (PowerShell 7
#      as a .NET tool: every script switchyard generates runs in it against the simulated Windows)
#   2. npm dependencies, the native Linux socket helper (strict: the lab needs it), the TypeScript build
#   3. the Windows exe (checked, then run under Wine by a lab test)
#   4. lint, unit tests, then the network-namespace lab tests (root)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-pwsh.sh
export PATH="$PATH:$HOME/.dotnet/tools"
npm ci --no-audit --no-fund
node scripts/build-native.mjs --strict
npm run build
node scripts/dist.mjs # switchyard.exe (node.exe from the npm registry), run under Wine by the lab tests
npm run lint
node scripts/check-generated-ps.mjs # every generated script against Microsoft's documented cmdlet syntax, where ../shared exists
npm test
npm run test:lab
