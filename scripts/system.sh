# Sourced by scripts/serve.sh and scripts/test.sh: the system libraries Tinget needs beyond
# Python, installed with apt when they are missing and this user may (root on Debian/Ubuntu).
# WeasyPrint, which makes the committee report's PDF, needs Pango (and HarfBuzz's subsetter
# for small fonts in the PDF). The tests also need promtool, which checks and unit-tests the
# alert rules in infra/prometheus, and the page tests Debian's Chromium (see need_chromium).
need_system_libraries() {
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
  [ ${#missing[@]} -eq 0 ] && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null; }
  else
    echo "Tinget: the committee report's PDF needs ${missing[*]} (install them with your package manager)" >&2
  fi
}
need_system_libraries

# promtool comes with Debian's Prometheus server package. Installing it may start that server
# (a service on port 9090): nothing of Tinget's uses it, so it is stopped and kept from
# starting at boot; promtool is all the tests want. Without it tests/test_alert_rules.py fails.
need_promtool() {
  command -v promtool >/dev/null && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    local install=(apt-get install -y -qq --no-install-recommends prometheus)
    "${install[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && "${install[@]}" >/dev/null; } \
      || echo "Tinget: could not install Debian's prometheus package (for promtool)" >&2
    if [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/prometheus ]; then
      /etc/init.d/prometheus stop >/dev/null 2>&1 || true
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  else
    echo "Tinget: the alert rules' tests need promtool (Debian's prometheus package)" >&2
  fi
}
# The page tests (tests/test_pages_browser.py) drive Debian's Chromium through Playwright:
# browsers are never downloaded at run time, so the system's package is the browser. Without
# it those tests are skipped, saying why.
need_chromium() {
  command -v chromium >/dev/null && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    local install=(apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium)
    "${install[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && "${install[@]}" >/dev/null; } \
      || echo "Tinget: could not install Debian's chromium package (for the page tests)" >&2
  else
    echo "Tinget: the page tests need Chromium (Debian's chromium package); they are skipped" >&2
  fi
}
case "$(basename "$0")" in
  test.sh) need_promtool; need_chromium ;;
esac
