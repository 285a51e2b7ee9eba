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
PKGS      = libevent libevent_openssl libssl libcrypto inih
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
$(BUILD)/obj/llhttp/%.o: $(LLHTTP_SRC)/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) -w -I$(LLHTTP_INC) -c $< -o $@

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
