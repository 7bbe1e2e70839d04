#!/bin/sh
# Installs the Debian packages the build, the server and the tests need; does nothing when all are
# present. Uses sudo when not root. LibreOffice and the fonts (Latin, CJK) make the end-to-end
# tests' fixture documents; Chromium runs the web UI's browser tests.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libuv1-dev libhttp-parser-dev libwslay-dev libjansson-dev libjwt-dev libsodium-dev libsqlite3-dev
libcmocka-dev python3 python3-pytest python3-requests wrk curl
libpoppler-glib-dev libcairo2-dev libzip-dev libxml2-dev libwv-dev libgsf-1-dev libmagic-dev
libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-chi-sim poppler-data poppler-utils
libespeak-ng-dev
libpocketsphinx-dev pocketsphinx-en-us pocketsphinx-testdata
libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
libreoffice-writer fonts-dejavu-core fonts-wqy-zenhei
libssl-dev libcurl4-openssl-dev nodejs python3-socketio python3-websocket
chromium"
# npm comes with NodeSource's nodejs; Debian's own nodejs needs Debian's npm beside it.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
