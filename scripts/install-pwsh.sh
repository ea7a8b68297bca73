#!/usr/bin/env bash
# PowerShell 7 for the tests that run every generated script in real PowerShell (test/windows-sim):
# pwsh from PATH if there is one, else the .NET global tool PowerShell 7.6.10 (7.7.0 does not install
# from this machine's NuGet feed). Needs the .NET SDK. Under CI a missing pwsh is a failure; elsewhere
# those tests skip with one line saying how to get it.
set -euo pipefail
VERSION=7.6.10
if command -v pwsh >/dev/null 2>&1; then exit 0; fi
if [ -x "$HOME/.dotnet/tools/pwsh" ]; then exit 0; fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-pwsh: no pwsh and no dotnet (the .NET SDK) to install it with" >&2
  if [ -n "${CI:-}" ] && [ "${CI}" != "false" ] && [ "${CI}" != "0" ]; then exit 1; fi
  exit 0
fi
echo "install-pwsh: dotnet tool install --global PowerShell --version $VERSION"
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet tool install --global PowerShell --version "$VERSION" >/dev/null
"$HOME/.dotnet/tools/pwsh" -NoProfile -NonInteractive -Command '"install-pwsh: PowerShell " + $PSVersionTable.PSVersion'
