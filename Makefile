# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
#   make run      installs what is missing, builds the server and the web interface, serves the demo
#   make test     builds everything (server, tests, benchmarks) and runs the whole suite
#   make install  the server and its apps into $(PREFIX) (default /usr/local): `autorules` on PATH
#   make sanitize the unit tests under ASan+UBSan (clang, which also checks the locking
#                 annotations) and under TSan, in build/asan and build/tsan (scripts/sanitize)
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
PYTHON := /usr/bin/python3
PREFIX ?= /usr/local
SERVER := $(BUILD)/src/cli/autorules
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all deps configure server web build run install test unit e2e sanitize bench fmt fmt-check clean

all: build

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || { \
	  echo "autorules: installing the missing Debian packages (a few minutes the first time)"; \
	  scripts/install-deps; }

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	@echo "autorules: configuring $(BUILD) (about 20 seconds; log in $(BUILD)-configure.log)"
	@mkdir -p build
	@cmake --preset $(PRESET) >$(BUILD)-configure.log 2>&1 || { cat $(BUILD)-configure.log; exit 1; }

configure: deps $(BUILD)/build.ninja

# The server alone: what `make run` and `make install` need.
server: configure
	@scripts/announce-build $(BUILD) autorules
	cmake --build $(BUILD) --target autorules -j$(JOBS)

# The web interface: web/ built into web/dist (npm packages from web/package-lock.json).
web: deps
	@scripts/build-web

# Everything: the server, the web interface, the test suites and the benchmarks.
build: configure web
	@scripts/announce-build $(BUILD) all
	cmake --build $(BUILD) -j$(JOBS)

# Serves the demo on http://127.0.0.1:8069 with ./var/autorules.db; the admin key is printed.
run: server web
	$(SERVER) serve --demo

install: server web
	cmake --install $(BUILD) --prefix $(PREFIX) --strip
	@echo "autorules: installed $(PREFIX)/bin/autorules, its apps in $(PREFIX)/share/autorules/modules and its web interface in $(PREFIX)/share/autorules/web"

unit: build
	ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure --timeout 600

e2e: build
	AUTORULES_BIN=$(abspath $(SERVER)) $(PYTHON) -m pytest -q tests/e2e

test: unit e2e

sanitize: deps
	JOBS=$(JOBS) scripts/sanitize

bench: build
	bench/run $(BUILD)

fmt:
	clang-format -i $$(git ls-files '*.h' '*.cc')

fmt-check:
	clang-format --dry-run -Werror $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build web/dist
