#!/usr/bin/env bash
# Installs what buylink's tests and `make dev` need and a fresh Debian machine
# lacks: Debian packages listed in scripts/apt-packages.txt and the npm test
# servers pinned in tools/testservers/package-lock.json and the OpenAPI linter
# pinned in tools/openapi/package-lock.json. Idempotent: it does
# nothing when everything is there. Non-interactive; needs root (or sudo) only
# when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r pkg; do
  pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
  [ -n "$pkg" ] || continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/apt-packages.txt

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f tools/testservers/package-lock.json ]; then
  # Debian's nodejs ships npm separately; NodeSource's includes it.
  if ! command -v npm >/dev/null; then
    echo "deps: installing npm"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  for dir in tools/testservers tools/openapi; do
    if [ ! -d $dir/node_modules ] || [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
      echo "deps: installing the npm test tools ($dir)"
      (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
fi
