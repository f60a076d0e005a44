# Shared set-up for scripts/run and scripts/test (sourced, not executed).
# Installs missing Debian packages, creates or reuses .venv, installs the Python dependencies
# from pyproject.toml when they changed, and prepares the data folders.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo when it exists.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' (no sudo found); install those packages and run again"
    fi
}

# Install the Debian packages given as arguments that are not installed yet.
ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install: ${missing[*]}"
    log "Installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

# WeasyPrint needs pango + harfbuzz-subset and a CJK font for the Chinese PDFs.
RUNTIME_APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
# The browser tests and PDF checks need these on top.
TEST_APT_PACKAGES=(chromium chromium-driver poppler-utils)

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))'
        then
            echo "$candidate"
            return 0
        fi
    done
    die "Python 3.11-3.13 not found (set PYTHON=/path/to/python3.11)"
}

ensure_venv() {
    local extras="$1"
    if [ ! -x "$PY" ]; then
        local base
        base="$(pick_python)"
        if ! "$base" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            ensure_apt_packages "python3-venv" "$(basename "$base")-venv"
        fi
        log "Creating virtualenv .venv with $base"
        "$base" -m venv "$VENV"
    else
        log "Reusing virtualenv .venv"
    fi
    # Re-install only when pyproject.toml (or the wanted extras) changed since the last install.
    local stamp="$VENV/.sanshe-deps" want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) [$extras]"
    # An install with the test extra also satisfies a plain one.
    if [ -f "$stamp" ] && { [ "$(cat "$stamp")" = "$want" ] \
        || { [ -z "$extras" ] && [ "$(cut -d' ' -f1 "$stamp")" = "${want%% *}" ]; }; }; then
        log "Python dependencies up to date"
    else
        log "Installing Python dependencies from pyproject.toml [$extras]"
        "$PY" -m pip install -q --upgrade pip
        if [ -n "$extras" ]; then
            "$PY" -m pip install -q -e ".[$extras]"
        else
            "$PY" -m pip install -q -e .
        fi
        echo "$want" >"$stamp"
    fi
}

# Folders for the SQLite file, uploads and the embedded (filesystem) celery broker.
ensure_data_dirs() {
    local data_dir="${DATA_DIR:-$ROOT/var}"
    mkdir -p "$data_dir/files" "$data_dir/broker/queue" "$data_dir/broker/processed" \
        "$data_dir/broker/control" "$data_dir/broker/results"
}
