# Helpers for scripts/test: provide PostgreSQL, Chromium and scepclient when they are missing.
# Sourced, not run. Everything comes from Debian's packages.

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "need root to apt-get install $*; install them or run as root" >&2
    return 1
  fi
  if [ -z "${_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

port_answers() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Sets CULTIVAR_TEST_PG_URL to an admin URL of a PostgreSQL server the tests may create databases on.
ensure_postgres() {
  if [ -n "${CULTIVAR_TEST_PG_URL:-}" ]; then return 0; fi
  if port_answers 127.0.0.1 5432; then
    export CULTIVAR_TEST_PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
    return 0
  fi
  echo "no PostgreSQL on 127.0.0.1:5432; starting a throwaway cluster" >&2
  if [ -z "$(pg_bindir)" ]; then apt_install postgresql; fi
  local bin dir port
  bin=$(pg_bindir)
  dir=$(mktemp -d /tmp/cultivar-pg.XXXXXX)
  port=$(( 20000 + RANDOM % 20000 ))
  chown -R postgres "$dir" 2>/dev/null || true
  local as=()
  if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  _PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
  _PG_DIR=$dir
  trap '"${_PG_STOP[@]}" >/dev/null 2>&1 || true; rm -rf "$_PG_DIR"' EXIT
  export CULTIVAR_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Sets CULTIVAR_CHROMIUM and CULTIVAR_CHROMEDRIVER.
ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver || {
      if [ "${CI:-}" = true ]; then echo "Chromium is required in CI" >&2; return 1; fi
      echo "warning: Chromium unavailable; console browser tests will fail" >&2
      return 0
    }
  fi
  export CULTIVAR_CHROMIUM=${CULTIVAR_CHROMIUM:-$(command -v chromium)}
  export CULTIVAR_CHROMEDRIVER=${CULTIVAR_CHROMEDRIVER:-$(command -v chromedriver)}
}

# Sets CULTIVAR_SCEPCLIENT: micromdm's RFC 8894 client (Debian's scep), for the SCEP interop test.
ensure_scepclient() {
  if ! command -v scepclient >/dev/null; then
    apt_install scep || {
      if [ "${CI:-}" = true ]; then echo "scepclient is required in CI" >&2; return 1; fi
      echo "warning: scepclient unavailable; the SCEP interop test will be skipped" >&2
      return 0
    }
  fi
  export CULTIVAR_SCEPCLIENT=${CULTIVAR_SCEPCLIENT:-$(command -v scepclient)}
}
