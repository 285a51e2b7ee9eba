# sysbind — build, run, test, install and package.
#   make          build build/sysbind (installs missing Debian packages first)
#   make run      build, make demo certificates, start on conf/sysbind.ini
#   make test     unit tests (Check), the manual pages' lint (mandoc) and integration tests
#                 on loopback (installs the test tools it lacks: mandoc, logrotate, ...)
#   make asan     the same tests, built with AddressSanitizer and UBSan
#   make asan-core the unit suites, the core's integration files and the fuzz seeds under
#                 AddressSanitizer and UBSan (what CI, .ci/run, adds to make test)
#   make install  [PREFIX=/usr/local] [DESTDIR=]: binary, manual pages, sample configuration
#                 (never over an existing one), systemd unit, logrotate file, bash completion
#   make uninstall
#   make deb      build/deb/sysbind_VERSION_ARCH.deb (installs debhelper if missing)
#   make deb-lint lintian on that package
#   make clean
#
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line are added to
# sysbind's own (the Debian package passes dpkg-buildflags' hardening flags that way).

BUILD      ?= build
CC         ?= cc
LLHTTP_SRC ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
CONF       ?= conf/sysbind.ini

# Recursive (=) so pkg-config runs only when a recipe needs it: after deps are installed.
PKGS      = libevent libevent_openssl libssl libcrypto inih libsystemd libnghttp2
OPT       ?= -O2
SANFLAGS  ?=
# assert() guards the state machines' edges (h2.c): on in the sanitizer builds (make asan,
# asan-core: what CI runs), compiled out of the daemon a user runs, where a wrong edge is
# logged and refused instead (nothing inside the event loop exits the process).
NDEBUG_FLAG ?= -DNDEBUG
# Link-time optimisation of the daemon (scripts/bench.sh: ~1,000 fewer instructions a
# keep-alive request, 3 %, most of them calls between sysbind's files and into llhttp made
# inline).  Objects are "fat" (GIMPLE and machine code): the daemon is linked with -flto,
# the unit tests and tools from the same objects without it (no LTO link for each of them).
# LTO= builds without it (the sanitizer builds do).
LTO       ?= -flto=auto -ffat-lto-objects
LTO_LINK   = $(if $(LTO),-flto=auto)
NOLTO      = $(if $(LTO),-fno-lto)
BASEFLAGS = -std=c11 -D_GNU_SOURCE -g $(OPT) $(SANFLAGS) $(NDEBUG_FLAG) -pthread
SB_CPPFLAGS = -Iinclude -I$(LLHTTP_INC) $(shell pkg-config --cflags $(PKGS))
WFLAGS    = -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
LIBS      = $(shell pkg-config --libs $(PKGS)) -lexpat -pthread
CHECKLIBS = $(shell pkg-config --libs check)

# The layers, lowest first (README, "Layout"): a file may include its own layer's headers
# and those of the layers before it, never one after (scripts/layer-check.sh, in make test).
LAYERS      := base model iis core cli
SRCS        := $(foreach l,$(LAYERS),$(sort $(wildcard src/$(l)/*.c)))
OBJS        := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS    := $(filter-out $(BUILD)/obj/cli/main.o,$(OBJS))
LLHTTP_OBJS := $(BUILD)/obj/llhttp/api.o $(BUILD)/obj/llhttp/http.o $(BUILD)/obj/llhttp/llhttp.o
UNIT_SRCS   := $(sort $(wildcard tests/check_*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOL_SRCS   := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS   := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
VERSION     := $(shell sed -n 's/^\#define CLI_VERSION "\(.*\)"/\1/p' include/cli/cli.h)
# NO_DEPS=1: never run install-deps (a package build, whose dependencies dpkg checked).
DEPS_STAMP  := $(if $(NO_DEPS),,$(BUILD)/.deps-ok)
# What the tests use beyond the build: installed by `make test`, not by `make` or `make run`
# (procps: the unit's ExecReload runs /bin/kill, which systemd-analyze verify looks for;
# python3: lib.sh's free_port bind-tests each port with it).
TEST_DEPS   := mandoc logrotate strace systemd procps python3
TEST_STAMP  := $(if $(NO_DEPS),,$(BUILD)/.test-deps-ok)
MANPAGES    := man/sysbind.8 man/sysbind.ini.5

.PHONY: all deps test-deps run test test-build unit integration man-lint layer-check asan asan-core \
	asan-core-build clean certs \
	install uninstall deb deb-lint
all: $(BUILD)/sysbind

deps: $(DEPS_STAMP)
ifneq ($(DEPS_STAMP),)
$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(@D)
	scripts/install-deps.sh
	@touch $@
endif

test-deps: $(TEST_STAMP)
ifneq ($(TEST_STAMP),)
$(TEST_STAMP): scripts/install-deps.sh | $(DEPS_STAMP)
	@mkdir -p $(@D)
	scripts/install-deps.sh $(TEST_DEPS)
	@touch $@
endif

$(BUILD)/obj/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# llhttp is third-party generated code: compiled as shipped, without our warning set.
# Its sources come from node-llhttp, which install-deps may only now be installing: the
# source is named in the recipe (read when it runs), not as a prerequisite (which make
# would look for before anything is installed, and give up on a fresh machine).
$(BUILD)/obj/llhttp/%.o: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LTO) $(CPPFLAGS) $(CFLAGS) -w -I$(LLHTTP_INC) -c $(LLHTTP_SRC)/$*.c -o $@

$(BUILD)/sysbind: $(OBJS) $(LLHTTP_OBJS)
	$(CC) $(BASEFLAGS) $(LTO_LINK) $(WFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/check_%: tests/check_%.c $(LIB_OBJS) $(LLHTTP_OBJS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NOLTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(LIB_OBJS) $(LLHTTP_OBJS) $(LIBS) $(CHECKLIBS)

# check_h2 includes src/core/h2.c and fakes what h2.c calls outside itself (the transport,
# the exchange): it links without conn.o, exchange.o and h2.o, against an archive of the
# other objects, so that only those its code reaches are pulled in (h1.c, worker.c and
# the others that call conn_* and exchange_* stay out; h2guard.o and h2head.o come in,
# h2guard's calls into h2.c and the exchange landing on the included h2.c and the fakes).
# exchange_cc.o is the exchange's too (its client-certificate gate, calling into
# exchange.c): the fakes stand for both.
H2_FAKED := $(BUILD)/obj/core/conn.o $(BUILD)/obj/core/exchange.o \
	$(BUILD)/obj/core/exchange_cc.o $(BUILD)/obj/core/h2.o
$(BUILD)/tests/libsysbind-noh2.a: $(filter-out $(H2_FAKED),$(LIB_OBJS)) $(LLHTTP_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
$(BUILD)/tests/check_h2: tests/check_h2.c src/core/h2.c $(BUILD)/tests/libsysbind-noh2.a | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NOLTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(BUILD)/tests/libsysbind-noh2.a $(LIBS) $(CHECKLIBS)

# check_h1 includes src/core/h1.c and fakes the transport and the exchange, as check_h2
# does: it links without conn.o, exchange.o, exchange_cc.o and h1.o.
H1_FAKED := $(BUILD)/obj/core/conn.o $(BUILD)/obj/core/exchange.o \
	$(BUILD)/obj/core/exchange_cc.o $(BUILD)/obj/core/h1.o
$(BUILD)/tests/libsysbind-noh1.a: $(filter-out $(H1_FAKED),$(LIB_OBJS)) $(LLHTTP_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
$(BUILD)/tests/check_h1: tests/check_h1.c src/core/h1.c $(BUILD)/tests/libsysbind-noh1.a | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NOLTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(BUILD)/tests/libsysbind-noh1.a $(LIBS) $(CHECKLIBS)

# check_exchange includes src/core/exchange.c and fakes what exchange.c calls outside itself
# (the framing's exchange_ops, the backend transfer of upstream.h): it links without
# exchange.o and upstream.o, against an archive of the other objects, so that only those
# its code reaches are pulled in (conn.c, h1.c, h2.c and worker.c stay out; exchange_cc.o
# comes in, its calls into exchange.c landing on the included exchange.c).
X_FAKED := $(BUILD)/obj/core/exchange.o $(BUILD)/obj/core/upstream.o
$(BUILD)/tests/libsysbind-nox.a: $(filter-out $(X_FAKED),$(LIB_OBJS)) $(LLHTTP_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
$(BUILD)/tests/check_exchange: tests/check_exchange.c src/core/exchange.c $(BUILD)/tests/libsysbind-nox.a | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NOLTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(BUILD)/tests/libsysbind-nox.a $(LIBS) $(CHECKLIBS)

# The test tools (a backend, slow clients) are built without the sanitizers: they are not
# what a sanitizer build tests, and a backend stopped with open connections would fail the
# run on LeakSanitizer's report at its exit.
TOOLFLAGS = -std=c11 -D_GNU_SOURCE -g $(OPT) -pthread
$(BUILD)/tests/%: tests/tools/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TOOLFLAGS) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS)

certs: conf/certs/ca.pem
conf/certs/ca.pem: scripts/mkcerts.sh | $(DEPS_STAMP)
	scripts/mkcerts.sh --demo conf/certs

run: $(BUILD)/sysbind certs
	$(BUILD)/sysbind -c $(CONF)

# Every suite runs, also after one failed; make unit fails if any did.
unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do echo "== $$t"; CK_DEFAULT_TIMEOUT=30 $$t || fail=1; done; \
	exit $$fail

integration: $(BUILD)/sysbind $(TOOL_BINS) | $(TEST_STAMP)
	tests/integration/run.sh $(BUILD)

# mandoc -Tlint prints every error, warning and style message; clean means it prints nothing
# about the pages.  Two kinds of message are about this machine, not the pages, and are
# counted apart: our own pages are not installed here, so their cross-references are "not
# found", and a page that is found outside a stale mandoc.db is reported as "outdated
# mandoc.db lacks ...".  mandoc says nothing of an item listed twice in one list (a key
# described twice, the two saying different things: issue 20), so the awk below does, and
# that fails the lint as any of mandoc's messages does.
man-lint: | $(TEST_STAMP)
	@echo "== mandoc -Tlint $(MANPAGES)"
	@all=$$(mandoc -Tlint $(MANPAGES) 2>&1; awk ' \
	  FNR == 1 { depth = 0 } \
	  /^\.Bl/ { lists++; stack[++depth] = lists } \
	  /^\.El/ { if (depth > 0) depth-- } \
	  /^\.It[ \t]/ && depth > 0 { k = stack[depth] SUBSEP $$0; \
	    if (k in first) printf "man-lint: %s:%d: duplicate list item: %s (first at " \
	      "line %d)\n", FILENAME, FNR, $$0, first[k]; else first[k] = FNR }' $(MANPAGES)); \
	out=$$(printf '%s\n' "$$all" | grep -v -e '^$$' -e 'outdated mandoc.db lacks' \
	  -e 'STYLE: referenced manual not found: Xr sysbind'); \
	if [ -n "$$out" ]; then printf '%s\n' "$$out"; echo "man-lint: not clean"; exit 1; fi; \
	n=$$(printf '%s\n' "$$all" | grep -c -e 'outdated mandoc.db lacks' \
	  -e 'referenced manual not found: Xr sysbind'); \
	echo "man-lint: clean ($$n message(s) about this machine's manual database left out)"

# No include goes up a layer (LAYERS above), no file over 1,500 lines, no function over 150:
# tests/integration/test_layers.sh runs both in make test.
layer-check:
	@scripts/layer-check.sh && scripts/size-check.sh

# make test runs every phase to its end, whatever the one before did, and ends with one
# line for all of them, "total: N passed, N failed, N skipped" (scripts/test-all.sh).
test-build: $(BUILD)/sysbind $(UNIT_BINS) $(TOOL_BINS) | $(TEST_STAMP)
test: test-build
	@scripts/test-all.sh build=$(BUILD) unit man-lint integration

# The sanitizer build: ASan and UBSan, every error fatal (scripts/test-all.sh sets
# ASAN_OPTIONS and UBSAN_OPTIONS to halt on the first; run.sh collects their reports).
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_MAKE   = $(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 SANFLAGS="$(ASAN_FLAGS)" NDEBUG_FLAG= LTO=
# The integration files of the core that CI runs under the sanitizers (run.sh's SB_ONLY).
ASAN_CORE  ?= h2 robust clientcert trailers

asan:
	$(ASAN_MAKE) test

# The unit suites, the core's integration files and the fuzz seeds, under the sanitizers
# (what .ci/run adds to make test).
asan-core-build:
	@$(ASAN_MAKE) test-build fuzz-replay-build
asan-core: asan-core-build
	@scripts/test-all.sh build=build/asan only="$(ASAN_CORE)" unit integration fuzz-replay

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)

# ---- installing ----
# The unit and the sample configuration in conf/ name the Debian package's paths
# (/usr/sbin/sysbind, /etc/sysbind/): they are rewritten for PREFIX as they are installed.
# logrotate only reads /etc/logrotate.d, and systemd also reads PREFIX/lib/systemd/system
# for PREFIX /usr/local, so those two do not follow PREFIX.
PREFIX       ?= /usr/local
SBINDIR      ?= $(PREFIX)/sbin
MANDIR       ?= $(PREFIX)/share/man
DATADIR      ?= $(PREFIX)/share/sysbind
DOCDIR       ?= $(PREFIX)/share/doc/sysbind
SYSCONFDIR   ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR      ?= $(PREFIX)/lib/systemd/system
LOGROTATEDIR ?= /etc/logrotate.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
CONFDIR      := $(SYSCONFDIR)/sysbind
SUBST         = sed -e 's|/usr/sbin/sysbind|$(SBINDIR)/sysbind|g' -e 's|/etc/sysbind/|$(CONFDIR)/|g' \
                    -e 's|/usr/share/sysbind/|$(DATADIR)/|g' -e 's|/usr/share/doc/sysbind/|$(DOCDIR)/|g'
EXAMPLES     := conf/examples/two-sites.ini conf/examples/two-names.ini \
                conf/examples/iis8-sni.ini conf/examples/ccs.ini conf/examples/bad.ini

# The installed binary reads CONFDIR/sysbind.ini without -c, not conf/sysbind.ini: cli.c
# is compiled again for it (every other object is the build's).  CONFDIR is kept in a file
# so a different PREFIX recompiles it.
INSTALL_BIN := $(BUILD)/install/sysbind
.PHONY: FORCE
$(BUILD)/install/confdir: FORCE
	@mkdir -p $(@D)
	@echo '$(CONFDIR)' | cmp -s - $@ || echo '$(CONFDIR)' >$@
# (in install/cli/: the object of before the layers, install/cli.o, has a dependency file
# naming src/cli.c, which a checkout built before would otherwise trip on)
$(BUILD)/install/cli/cli.o: src/cli/cli.c $(BUILD)/install/confdir | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LTO) $(WFLAGS) $(SB_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) \
	  '-DCLI_DEFAULT_CONF="$(CONFDIR)/sysbind.ini"' -MMD -MP -c $< -o $@
$(INSTALL_BIN): $(filter-out $(BUILD)/obj/cli/cli.o,$(OBJS)) $(BUILD)/install/cli/cli.o $(LLHTTP_OBJS)
	$(CC) $(BASEFLAGS) $(LTO_LINK) $(WFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
-include $(BUILD)/install/cli/cli.d

# Without DESTDIR (installing on this machine, as root) the host is also set up:
# the sysbind user, /var/log/sysbind and a certificate for this machine
# (scripts/setup-host.sh, which the Debian package's postinst runs too).
install: $(INSTALL_BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/demo/examples $(DESTDIR)$(CONFDIR) \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LOGROTATEDIR) $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/sysbind
	install -m 0644 conf/bash-completion/sysbind $(DESTDIR)$(COMPLETIONDIR)/sysbind
	install -m 0644 man/sysbind.8 $(DESTDIR)$(MANDIR)/man8/sysbind.8
	install -m 0644 man/sysbind.ini.5 $(DESTDIR)$(MANDIR)/man5/sysbind.ini.5
	install -m 0755 scripts/mkcerts.sh $(DESTDIR)$(DATADIR)/mkcerts.sh
	$(SUBST) scripts/setup-host.sh >$(DESTDIR)$(DATADIR)/setup-host.sh
	chmod 0755 $(DESTDIR)$(DATADIR)/setup-host.sh
	$(SUBST) conf/install/sysbind.ini >$(DESTDIR)$(DATADIR)/sysbind.ini
	$(SUBST) conf/systemd/sysbind.service >$(DESTDIR)$(UNITDIR)/sysbind.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sysbind.service $(DESTDIR)$(DATADIR)/sysbind.ini
	install -m 0644 conf/logrotate/sysbind $(DESTDIR)$(LOGROTATEDIR)/sysbind
	install -m 0644 conf/demo/README $(DESTDIR)$(DOCDIR)/demo/README
	install -m 0644 conf/sysbind.ini $(DESTDIR)$(DOCDIR)/demo/sysbind.ini
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/demo/examples/
	@if [ -e $(DESTDIR)$(CONFDIR)/sysbind.ini ]; then \
	  echo "install: kept $(DESTDIR)$(CONFDIR)/sysbind.ini; the new sample is $(DATADIR)/sysbind.ini"; \
	else \
	  echo "install -m 0644 $(DATADIR)/sysbind.ini $(DESTDIR)$(CONFDIR)/sysbind.ini"; \
	  install -m 0644 $(DESTDIR)$(DATADIR)/sysbind.ini $(DESTDIR)$(CONFDIR)/sysbind.ini; \
	fi
	@if [ -n "$(DESTDIR)" ]; then \
	  echo "install: DESTDIR given: the host is not set up (run $(DATADIR)/setup-host.sh $(CONFDIR) on it)"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
	  echo "install: not root: the host is not set up (run $(DATADIR)/setup-host.sh $(CONFDIR) as root)"; \
	else \
	  $(DATADIR)/setup-host.sh $(CONFDIR); \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; \
	    echo "install: start it with: systemctl enable --now sysbind"; fi; \
	fi

# Removes what install installed, but not the configuration directory, which may hold the
# user's own configuration and keys, nor the sysbind user (Debian leaves users too).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sysbind $(DESTDIR)$(MANDIR)/man8/sysbind.8 \
	  $(DESTDIR)$(MANDIR)/man5/sysbind.ini.5 $(DESTDIR)$(DATADIR)/mkcerts.sh \
	  $(DESTDIR)$(DATADIR)/setup-host.sh $(DESTDIR)$(DATADIR)/sysbind.ini \
	  $(DESTDIR)$(UNITDIR)/sysbind.service $(DESTDIR)$(LOGROTATEDIR)/sysbind \
	  $(DESTDIR)$(COMPLETIONDIR)/sysbind $(DESTDIR)$(DOCDIR)/demo/README $(DESTDIR)$(DOCDIR)/demo/sysbind.ini \
	  $(addprefix $(DESTDIR)$(DOCDIR)/demo/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/demo/examples $(DESTDIR)$(DOCDIR)/demo \
	  $(DESTDIR)$(DOCDIR) 2>/dev/null
	@if [ -e $(DESTDIR)$(CONFDIR) ]; then \
	  echo "uninstall: kept $(DESTDIR)$(CONFDIR) (your configuration and keys): remove it yourself"; fi

# ---- the Debian package ----
# debian/ builds it with debhelper (Rules-Requires-Root: no, so no fakeroot) into
# build/deb/; the packaging tools are installed here only, never by make or make test.
DEB_TOOLS := build-essential debhelper dpkg-dev
deb: | $(DEPS_STAMP)
	scripts/install-deps.sh $(DEB_TOOLS)
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	  { echo "deb: debian/changelog says $$v, include/cli/cli.h says $(VERSION)"; exit 1; }
	dpkg-checkbuilddeps
	debian/rules clean
	DEB_OUT=$(CURDIR)/build/deb debian/rules binary
	@ls build/deb/sysbind_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).deb

deb-lint: deb
	scripts/install-deps.sh lintian
	lintian --info --display-info --pedantic build/deb/sysbind_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).deb

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
FUZZ_SRCS    := $(filter-out src/cli/main.c,$(SRCS))
FUZZ_OBJS    := $(FUZZ_SRCS:src/%.c=$(FUZZ_DIR)/obj/%.o) \
                $(FUZZ_DIR)/obj/llhttp/api.o $(FUZZ_DIR)/obj/llhttp/http.o $(FUZZ_DIR)/obj/llhttp/llhttp.o
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-build fuzz-deps
fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null && \
	  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || \
	  scripts/install-deps.sh clang-14 libclang-rt-14-dev

$(FUZZ_DIR)/obj/%.o: src/%.c | fuzz-deps $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -w $(SB_CPPFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/llhttp/%.o: | fuzz-deps $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -w -I$(LLHTTP_INC) -c $(LLHTTP_SRC)/$*.c -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) | fuzz-deps
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WFLAGS) $(SB_CPPFLAGS) -o $@ $< $(FUZZ_OBJS) $(LIBS)

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
	$(CC) $(BASEFLAGS) $(NOLTO) $(WFLAGS) $(SB_CPPFLAGS) -o $@ $^ $(LIBS)

fuzz-replay-build: $(FUZZ_NAMES:%=$(FUZZ_DIR)/replay_%)
fuzz-replay:
	@$(ASAN_MAKE) fuzz-replay-build
	@scripts/test-all.sh build=build/asan fuzz-replay
