#!/usr/bin/env bash
# Set up everything guidebook needs on a Debian machine: system packages (apt), a virtualenv, the package.
#   scripts/setup.sh          runtime: fonts, Pango, HarfBuzz subsetting, the package
#   scripts/setup.sh --test   also the test tools (LibreOffice for .docx checks, test Python packages)
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Debian packages. fonts-noto-cjk: the CJK faces (a fresh machine has none); libharfbuzz-subset0: fast
# font subsetting in WeasyPrint (without it every Chinese PDF takes ~9 s more); Pango: WeasyPrint's layout.
runtime_pkgs=(fontconfig fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0)
# libatomic1: Playwright's driver (node) needs it; a minimal Debian lacks it. default-jre-headless: the W3C
# Nu HTML checker (below) is a Java program.
test_pkgs=(libreoffice-writer-nogui poppler-utils chromium libatomic1 default-jre-headless)
pkgs=("${runtime_pkgs[@]}")
[ $want_test = 1 ] && pkgs+=("${test_pkgs[@]}")

python=${PYTHON:-python3}
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  pkgs+=(python3-venv)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages with sudo: ${missing[*]}" >&2
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these system packages, then run this again: ${missing[*]}" >&2
    echo "       (Debian/Ubuntu: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# The virtualenv, the exact library versions of requirements.lock (checked against their hashes, so
# two machines set up months apart run the same libraries and give the same bytes), then the package
# itself. Reinstalled only when pyproject.toml or the lock changes. Refresh the lock with `make lock`.
venv=.venv
stamp="$venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
# A .venv copied or moved with the project still runs the old folder's code (its scripts name the old
# interpreter, its editable install the old package): made again here, for this folder.
here=$(pwd -P)
if [ -f "$venv/pyvenv.cfg" ]; then
  stale=""
  if [ -f "$venv/bin/guidebook" ] && ! head -n 1 "$venv/bin/guidebook" | grep -qF "$here/$venv/bin/python"; then
    stale="its scripts run $(head -n 1 "$venv/bin/guidebook" | cut -c3-)"
  elif [ -x "$venv/bin/python" ]; then
    other=$("$venv/bin/python" -c 'import os, guidebook; print(os.path.dirname(os.path.dirname(os.path.realpath(guidebook.__file__))))' 2>/dev/null || true)
    if [ -n "$other" ] && [ "$other" != "$here" ]; then stale="it runs the package of $other"; fi
  fi
  if [ -n "$stale" ]; then
    echo "setup: $venv was made for another folder ($stale); making a new one for $here" >&2
    rm -rf "$venv"
  fi
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating virtualenv $venv" >&2
  "$python" -m venv "$venv"
fi
if [ ! -f "$stamp" ]; then
  echo "setup: installing the pinned libraries (requirements.lock) and guidebook into $venv" >&2
  # --no-deps: the lock is the whole closure (pip-compile), so nothing is resolved again; pip 23 resolved
  # an extra (weasyprint's fonttools[woff]) to the newest release and then refused it as unpinned.
  "$venv/bin/python" -m pip install -q --no-deps --require-hashes -r requirements.lock
  "$venv/bin/python" -m pip check >&2
  "$venv/bin/python" -m pip install -q --no-deps -e .
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi

# guidebook's own modules compiled ahead, as pip compiles every library it installs: an editable
# install is not, and where Python is told not to write bytecode (PYTHONDONTWRITEBYTECODE, common in
# containers) every command would compile the package again (0.05-0.1 s of each command). Only files
# whose source changed are compiled again; the caches are not committed (.gitignore).
"$venv/bin/python" -m compileall -q guidebook >/dev/null || echo "setup: warning: could not compile guidebook's modules ahead" >&2

# One-face copies of the CJK fonts, so word processors name Chinese text's fonts correctly (see
# `guidebook fonts install --help`). Idempotent and quick once done.
"$venv/bin/guidebook" fonts install >/dev/null 2>&1 || echo "setup: warning: could not install the one-face CJK fonts (guidebook fonts install)" >&2

# The test tools that are not Python packages: the W3C Nu HTML checker (vnu.jar) from the npm registry,
# pinned by version and the registry's own SHA-512, checked before it is unpacked into the virtualenv.
if [ $want_test = 1 ]; then
  vnu_version=26.9.27
  vnu_sha512=TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA==
  vnu_jar="$venv/share/vnu/vnu-$vnu_version.jar"
  if [ ! -f "$vnu_jar" ]; then
    echo "setup: fetching the Nu HTML checker (vnu-jar $vnu_version, registry.npmjs.org)" >&2
    "$venv/bin/python" - "$vnu_version" "$vnu_sha512" "$vnu_jar" <<'PY'
import base64, hashlib, io, sys, tarfile, urllib.request
from pathlib import Path
version, sha512, dest = sys.argv[1], sys.argv[2], Path(sys.argv[3])
url = f"https://registry.npmjs.org/vnu-jar/-/vnu-jar-{version}.tgz"
data = urllib.request.urlopen(url, timeout=300).read()
if base64.b64encode(hashlib.sha512(data).digest()).decode() != sha512:
    sys.exit(f"setup: {url} does not have the pinned SHA-512; not installed")
jar = tarfile.open(fileobj=io.BytesIO(data)).extractfile("package/build/dist/vnu.jar").read()
dest.parent.mkdir(parents=True, exist_ok=True)
tmp = dest.with_suffix(".part")
tmp.write_bytes(jar)
tmp.replace(dest)
PY
  fi
fi
