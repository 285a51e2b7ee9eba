# sysbind — build, run and test.
#   make          build build/sysbind (installs missing Debian packages first)
#   make run      build, make demo certificates, start on conf/sysbind.ini
#   make test     unit tests (Check) and integration tests on loopback
#   make asan     the same tests, built with AddressSanitizer and UBSan
#   make clean

BUILD      ?= build
CC         ?= cc
LLHTTP_SRC ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
CONF       ?= conf/sysbind.ini

# Recursive (=) so pkg-config runs only when a recipe needs it: after deps are installed.
PKGS      = libevent libevent_openssl libssl libcrypto inih libsystemd
OPT       ?= -O2
SANFLAGS  ?=
BASEFLAGS = -std=c11 -D_GNU_SOURCE -g $(OPT) $(SANFLAGS) -pthread
CPPFLAGS  = -Iinclude -I$(LLHTTP_INC) $(shell pkg-config --cflags $(PKGS))
WFLAGS    = -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
LIBS      = $(shell pkg-config --libs $(PKGS)) -lexpat -pthread
CHECKLIBS = $(shell pkg-config --libs check)

SRCS        := $(sort $(wildcard src/*.c))
OBJS        := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS    := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
LLHTTP_OBJS := $(BUILD)/obj/llhttp/api.o $(BUILD)/obj/llhttp/http.o $(BUILD)/obj/llhttp/llhttp.o
UNIT_SRCS   := $(sort $(wildcard tests/check_*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOL_SRCS   := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS   := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
DEPS_STAMP  := $(BUILD)/.deps-ok

.PHONY: all deps run test unit integration asan clean certs
all: $(BUILD)/sysbind

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(@D)
	scripts/install-deps.sh
	@touch $@

$(BUILD)/obj/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(WFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

# llhttp is third-party generated code: compiled as shipped, without our warning set.
# Its sources come from node-llhttp, which install-deps may only now be installing: the
# source is named in the recipe (read when it runs), not as a prerequisite (which make
# would look for before anything is installed, and give up on a fresh machine).
$(BUILD)/obj/llhttp/%.o: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) -w -I$(LLHTTP_INC) -c $(LLHTTP_SRC)/$*.c -o $@

$(BUILD)/sysbind: $(OBJS) $(LLHTTP_OBJS)
	$(CC) $(BASEFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/check_%: tests/check_%.c $(LIB_OBJS) $(LLHTTP_OBJS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(WFLAGS) $(CPPFLAGS) -Itests -MMD -MP -o $@ $< $(LIB_OBJS) $(LLHTTP_OBJS) $(LIBS) $(CHECKLIBS)

$(BUILD)/tests/%: tests/tools/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(WFLAGS) $(CPPFLAGS) -MMD -MP -o $@ $< $(LIBS)

certs: conf/certs/ca.pem
conf/certs/ca.pem: scripts/mkcerts.sh | $(DEPS_STAMP)
	scripts/mkcerts.sh --demo conf/certs

run: $(BUILD)/sysbind certs
	$(BUILD)/sysbind -c $(CONF)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; CK_DEFAULT_TIMEOUT=30 $$t; done

integration: $(BUILD)/sysbind $(TOOL_BINS)
	tests/integration/run.sh $(BUILD)

test: unit integration

asan:
	$(MAKE) BUILD=build/asan OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)

# ---- fuzzing (libFuzzer, clang, ASan + UBSan) ----
#   make fuzz [FUZZ_SECONDS=60]   build and run each harness of tests/fuzz/ for a bounded time,
#                                 starting from its seed corpus tests/fuzz/<name>/
#   make fuzz-replay              replay the seed corpora through the harnesses with gcc and
#                                 ASan/UBSan, without libFuzzer (a quick regression check)
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := request response conf
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS    = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -pthread \
                -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SRCS    := $(filter-out src/main.c,$(SRCS))
FUZZ_OBJS    := $(FUZZ_SRCS:src/%.c=$(FUZZ_DIR)/obj/%.o) \
                $(FUZZ_DIR)/obj/llhttp/api.o $(FUZZ_DIR)/obj/llhttp/http.o $(FUZZ_DIR)/obj/llhttp/llhttp.o
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-deps
fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null && \
	  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || \
	  scripts/install-deps.sh clang-14 libclang-rt-14-dev

$(FUZZ_DIR)/obj/%.o: src/%.c | fuzz-deps $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -w $(CPPFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/llhttp/%.o: | fuzz-deps $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -w -I$(LLHTTP_INC) -c $(LLHTTP_SRC)/$*.c -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) | fuzz-deps
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WFLAGS) $(CPPFLAGS) -o $@ $< $(FUZZ_OBJS) $(LIBS)

.SECONDARY: $(FUZZ_OBJS)
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$n $(FUZZ_DIR)/findings/$$n; \
	  echo "== fuzz_$$n for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=4096 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/findings/$$n/ \
	    $(FUZZ_DIR)/corpus/$$n tests/fuzz/$$n; \
	done

$(FUZZ_DIR)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(LIB_OBJS) $(LLHTTP_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(WFLAGS) $(CPPFLAGS) -o $@ $^ $(LIBS)

fuzz-replay:
	$(MAKE) BUILD=build/asan OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  $(FUZZ_NAMES:%=build/asan/fuzz/replay_%)
	@set -e; for n in $(FUZZ_NAMES); do build/asan/fuzz/replay_$$n tests/fuzz/$$n; done
