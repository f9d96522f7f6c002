# The two commands of the README: `make run` and `make test`. Both install what is missing
# first (scripts/deps.sh), so they work on a fresh Debian 12 machine.
BUILD ?= build
MESON_TEST_ARGS ?=

.PHONY: all deps build run test bench clean

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

bench: build
	bash tests/bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD)
