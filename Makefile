# SPDX-License-Identifier: GPL-3.0-or-later
# The two commands of the README: `make run` and `make test`. Both install what is missing
# first (scripts/deps.sh), so they work on a fresh Debian 12 machine.
BUILD ?= build
MESON_TEST_ARGS ?=

.PHONY: all deps build run test test-stress bench clean

all: build

deps:
	bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	$(BUILD)/app/pier

test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2 $(MESON_TEST_ARGS)

# Each suite STRESS_RUNS times in a row with every CPU busy (STRESS_SUITES: some of them only).
STRESS_RUNS ?= 20
STRESS_SUITES ?=
test-stress: build
	bash tests/stress.sh $(BUILD) $(STRESS_RUNS) $(STRESS_SUITES)

bench: build
	bash tests/bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD)
