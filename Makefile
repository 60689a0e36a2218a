# sluice: plain GNU Make.
#   make          build build/sluice and build/libsluice.a (installs missing packages)
#   make check    build and run every test (unit, golden, fuzz replay, end-to-end)
#   make asan     the same suite on an ASan+UBSan build (build-asan/)
#   make fuzz     run the libFuzzer targets for FUZZ_SECONDS each (clang); new inputs
#                 go to build-fuzz/corpus/, crashes to tests/fuzz/crashes/ (save the
#                 ones you fix into tests/fuzz/corpus/ so make check replays them)
#   make bench    side-by-side benchmarks against DuckDB and Polars (bench/)
#   make demo     the pipeline end to end on local directories

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
CFLAGS  ?=
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
XCFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Iinclude -Isrc -MMD -MP $(CFLAGS)
LIBS    := -lzstd -lsnappy -llz4 -lz -lxxhash -lyaml -lpthread -lm
FUZZ_SECONDS ?= 60

LIB_SRC := $(sort $(wildcard src/base/*.c src/json/*.c src/parquet/*.c src/schema/*.c src/docs/*.c \
                             src/ingest/*.c src/sync/*.c src/csv/*.c src/gen/*.c \
                             src/sim/*.c src/validate/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# One fuzz target per parser: tests/fuzz/fuzz_<kind>.c with its corpus in tests/fuzz/corpus/<kind>/.
FUZZ_KINDS := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY := $(FUZZ_KINDS:%=$(BUILD)/tests/fuzz_replay_%)
# Dictionaries and built-in schemas, compiled into the library so the binary needs no data path.
DATA_FILES := $(sort $(wildcard data/dict/*.txt data/schemas/*.json data/schemas/*.yaml))

.PHONY: all deps test-deps check asan fuzz bench demo clean

all: deps $(BUILD)/sluice

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

$(BUILD)/libsluice.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/sluice: $(CLI_OBJ) $(BUILD)/libsluice.a
	$(CC) $(XCFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsluice.a $(LIBS)

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(DATA_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed $@ $(DATA_FILES)

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c
	$(CC) $(XCFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -o $@ $< $(BUILD)/libsluice.a -lcmocka $(LIBS)

# The fuzz targets built as plain programs that replay a corpus (no libFuzzer).
$(BUILD)/tests/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libsluice.a
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(BUILD)/libsluice.a $(LIBS)

tests-build: $(UNIT_BIN) $(FUZZ_REPLAY) $(BUILD)/sluice

check: test-deps
	@$(MAKE) --no-print-directory tests-build
	@SLUICE_BUILD=$(BUILD) tests/run-all.sh

asan: test-deps
	@$(MAKE) --no-print-directory tests-build BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    LIBS="$(LIBS) -fsanitize=address,undefined"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    SLUICE_BUILD=build-asan tests/run-all.sh

fuzz: test-deps
	@$(MAKE) --no-print-directory build-fuzz/libsluice.a BUILD=build-fuzz CC=clang \
	    OPT="-O1 -g" CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
	@for t in $(FUZZ_KINDS); do \
	    clang -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	        -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c build-fuzz/libsluice.a $(LIBS) || exit 1; \
	    mkdir -p build-fuzz/corpus/$$t tests/fuzz/crashes; \
	    build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/crashes/ \
	        build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

bench: all test-deps
	@bench/run.sh

demo: all
	@scripts/demo.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
