#!/usr/bin/env bash
# The system programs the test suite drives (Debian/Ubuntu packages): headless Chromium and its driver
# (browser tests, HTML -> PDF), LibreOffice Writer (HTML -> DOCX), poppler (pdftotext, pdftoppm), pandoc
# (HTML -> Markdown and reStructuredText) and the
# Noto CJK fonts (Chinese glyphs in printed PDFs and page images), and the libGL/GLib that OpenCV (OCR of
# scanned reports) loads. Extracting text, HTML, DOCX and PDF reports needs none of them.
#
# Installs what is missing with apt-get (as root, or through sudo when it asks no password). Where
# neither works it says which packages to install and exits 0: the tests that need a missing program
# are skipped with that reason, the others run.
set -uo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
{ command -v pdftotext && command -v pdftoppm; } >/dev/null 2>&1 || missing+=(poppler-utils)
command -v pandoc >/dev/null 2>&1 || missing+=(pandoc)
# OpenCV (in the ocr extra, for scanned reports) loads libGL and GLib
if command -v ldconfig >/dev/null 2>&1; then
  ldconfig -p 2>/dev/null | grep -q "libGL.so.1 " || missing+=(libgl1)
  ldconfig -p 2>/dev/null | grep -q "libglib-2.0.so.0 " || missing+=(libglib2.0-0)
fi
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 && \
   ! { command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; }; then
  missing+=(fonts-noto-cjk)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no apt-get here; install ${missing[*]} (or your system's equivalents) for the full test suite" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "setup-system: not root; run 'sudo apt-get install ${missing[*]}' for the full test suite" >&2
  exit 0
fi
echo "setup-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { "${SUDO[@]}" apt-get update -qq && \
       "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/gainlp-apt.log 2>&1; then
  echo "setup-system: apt-get failed (see /tmp/gainlp-apt.log); tests that need ${missing[*]} will be skipped" >&2
fi
exit 0
