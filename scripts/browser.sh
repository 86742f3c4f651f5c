# Sourced by test.sh: make sure the admin UI's browser tests can run.
# - Debian's chromium (installed with apt-get when missing and we are root);
# - the npm packages of adminui/assets from package-lock.json (npm ci), which
#   also provide axe-core to the tests.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/tmp/canopy-chromium-install.log 2>&1 || {
      DEBIAN_FRONTEND=noninteractive apt-get update -q >>/tmp/canopy-chromium-install.log 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>/tmp/canopy-chromium-install.log 2>&1
    } || { echo "could not install chromium (see /tmp/canopy-chromium-install.log)"; [ "${CI:-}" = true ] && exit 1; }
  else
    echo "chromium is missing: the browser tests will skip (install Debian's chromium package)"
  fi
fi
if command -v npm >/dev/null 2>&1; then
  (cd adminui/assets && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
elif [ "${CI:-}" = true ]; then
  echo "npm is missing: the admin bundle cannot be checked against package-lock.json"; exit 1
fi
