# Sourced by ./demo, ./test and .ci/run: install the console's npm packages when
# console/package-lock.json changed, and build console/dist when any of its sources (or the
# GraphQL contract it is generated from) is newer than the last build. Says what it does on
# stderr, nothing when all is in place. Without Node.js and npm it says so and returns: the
# API works without the console, and /console then explains how to build it.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

_console_step() { printf '%s' "$*" >&2; _console_started=$SECONDS; }
_console_done() { printf ' done (%ss)\n' "$((SECONDS - _console_started))" >&2; }

console_ready=0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js and npm are not installed: the console (/console) is not built; the API works without it." >&2
elif [[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]]; then
    echo "The console needs Node.js 20 or newer (this is $(node --version)): not built." >&2
else
    if [[ ! -f console/node_modules/.package-lock.json ||
        console/package-lock.json -nt console/node_modules/.package-lock.json ]]; then
        _console_step "Installing the console's npm packages (first run only: about half a minute)..."
        if ! npm --prefix console ci --no-audit --no-fund >console/npm-install.log 2>&1; then
            printf ' failed; the end of console/npm-install.log:\n' >&2
            tail -n 20 console/npm-install.log >&2
            return 1 2>/dev/null || exit 1
        fi
        _console_done
    fi
    if [[ ! -f console/dist/index.html ]] || [[ -n "$(find console/src console/index.html \
        console/vite.config.ts console/tsconfig.json console/package-lock.json \
        frontend-contract/schema.graphql -newer console/dist/index.html -print -quit)" ]]; then
        _console_step "Building the console into console/dist (a few seconds)..."
        if ! npm --prefix console run build >console/build.log 2>&1; then
            printf ' failed; the end of console/build.log:\n' >&2
            tail -n 20 console/build.log >&2
            return 1 2>/dev/null || exit 1
        fi
        _console_done
    fi
    console_ready=1
fi
