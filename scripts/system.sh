# Sourced by scripts/serve.sh and scripts/test.sh: the system libraries Tinget needs beyond
# Python, installed with apt when they are missing and this user may (root on Debian/Ubuntu).
# WeasyPrint, which makes the committee report's PDF, needs Pango (and HarfBuzz's subsetter
# for small fonts in the PDF).
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
