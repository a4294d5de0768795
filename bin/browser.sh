# Sourced by test.sh: the browser the console's tests drive (Playwright, from Maven, steers it), Debian's
# headless-capable Chromium. Installed when missing and this runs as root; otherwise the tests name it.
if [ -z "${CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium (Debian package) for the console's browser tests" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q chromium >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
            || echo "could not install chromium: ConsoleIT will fail naming it" >&2
    fi
fi
