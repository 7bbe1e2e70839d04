#!/bin/sh
# Installs the Debian packages the build, the server and the tests need; does nothing when all are
# present. Uses sudo when not root. LibreOffice and the fonts (Latin, CJK) make the end-to-end
# tests' fixture documents; Chromium runs the web UI's browser tests. The PostgreSQL, MariaDB and
# Redis servers are run by the tests in temp directories (tests/support/dbservers.py), nginx by the
# multi-instance test; the clusters the packages may set up themselves are never used.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libuv1-dev libhttp-parser-dev libwslay-dev libjansson-dev libjwt-dev libsodium-dev libsqlite3-dev
libcmocka-dev python3 python3-pytest python3-requests python3-yaml wrk curl
libpoppler-glib-dev libcairo2-dev libzip-dev libxml2-dev libwv-dev libgsf-1-dev libmagic-dev
libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-chi-sim poppler-data poppler-utils
libespeak-ng-dev
libpocketsphinx-dev pocketsphinx-en-us pocketsphinx-testdata
libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
libreoffice-writer fonts-dejavu-core fonts-wqy-zenhei
libssl-dev libcurl4-openssl-dev nodejs python3-socketio python3-websocket
libhiredis-dev redis-server
libpq-dev libmariadb-dev postgresql mariadb-server nginx-light
chromium"
# What the built binary needs to run, and no more (deploy/Dockerfile's runtime stage; checked against
# the libraries it links by tests/e2e/test_deploy.py). libwmf: wv-1.0's pkg-config links it.
RUNTIME_PKGS="ca-certificates libuv1 libhttp-parser2.9 libwslay1 libjansson4 libjwt0 libsodium23 libsqlite3-0
libpoppler-glib8 libcairo2 libzip4 libxml2 libwv-1.2-4 libwmf-0.2-7 libgsf-1-114 libmagic1
libtesseract5 liblept5 tesseract-ocr-eng tesseract-ocr-chi-sim poppler-data fonts-dejavu-core
libespeak-ng1 libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us
libavformat59 libavcodec59 libswresample4 libavutil57
libssl3 libcurl4 libhiredis0.14 libpq5 libmariadb3"
# No argument: everything (make test). --build: what compiling the server needs (the compiler and
# the -dev packages; deploy/Dockerfile's build stage). --runtime: RUNTIME_PKGS. --run: both (make
# run), so that running the server never installs (and, under systemd, starts) the test-only
# database servers, nginx, LibreOffice or Chromium.
build_pkgs() {
    for p in $PKGS; do
        case $p in libclang-rt-*|libcmocka-dev) ;; build-essential|pkg-config|*-dev) echo "$p" ;; esac
    done
}
case "${1:-}" in
"")
    # npm comes with NodeSource's nodejs; Debian's own nodejs needs Debian's npm beside it.
    command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm" ;;
--build)
    PKGS=$(build_pkgs) ;;
--runtime)
    PKGS=$RUNTIME_PKGS ;;
--run)
    PKGS="$(build_pkgs) $RUNTIME_PKGS" ;;
*)
    echo "usage: $0 [--build|--runtime|--run]" >&2
    exit 2 ;;
esac
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
