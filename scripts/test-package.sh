#!/usr/bin/env bash
# make test-package: install dist/latchkey_<version>_<arch>.deb (make package) on this machine
# and use it as a user would, in a private session (scripts/test-session.sh: its own HOME,
# session bus, gnome-keyring and Xvfb):
#   - what the package holds is where it belongs, and its dependencies cover every library
#     the two binaries link;
#   - `latchkey` from PATH stores a token in the private keychain and lists it;
#   - the installed app (/usr/bin/latchkey-desktop) starts under Xvfb, shows a token the
#     CLI stored, and its start-at-login entry points at /usr/bin (tests/tests/package.rs,
#     over WebDriver);
#   - `man latchkey` renders; bash completion loads;
#   - `apt-get remove` removes the files and leaves the user's data and keychain entries.
# Needs root or passwordless sudo (apt-get), tauri-driver and the end-to-end test crate's
# build (cargo builds it); refuses to run when a `latchkey` package is already installed, so a
# user's own installation is never replaced or removed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$ROOT/scripts/test-package.sh"
APP=/usr/bin/latchkey-desktop
CLI=/usr/bin/latchkey

say() { printf '\n\033[1m==> package test: %s\033[0m\n' "$*"; }
fail() { printf '\033[1;31mFAIL\033[0m package test: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [[ $(id -u) != 0 ]]; then
    sudo -n true 2>/dev/null || { echo "test-package: needs root or passwordless sudo (to install the package)." >&2; exit 2; }
    SUDO=(sudo -n)
fi
apt_get() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
installed() { dpkg-query -W -f='${Status}' latchkey 2>/dev/null | grep -q 'ok installed'; }

# The files the package must install (man pages: one per command, checked below).
FILES=(
    "$APP" "$CLI"
    /usr/share/applications/Latchkey.desktop
    /usr/share/icons/hicolor/32x32/apps/latchkey-desktop.png
    /usr/share/icons/hicolor/128x128/apps/latchkey-desktop.png
    /usr/share/icons/hicolor/256x256@2/apps/latchkey-desktop.png
    /usr/share/bash-completion/completions/latchkey
    /usr/share/zsh/vendor-completions/_latchkey
    /usr/share/fish/vendor_completions.d/latchkey.fish
    /usr/share/man/man1/latchkey.1.gz
    /usr/share/man/man1/latchkey-add.1.gz
)

if [[ "${1:-}" != --inside ]]; then
    command -v dpkg-query >/dev/null || { echo "test-package: not a Debian/Ubuntu system (dpkg is missing)." >&2; exit 2; }
    shopt -s nullglob
    debs=("$ROOT"/dist/latchkey_*.deb)
    [[ ${#debs[@]} == 1 ]] || { echo "test-package: expected one dist/latchkey_*.deb (make package), found ${#debs[@]}." >&2; exit 2; }
    deb=${debs[0]}
    if installed; then
        echo "test-package: a latchkey package is already installed here ($(dpkg-query -W -f='${Version}' latchkey));" >&2
        echo "  the test installs and removes its own, so it does not run. Remove yours first (apt-get remove latchkey)." >&2
        exit 3
    fi
    (cd "$ROOT/dist" && sha256sum --quiet -c SHA256SUMS) || fail "dist/SHA256SUMS does not match the packages"
    version=$(dpkg-deb -f "$deb" Version)
    # Whatever happens, the machine is left without the test's package.
    trap 'if installed; then echo "test-package: removing the package"; apt_get remove -y latchkey >/dev/null || true; fi' EXIT

    say "apt-get install $deb"
    start=$(date +%s)
    apt_get install -y "$deb"
    installed || fail "dpkg does not list latchkey as installed"
    export LATCHKEY_PACKAGE_VERSION=$version
    # The end-to-end harness drives this binary instead of target/debug's.
    export LATCHKEY_APP=$APP
    "$ROOT/scripts/test-session.sh" -- "$SELF" --inside
    installed && fail "the package is still installed after the test"
    trap - EXIT
    printf '\n\033[1;32mPACKAGE TEST PASSED\033[0m (%s s)\n' "$(($(date +%s) - start))"
    exit 0
fi

# ---- inside the private session (HOME, bus, keyring and display of its own) -----------------
cd "$ROOT"
version=$LATCHKEY_PACKAGE_VERSION

say "the files are in place"
for f in "${FILES[@]}"; do
    [[ -f $f ]] || fail "$f is missing; the package holds:$(printf '\n  %s' $(dpkg -L latchkey))"
    dpkg -S "$f" >/dev/null 2>&1 || fail "$f does not belong to the package"
done
for f in "$APP" "$CLI"; do
    [[ -x $f ]] || fail "$f is not executable"
done
grep -q '^Exec=latchkey-desktop' /usr/share/applications/Latchkey.desktop \
    || fail "the .desktop entry does not start latchkey-desktop: $(cat /usr/share/applications/Latchkey.desktop)"
# One man page per command the binary lists (latchkey-list.1.gz, latchkey-team-add.1.gz, …).
for cmd in $(COLUMNS=1000 "$CLI" --help </dev/null | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && !/^  /{exit}'); do
    [[ $cmd == help ]] && continue
    [[ -f /usr/share/man/man1/latchkey-$cmd.1.gz ]] || fail "no man page for latchkey $cmd"
done
echo "files: ok ($(dpkg -L latchkey | wc -l) paths)"

say "the declared dependencies cover every library the binaries link"
depends=$(dpkg-query -W -f='${Depends}' latchkey)
echo "Depends: $depends"
echo "Recommends: $(dpkg-query -W -f='${Recommends}' latchkey)"
# Loaded at run time (dlopen), so not in the ELF header: the tray's indicator library.
[[ $depends == *libayatana-appindicator3-1* ]] || fail "Depends lacks libayatana-appindicator3-1 (the tray)"
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances latchkey 2>/dev/null | grep -v '^ ' | tr -d '<>' | sort -u)
checked=0
for bin in "$APP" "$CLI"; do
    for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
        owner=""
        for p in "$lib" "$(readlink -f "$lib")" "${lib#/usr}" "/usr$lib"; do
            owner=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $owner ]] && break
        done
        [[ -n $owner ]] || fail "no package owns $lib (linked by $bin)"
        grep -qx "$owner" <<<"$closure" || fail "$bin links $lib from $owner, which latchkey's dependencies do not bring"
        checked=$((checked + 1))
    done
done
[[ $checked -gt 20 ]] || fail "ldd showed only $checked libraries for the two binaries"
echo "dependencies: ok ($checked linked libraries, each from a package the dependencies bring)"

say "latchkey from PATH stores and lists a token (the private keychain)"
[[ $(command -v latchkey) == "$CLI" ]] || fail "latchkey on PATH is $(command -v latchkey), not $CLI"
[[ $(latchkey --version) == "latchkey $version" ]] || fail "latchkey --version says '$(latchkey --version)', the package is $version"
secret="FAKE-package-roboflow-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$secret" | latchkey add roboflow --label package-test --expires 30d
list=$(latchkey list --json)
id=$(grep -o '"id": *"[0-9a-f-]*"' <<<"$list" | head -1 | sed 's/.*"\([0-9a-f-]*\)"$/\1/')
[[ -n $id && $list == *'"label": "package-test"'* ]] || fail "latchkey list --json does not show the token: $list"
[[ $(secret-tool lookup service latchkey username "$id") == "$secret" ]] || fail "the keychain does not hold the secret"
latchkey list | grep -q package-test || fail "latchkey list does not show the token"
data_dir="$HOME/.local/share/latchkey"
[[ -f $data_dir/latchkey.json ]] || fail "no index at $data_dir/latchkey.json"
grep -qF "$secret" "$data_dir/latchkey.json" && fail "the index holds the secret"
echo "cli: ok (token $id)"

say "the installed app shows a token the CLI stored (WebDriver)"
cargo test -p latchkey-e2e --test package -- --ignored --test-threads=1

say "man latchkey renders"
man_text=$(MANPAGER=cat MANWIDTH=100 man latchkey 2>&1) || fail "man latchkey failed: $man_text"
grep -q '^NAME' <<<"$man_text" && grep -q 'latchkey' <<<"$man_text" || fail "man latchkey: $man_text"
grep -q 'not available' <<<"$man_text" && fail "the man page says a command is not available: $man_text"
MANPAGER=cat man latchkey-scan 2>&1 | grep -q '^SYNOPSIS' || fail "man latchkey-scan does not render"
echo "man: ok ($(wc -l <<<"$man_text") lines)"

say "bash completion loads"
complete_line=$(bash -c 'source /usr/share/bash-completion/completions/latchkey && complete -p latchkey') \
    || fail "the bash completion does not load"
echo "$complete_line"
[[ $complete_line == *latchkey* ]] || fail "no completion registered for latchkey"
# …and completes: the command names after `latchkey `.
words=$(bash -c 'source /usr/share/bash-completion/completions/latchkey
COMP_WORDS=(latchkey ""); COMP_CWORD=1; COMP_LINE="latchkey "; COMP_POINT=${#COMP_LINE}
fn=$(complete -p latchkey | sed -E "s/.* -F ([^ ]+) .*/\1/"); $fn latchkey "" latchkey; printf "%s\n" "${COMPREPLY[@]}"')
for cmd in list add scan man; do
    grep -qx "$cmd" <<<"$words" || fail "bash completion of 'latchkey ' does not offer $cmd: $words"
done
zsh_ok=$(grep -c '^#compdef latchkey' /usr/share/zsh/vendor-completions/_latchkey || true)
[[ $zsh_ok == 1 ]] || fail "the zsh completion has no #compdef line"
grep -q '^complete -c latchkey' /usr/share/fish/vendor_completions.d/latchkey.fish || fail "the fish completion is empty"
echo "completions: ok"

say "apt-get remove leaves the user's data and keychain entries"
index_before=$(sha256sum <"$data_dir/latchkey.json")
apt_get remove -y latchkey
installed && fail "dpkg still lists latchkey as installed"
for f in "${FILES[@]}"; do
    [[ -e $f ]] && fail "$f is still there after apt-get remove"
done
ls /usr/share/man/man1/latchkey*.1.gz >/dev/null 2>&1 && fail "man pages are left after apt-get remove"
[[ $(sha256sum <"$data_dir/latchkey.json") == "$index_before" ]] || fail "the index changed on remove"
[[ $(secret-tool lookup service latchkey username "$id") == "$secret" ]] || fail "the keychain entry is gone after remove"
echo "remove: ok (files gone; $data_dir and the keychain entry kept)"
