# InterviewGenius — build, run and test. `make run` and `make test` are all the set-up.
# SAN=1 builds with ASan+UBSan into build-san/.

PKGS      := libuv jansson libjwt libsodium sqlite3 poppler-glib cairo libzip libxml-2.0 tesseract lept libmagic wv-1.0 libgsf-1 espeak-ng libcrypto \
             pocketsphinx sphinxbase libavformat libavcodec libswresample libavutil libcurl hiredis libpq libmariadb
SAN       ?= 0
ifeq ($(SAN),1)
BUILD     ?= build-san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       := -O1 -g
FORTIFY   :=
else
BUILD     ?= build
SANFLAGS  :=
OPT       := -O2 -g
FORTIFY   := -D_FORTIFY_SOURCE=2
endif

CC        ?= cc
WARN      := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes
CFLAGS    += -std=c17 -D_GNU_SOURCE $(WARN) $(OPT) -fstack-protector-strong $(FORTIFY) $(SANFLAGS) \
             -Isrc -I$(BUILD)/gen -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian's libwslay-dev ships no pkg-config file: linked by name.
LDLIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser -lwslay -lpthread -lm
LDFLAGS   += $(SANFLAGS)

SRC       := $(shell find src -name '*.c' ! -path 'src/main.c' | sort)
OBJ       := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations_data.o $(BUILD)/gen/datafiles_data.o
# Each dialect's migrations (scripts/embed-migrations.sh checks that they match); the folders too, so
# that removing a file regenerates.
MIG_DIRS  := src/store/migrations src/store/migrations/pg src/store/migrations/mysql
MIGRATIONS:= $(MIG_DIRS) $(wildcard $(MIG_DIRS:%=%/*.sql))
# Shipped data compiled into the binary (core/datafiles.h); README.md files there are for people.
DATAFILES := $(sort $(shell find data -type f ! -name 'README.md' ! -name '.*' 2>/dev/null))
BIN       := $(BUILD)/interviewgenius
LIB       := $(BUILD)/libig.a

UNIT_SRC  := $(shell find tests/unit -name 'test_*.c' | sort)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

PYTHON    := /usr/bin/python3
PYTEST    := $(PYTHON) -m pytest -q -p no:cacheprovider
JS_DEPS   := tests/realtime-js/node_modules
BROWSER_DEPS := tests/browser/node_modules

.PHONY: FORCE all deps deps-run run test test-unit test-e2e test-e2e-sqlite test-e2e-pg test-e2e-mysql check-san fuzz fuzz-replay bench bench-ai bench-asr eval-parse clean migrate web-vendor

all: $(BIN)

FORCE:

deps:
	@scripts/install-deps.sh

deps-run:
	@scripts/install-deps.sh --run

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/migrations_data.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	@scripts/embed-migrations.sh src/store/migrations > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations_data.o: $(BUILD)/gen/migrations_data.c
	@$(CC) $(CFLAGS) -c $< -o $@

# The list of data files is part of the generated source: rewrite it only when it changes.
$(BUILD)/gen/datafiles.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATAFILES)' | cmp -s - $@ || echo '$(DATAFILES)' > $@

$(BUILD)/gen/datafiles_data.c: $(BUILD)/gen/datafiles.list scripts/embed-data.sh
	@scripts/embed-data.sh $(DATAFILES) > $@

$(BUILD)/gen/datafiles_data.o: $(BUILD)/gen/datafiles_data.c $(DATAFILES)
	@$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST    $<"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

run: deps-run
	$(MAKE) $(BIN)
	@mkdir -p var
	$(BIN) migrate
	$(BIN) serve

migrate: $(BIN)
	$(BIN) migrate

test: deps
	$(MAKE) $(BIN) $(UNIT_BIN)
	$(MAKE) test-unit
	$(MAKE) test-e2e

# With a throwaway PostgreSQL and MariaDB (IG_TEST_PG_URL, IG_TEST_MYSQL_URL) for the SQL drivers' tests.
test-unit: $(UNIT_BIN)
	@$(PYTHON) tests/support/dbservers.py with pg mysql -- scripts/run-unit.sh $(UNIT_BIN)

# The end-to-end suite once per database backend, one after the other (each runs even when an
# earlier one failed): SQLite files, then a throwaway PostgreSQL and a throwaway MariaDB server
# (tests/e2e/conftest.py, IG_TEST_DB).
test-e2e: $(BIN) | $(JS_DEPS) $(BROWSER_DEPS)
	@rc=0; for db in sqlite pg mysql; do $(MAKE) test-e2e-$$db || rc=1; done; exit $$rc

test-e2e-sqlite test-e2e-pg test-e2e-mysql: test-e2e-%: $(BIN) | $(JS_DEPS) $(BROWSER_DEPS)
	IG_TEST_DB=$* IG_BIN=$(abspath $(BIN)) $(PYTEST) tests/e2e

# The official Socket.IO client (npm, pinned by its lock file) for tests/e2e/test_realtime_js.py and
# bench/realtime; installed once. Offline, the JavaScript test is skipped rather than the suite failed.
$(JS_DEPS):
	cd tests/realtime-js && npm ci --no-audit --no-fund || echo "warning: npm ci failed: the JavaScript client test will be skipped"

# playwright-core (npm, pinned) drives Debian's Chromium through the web UI (tests/e2e/test_browser.py);
# offline, the browser tests are skipped rather than the suite failed.
$(BROWSER_DEPS):
	cd tests/browser && npm ci --no-audit --no-fund || echo "warning: npm ci failed: the browser tests will be skipped"

# The browser files web/ serves from web/vendor/, from the npm packages pinned by
# web/vendor/package-lock.json. Installed in a scratch directory so node_modules never lands under
# the web root; the copies are committed, so serving needs no build step.
web-vendor:
	rm -rf $(BUILD)/web-vendor && mkdir -p $(BUILD)/web-vendor
	cp web/vendor/package.json web/vendor/package-lock.json $(BUILD)/web-vendor/
	cd $(BUILD)/web-vendor && npm ci --no-audit --no-fund
	cp $(BUILD)/web-vendor/node_modules/socket.io-client/dist/socket.io.min.js web/vendor/
	cd web/vendor && { echo "# Vendored browser builds (make web-vendor): package, version, file, sha256"; \
	  v=$$(node -p "require('$(abspath $(BUILD))/web-vendor/node_modules/socket.io-client/package.json').version"); \
	  echo "socket.io-client $$v dist/socket.io.min.js $$(sha256sum socket.io.min.js | cut -d' ' -f1)"; } > VERSIONS

# Sanitizer settings for every sanitized binary the targets run (harmless for the others), so that
# `make test SAN=1` and `make check-san` judge the same way.
export ASAN_OPTIONS  := detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS  := suppressions=$(abspath tests/lsan.supp):print_suppressions=0

check-san: deps
	$(MAKE) SAN=1 test-unit test-e2e-sqlite
	$(MAKE) fuzz-replay

FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_TIME ?= 30

FUZZ_CFLAGS := -std=c17 -D_GNU_SOURCE -g -O1 -MMD -MP -Isrc -Ibuild-fuzz/gen -fsanitize=fuzzer-no-link,address,undefined \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ  := $(SRC:%.c=build-fuzz/obj/%.o) build-fuzz/obj/gen/migrations_data.o build-fuzz/obj/gen/datafiles_data.o

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@clang $(FUZZ_CFLAGS) -c $< -o $@

build-fuzz/obj/gen/migrations_data.o: build-fuzz/gen/migrations_data.c
	@mkdir -p $(dir $@)
	@clang $(FUZZ_CFLAGS) -c $< -o $@

build-fuzz/gen/datafiles.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATAFILES)' | cmp -s - $@ || echo '$(DATAFILES)' > $@

build-fuzz/gen/datafiles_data.c: build-fuzz/gen/datafiles.list scripts/embed-data.sh
	@scripts/embed-data.sh $(DATAFILES) > $@

build-fuzz/obj/gen/datafiles_data.o: build-fuzz/gen/datafiles_data.c $(DATAFILES)
	@mkdir -p $(dir $@)
	@clang $(FUZZ_CFLAGS) -c $< -o $@

build-fuzz/libigfuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	@ar rcs $@ $^

build-fuzz/%: tests/fuzz/%.c build-fuzz/libigfuzz.a
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libigfuzz.a $(LDLIBS)

build-fuzz/gen/migrations_data.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	@scripts/embed-migrations.sh src/store/migrations > $@.tmp && mv $@.tmp $@

fuzz-build: build-fuzz/gen/migrations_data.c $(FUZZ_BIN)

# Replays every kept corpus and crash file once under the sanitizers.
fuzz-replay: build-fuzz/gen/migrations_data.c $(FUZZ_BIN)
	@scripts/fuzz.sh replay $(FUZZ_BIN)

# Runs each fuzzer for FUZZ_TIME seconds, growing tests/fuzz/corpus/<name>/.
fuzz: build-fuzz/gen/migrations_data.c $(FUZZ_BIN)
	@scripts/fuzz.sh run $(FUZZ_TIME) $(FUZZ_BIN)

bench: $(BIN)
	bench/http.sh

# The offline engine's call latencies (bench/ai.sh pins it to one core).
$(BUILD)/bench/ai_bench: bench/ai_bench.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $<"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

bench-ai: $(BUILD)/bench/ai_bench
	AI_BENCH=$(abspath $(BUILD)/bench/ai_bench) bench/ai.sh

# Live transcription: real-time factor on one core and simultaneous real-time streams (bench/asr.sh).
$(BUILD)/bench/asr_bench: bench/asr_bench.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $<"
	@$(CC) $(CFLAGS) -Itests/unit/ai -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

bench-asr: $(BUILD)/bench/asr_bench
	ASR_BENCH=$(abspath $(BUILD)/bench/asr_bench) bench/asr.sh

# Grades `parse` against the shared corpus's labels: a report (exit 0 whatever the numbers).
# EVAL_ARGS="--json" dumps the numbers, "--corpus DIR" grades another corpus.
eval-parse: $(BIN)
	$(PYTHON) bench/eval_parse.py --bin $(BIN) $(EVAL_ARGS)

clean:
	rm -rf build build-san build-fuzz

-include $(OBJ:.o=.d) $(BUILD)/src/main.d $(wildcard build-fuzz/obj/src/*/*.d)
