# Sourced by ./demo, ./test and .ci/run: create .venv and install Tessera into it when needed.
# Reinstalls only when pyproject.toml changed since the last install. Says what it is doing on
# stderr (stdout stays the program's own), one line a step, and nothing when all is in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

_step_started=0
_step() { printf '%s' "$*" >&2; _step_started=$SECONDS; }
_step_done() { printf ' done (%ss)\n' "$((SECONDS - _step_started))" >&2; }

if [[ ! -x .venv/bin/python ]]; then
    python=${PYTHON:-python3.11}
    command -v "$python" >/dev/null 2>&1 || python=python3
    if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        echo "Tessera needs Python 3.11: install it (python3.11), or name it in PYTHON=..." >&2
        exit 1
    fi
    _step "Creating the virtual environment .venv with $("$python" --version) (first run only)..."
    "$python" -m venv .venv
    _step_done
fi

if [[ ! -f .venv/.installed || pyproject.toml -nt .venv/.installed ]]; then
    if [[ -f .venv/.installed ]]; then
        _step "pyproject.toml changed: updating the packages in .venv (a few seconds to a minute)..."
    else
        _step "Installing Tessera and its packages into .venv (first run only: usually under a minute, longer on a slow network)..."
    fi
    if ! { .venv/bin/python -m pip install --upgrade pip &&
        .venv/bin/python -m pip install -e '.[dev]'; } >.venv/install.log 2>&1; then
        printf ' failed; the end of .venv/install.log:\n' >&2
        tail -n 20 .venv/install.log >&2
        exit 1
    fi
    touch .venv/.installed
    rm -f .venv/.graphiql  # strawberry may have changed: check its GraphiQL scripts again
    _step_done
fi

# GraphiQL's scripts (tessera/graphiql.py), so the demo's GraphiQL works offline. Tried again on
# the next run when it fails (no network): the page then loads them from a CDN.
if [[ ! -f .venv/.graphiql ]]; then
    _step "Fetching GraphiQL's scripts from the npm registry into .venv (first run only)..."
    if .venv/bin/tessera graphiql-assets >>.venv/install.log 2>&1; then
        touch .venv/.graphiql
        _step_done
    else
        printf ' failed (see .venv/install.log); GraphiQL will load them from a CDN\n' >&2
    fi
fi
