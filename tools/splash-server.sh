#!/usr/bin/env bash
# splash-server.sh - install (once) and start a REAL Splash 3.5 HTTP server without Docker.
# Target: Debian 12 (bookworm) x86_64, headless (Splash starts its own Xvfb), runs as root.
# newscrawler's copy of the tested recipe in ../shared/tools/; .ci/run starts it before the
# tests (tests/test_splash.py). With Docker instead: docker run -p 8050:8050 scrapinghub/splash
#
#   bash splash-server.sh            # install if needed, start if not already answering, wait for /_ping
#   bash splash-server.sh install    # install only
#   bash splash-server.sh stop       # stop the server this script started
#   bash splash-server.sh status     # exit 0 if /_ping answers
#
# Env: SPLASH_HOST=127.0.0.1 SPLASH_PORT=8050 SPLASH_VENV=/opt/splash-venv
#      SPLASH_RUN_DIR=/tmp/splash-server  SPLASH_ARGS="--disable-browser-caches" (extra splash
#      options, e.g. "--browser-engines webkit --slots 4 --max-timeout 60"; the default keeps
#      WebKit from serving a changed page from its cache, which the tests rely on)
#
# Recipe: Qt/PyQt5/QtWebKit/QtWebEngine/Twisted/qt5reactor/... from Debian apt; splash 3.5 and
# adblockparser from PyPI, lupa 1.14.1 built from its PyPI sdist against Debian's liblua5.2
# (Lua 5.2 = what the official Docker image uses), all in a venv that sees the system
# site-packages; then a few small patches that make splash 3.5 run on Python 3.11 / PyQt 5.15.
set -euo pipefail

HOST=${SPLASH_HOST:-127.0.0.1}
PORT=${SPLASH_PORT:-8050}
VENV=${SPLASH_VENV:-/opt/splash-venv}
RUN=${SPLASH_RUN_DIR:-/tmp/splash-server}
EXTRA_ARGS=${SPLASH_ARGS---disable-browser-caches}
PY=/usr/bin/python3            # Debian's python (PyQt5 debs are built for it), not pyenv's
RECIPE=1                       # bump to force a reinstall of the venv part

APT_PKGS="python3 python3-venv python3-pyqt5 python3-pyqt5.qtwebkit python3-pyqt5.qtwebengine
  python3-twisted python3-qt5reactor python3-psutil python3-xvfbwrapper python3-funcparserlib
  python3-pil python3-attr xvfb xauth curl build-essential python3-dev pkg-config liblua5.2-dev"
PIP_PKGS="splash==3.5 adblockparser==0.7"
LUPA=lupa==1.14.1

T0=$(date +%s.%N)
log() { echo "[setup_splash] $*" >&2; }
took() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}'; }
ping_ok() { curl -sf -m 2 "http://$HOST:$PORT/_ping" >/dev/null 2>&1; }

install_splash() {
  local missing="" p
  for p in $APT_PKGS; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    log "apt-get install:$missing"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $APT_PKGS >/dev/null
  fi

  local stamp="$VENV/.splash-setup-$RECIPE"
  if [ -f "$stamp" ] && "$VENV/bin/python" -c 'import splash, lupa, PyQt5.QtWebKit' 2>/dev/null; then
    return 0
  fi
  log "creating $VENV"
  rm -rf "$VENV"
  "$PY" -m venv --system-site-packages "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps $PIP_PKGS
  # Not Debian's python3-lupa (LuaJIT: sandbox limits don't work) nor lupa 2.x wheels (their
  # bundled Lua 5.2 build crashed Splash mid test-suite; Lua 5.3/5.4 change number formatting
  # or break Splash's Lua code). --ignore-installed: a system python3-lupa may be visible.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --ignore-installed \
      --no-binary lupa --no-build-isolation "$LUPA" 2>&1 | grep -v DEPRECATION >&2 || true
  "$VENV/bin/python" -c 'import lupa, sys; v = lupa.LuaRuntime().eval("_VERSION"); sys.exit(0 if v == "Lua 5.2" else "lupa built against %s, not Lua 5.2" % v)'

  # Compatibility patches for splash 3.5 on Python >= 3.10 / PyQt 5.15 (idempotent).
  "$VENV/bin/python" - <<'EOF'
import os, sys, splash
root = os.path.dirname(splash.__file__)
PATCHES = {
    # json.loads(encoding=) was removed in Python 3.9: every JSON POST (scrapy-splash's default) -> 500.
    # Same fix as upstream master (unreleased).
    "render_options.py": [("json.loads(content, encoding='utf8')", "json.loads(content)")],
    # PyQt5 on Python >= 3.10 refuses float where a C int is expected (splash:wait, timeouts, ...)
    "browser_tab.py": [
        ("timer.start(time_ms)", "timer.start(int(time_ms))"),
        ("self._timer.start(timeout * 1000)", "self._timer.start(int(timeout * 1000))"),
    ],
    "network_manager.py": [("timer.start(timeout_ms)", "timer.start(int(timeout_ms))")],
    "engines/webkit/browser_tab.py": [("point = QPoint(x, y)", "point = QPoint(int(x), int(y))")],
    "qtrender_image.py": [(
        "return QRect(QPoint(left, top), QPoint(right - 1, bottom - 1))",
        "return QRect(QPoint(int(left), int(top)), QPoint(int(right - 1), int(bottom - 1)))")],
}
for rel, subs in PATCHES.items():
    path = os.path.join(root, rel)
    src = new = open(path, encoding="utf-8").read()
    for old, repl in subs:
        if repl not in new:
            if old not in new:
                sys.exit("splash patch failed: %r not in %s" % (old, rel))
            new = new.replace(old, repl)
    if new != src:
        open(path, "w", encoding="utf-8").write(new)
EOF
  touch "$stamp"
  log "installed in $(took)"
}

start_splash() {
  if ping_ok; then log "already answering on $HOST:$PORT"; return 0; fi
  mkdir -p "$RUN/xdg"; chmod 700 "$RUN/xdg"
  # QTWEBENGINE_DISABLE_SANDBOX: Chromium engine refuses to start as root otherwise.
  # setsid: own process group (Splash + its Xvfb + QtWebEngine helpers) so `stop` can end all of it.
  QTWEBENGINE_DISABLE_SANDBOX=1 XDG_RUNTIME_DIR="$RUN/xdg" \
    setsid "$VENV/bin/python" "$VENV/bin/splash" --ip "$HOST" --port "$PORT" $EXTRA_ARGS \
    >"$RUN/splash.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$RUN/splash.pid"
  for _ in $(seq 1 240); do              # up to 60 s
    if ping_ok; then log "Splash (pid $pid) ready on http://$HOST:$PORT after $(took); log: $RUN/splash.log"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then log "Splash exited; log:"; tail -40 "$RUN/splash.log" >&2; return 1; fi
    sleep 0.25
  done
  log "Splash did not answer /_ping in 60 s; log:"; tail -40 "$RUN/splash.log" >&2; return 1
}

stop_splash() {
  local pid
  pid=$(cat "$RUN/splash.pid" 2>/dev/null || true)
  [ -n "$pid" ] || { log "no pid file"; return 0; }
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"                          # Splash stops its Xvfb on a clean exit
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true    # leftovers of that process group, if any
  rm -f "$RUN/splash.pid"
  log "stopped (pid $pid)"
}

case "${1:-start}" in
  install) install_splash ;;
  start)   install_splash; start_splash ;;
  stop)    stop_splash ;;
  status)  ping_ok && echo "up" || { echo "down"; exit 1; } ;;
  *) echo "usage: $0 [start|install|stop|status]" >&2; exit 2 ;;
esac
