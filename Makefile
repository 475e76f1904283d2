# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
PYTHON := /usr/bin/python3
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all deps configure build run test unit e2e bench fmt fmt-check clean

all: build

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

$(BUILD)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET) >/dev/null

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Serves the demo on http://127.0.0.1:8069 with ./var/autorules.db; the admin key is printed.
run: build
	$(BUILD)/src/cli/autorules serve --demo

unit: build
	ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure --timeout 600

e2e: build
	AUTORULES_BIN=$(abspath $(BUILD)/src/cli/autorules) $(PYTHON) -m pytest -q tests/e2e

test: unit e2e

bench: build
	bench/run $(BUILD)

fmt:
	clang-format -i $$(git ls-files '*.h' '*.cc')

fmt-check:
	clang-format --dry-run -Werror $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build
