# Sourced by test.sh: the clients the README's "Try it" lines use (ReadmeTryItIT runs them), from
# Debian's packages. Installed when missing and this runs as root; otherwise the test names them.
try_it_missing=()
command -v curl >/dev/null 2>&1 || try_it_missing+=(curl)
command -v kcat >/dev/null 2>&1 || try_it_missing+=(kcat)
/usr/bin/python3 -c 'import websockets' >/dev/null 2>&1 || try_it_missing+=(python3-websockets)
if [ ${#try_it_missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${try_it_missing[*]} (Debian packages) for the README's Try it lines" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${try_it_missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${try_it_missing[@]}" >/dev/null 2>&1; } \
        || echo "could not install ${try_it_missing[*]}: ReadmeTryItIT will fail naming them" >&2
fi
unset try_it_missing
