# mashwatch — plain GNU make with pkg-config.  `make V=1` shows every command.
#
#   make              libmashwatch.a, mashwatchd, mashwatchctl (warnings are errors)
#   make check        bootstrap, unit tests, integration tests, the notification
#                     tests at fixed instants, then unit and integration under ASan+UBSan
#                     and clang's static analyser (make analyze)
#   make analyze      scan-build over lib/ and both programs; fails on any finding
#   make demo         bootstrap, then run the embedded demo
#   make bench        benchmarks (print figures; never assertions)
#   make deps         who calls and includes whom; fails on a circle
#   make fuzz         each libFuzzer target for FUZZ_SECONDS (default 60)
#   make valgrind     unit tests and a daemon run under valgrind (VALGRIND_FULL=0: short)
#   make soak         SOAK_MINUTES (default 10) of churn, printing RSS and fds
#   make install      PREFIX=/usr/local DESTDIR= (SYSTEMD_UNITDIR=$(PREFIX)/lib/systemd/system)
#   make uninstall    removes what install put there; keeps /etc/mashwatch and the data

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/mashwatch
SYSCONFDIR ?= /etc
# The unit goes under PREFIX (/usr/local/lib/systemd/system is one of
# systemd's unit paths; PREFIX=/usr gives /usr/lib/systemd/system) unless
# SYSTEMD_UNITDIR names another folder.
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
UNITDIR  ?= $(SYSTEMD_UNITDIR)
SYSUSERSDIR ?= /usr/lib/sysusers.d
# The group that may read the config: the service user's.
CONFGROUP ?= mashwatch

BUILD    ?= build
PKGS     := libpq libevent libconfig libcurl jansson cairo fontconfig zlib
TESTPKGS := cmocka
PYTHON   ?= /usr/bin/python3

WARN     := -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wcast-qual -Wwrite-strings -Wundef -Werror
CFLAGS   ?= -O2 -g
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
CFLAGS   += $(SANFLAGS) -O1
LDFLAGS  += $(SANFLAGS)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
# libpq's own service file directory, for `mashwatchd -t` (daemon/preflight.c).
PG_SYSCONFDIR := $(shell pg_config --sysconfdir 2>/dev/null)
ALL_CPPFLAGS = -Iinclude -I. -D_GNU_SOURCE -pthread $(CPPFLAGS) \
	$(if $(PG_SYSCONFDIR),-DPREFLIGHT_PG_SYSCONFDIR='"$(PG_SYSCONFDIR)"')

ifneq ($(V),1)
Q := @
E := @printf '  %-6s %s\n'
else
Q :=
E := @true
endif

# The source lists read like the architecture: lib/ is the pure engine and
# formats, daemon/ wires it to the network, ctl/ is the control tool.  Each
# program links only its own list and the shared modules, so a program that
# reaches for what it should not (mashwatchctl for a timer, HTTP, the board,
# the notifier or the engine) fails to link.  `make deps` prints who calls
# whom and fails on a circle.
LIB_SRCS := $(wildcard lib/*.c)
# Used by both programs: logging, the databases, start-up, the source
# reader and poller (--once, check-source, reports), routes, mail
# transports, acks, the wall clock; the state migrations are compiled in.
SHARED_SRCS := daemon/log.c daemon/pg.c daemon/setup.c daemon/source.c \
            daemon/poller.c daemon/once.c daemon/transport.c \
            daemon/ack.c daemon/engine_clock.c
MASHWATCHD_SRCS := daemon/mashwatchd.c daemon/engine.c daemon/store.c \
            daemon/notifier.c daemon/notifier_outbox.c daemon/notifier_findings.c \
            daemon/http.c daemon/metrics.c daemon/board.c daemon/board_access.c \
            daemon/board_snap.c daemon/board_refresh.c daemon/board_html.c \
            daemon/board_base.c daemon/board_gzip.c daemon/reporter.c \
            daemon/sdnotify.c daemon/preflight.c
MASHWATCHCTL_SRCS := $(wildcard ctl/*.c)
# tests/pgprobe drives daemon/pg.c alone; doc/mkconfman prints the config
# table for mashwatch.conf(5) and needs lib/ only.
PGPROBE_SRCS := tests/pgprobe.c daemon/pg.c daemon/log.c
MKCONFMAN_SRCS := doc/mkconfman.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
COMMON_OBJS := $(SHARED_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
MASHWATCHD_OBJS := $(MASHWATCHD_SRCS:%.c=$(BUILD)/%.o)
MASHWATCHCTL_OBJS := $(MASHWATCHCTL_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

# The state schema's migrations are compiled into both programs.
MIGRATIONS := $(sort $(wildcard etc/sql/state/*.sql))

LIBA := $(BUILD)/libmashwatch.a
PROGS := $(BUILD)/mashwatchd $(BUILD)/mashwatchctl
# mashwatch.conf(5) takes its settings from the config table itself.
MANPAGES := $(BUILD)/doc/mashwatch.conf.5 doc/mashwatchd.8 doc/mashwatchctl.1
# Drives daemon/pg.c against a real server for tests/integration.
PGPROBE := $(BUILD)/tests/pgprobe

.PHONY: all check check-run unit integration check-clock asan demo bench install uninstall clean bootstrap \
	deps fuzz fuzz-smoke fuzz-lib valgrind valgrind-smoke soak
all: $(LIBA) $(PROGS) $(BUILD)/doc/mashwatch.conf.5

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-sql
	@mkdir -p $(@D)
	$(E) GEN $@
	$(Q)scripts/embed-sql $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) -Idaemon $(WARN) $(CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	$(E) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/mashwatchd: $(MASHWATCHD_OBJS) $(COMMON_OBJS) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(BUILD)/mashwatchctl: $(MASHWATCHCTL_OBJS) $(COMMON_OBJS) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(PGPROBE): $(PGPROBE_SRCS:%.c=$(BUILD)/%.o) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(BUILD)/mkconfman: $(MKCONFMAN_SRCS:%.c=$(BUILD)/%.o) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(BUILD)/doc/mashwatch.conf.5: doc/mashwatch.conf.5.in $(BUILD)/mkconfman
	@mkdir -p $(@D)
	$(E) GEN $@
	$(Q)$(BUILD)/mkconfman > $@.settings && \
	    sed -e '/^@SETTINGS@$$/{r $@.settings' -e 'd;}' doc/mashwatch.conf.5.in > $@.tmp && \
	    rm -f $@.settings && mv $@.tmp $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBA)
	@mkdir -p $(@D)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(shell pkg-config --cflags $(TESTPKGS)) $(WARN) $(CFLAGS) $(LDFLAGS) \
	    -o $@ $< $(LIBA) $(PKG_LIBS) $(shell pkg-config --libs $(TESTPKGS)) -lm

# check and demo first install what is missing, then re-enter make so that
# pkg-config is asked only once everything is there.
bootstrap:
	$(Q)scripts/bootstrap check

check: bootstrap
	$(Q)$(MAKE) --no-print-directory check-run

# The fault suite runs inside integration (tests/integration/test_fault_*.py);
# the fuzz targets and valgrind each get a short smoke here.
check-run: deps unit integration check-clock asan fuzz-smoke valgrind-smoke

# The call graph comes from the objects (nm), the include graph from the
# sources; a circle or a layer reaching the wrong way fails (scripts/deps).
deps: all
	$(Q)$(PYTHON) scripts/deps $(BUILD)

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "  UNIT   $$t"; $$t; done

integration: all $(PGPROBE)
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

# The notification and /metrics tests at a Monday 08:29 and 08:31, a weekday afternoon,
# a Saturday night and both nights the clocks change (libfaketime).
check-clock: all $(PGPROBE)
	$(Q)$(PYTHON) scripts/check-clock $(abspath $(BUILD)) $(PYTEST_ARGS)

# The fault suite's one-minute SMTP outage is shortened in the ASan pass:
# that pass looks for memory errors, the plain one measures the minute.
asan:
	$(Q)MASHWATCH_FAULT_OUTAGE=15 $(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 \
	    unit integration

# The demo installs only what it builds and runs with (no test tools).
demo:
	$(Q)scripts/bootstrap demo
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) scripts/demo.py --build $(abspath $(BUILD))

bench: bootstrap
	$(Q)$(MAKE) --no-print-directory all
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) $(PYTHON) bench/run.py

# clang's static analyser over a fresh build of lib/ and both programs,
# with the same compiler and warnings; any finding fails (--status-bugs).
# The HTML reports stay in $(BUILD)/analyze/report.  A false positive is
# met by writing the code so that the analyser can follow it, never by
# silencing it.
.PHONY: analyze
analyze:
	$(Q)rm -rf $(BUILD)/analyze
	$(Q)scan-build --status-bugs -o $(BUILD)/analyze/report \
	    $(MAKE) --no-print-directory -j2 BUILD=$(BUILD)/analyze $(BUILD)/analyze/libmashwatch.a \
	    $(BUILD)/analyze/mashwatchd $(BUILD)/analyze/mashwatchctl
check-run: analyze

# What the unit tests share; a change to it rebuilds them all.
$(UNIT_BINS): tests/unit/testutil.h

# Programs, man pages, the example config (never over an existing one), the
# holiday file, the SQL, the units (one authority, and the template for
# several) with this PREFIX's paths, the sysusers entry.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/mashwatch \
	    $(DESTDIR)$(DATADIR)/sql/state $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(BUILD)/mashwatchd $(DESTDIR)$(SBINDIR)/mashwatchd
	install -m 755 $(BUILD)/mashwatchctl $(DESTDIR)$(BINDIR)/mashwatchctl
	test -e $(DESTDIR)$(SYSCONFDIR)/mashwatch/mashwatch.conf || \
	    install -m 640 etc/mashwatch.conf $(DESTDIR)$(SYSCONFDIR)/mashwatch/mashwatch.conf
	@# The config is root:$(CONFGROUP) 0640: the service reads it, others
	@# cannot.  Installing for real as root creates the user and group
	@# first (the sysusers entry); a DESTDIR install (a package) uses the
	@# group if the build host has it, else says what to run.
	$(Q)if [ "$$(id -u)" = 0 ] && [ -z "$(DESTDIR)" ] && \
	    ! getent group $(CONFGROUP) >/dev/null; then \
	    if [ "$(CONFGROUP)" = mashwatch ] && command -v systemd-sysusers >/dev/null; then \
	        systemd-sysusers systemd/mashwatch.sysusers; \
	    else groupadd --system $(CONFGROUP); fi; \
	fi; \
	if [ "$$(id -u)" = 0 ] && getent group $(CONFGROUP) >/dev/null; then \
	    chown root:$(CONFGROUP) $(DESTDIR)$(SYSCONFDIR)/mashwatch/mashwatch.conf && \
	    chmod 640 $(DESTDIR)$(SYSCONFDIR)/mashwatch/mashwatch.conf; \
	else \
	    echo "note: run 'chown root:$(CONFGROUP) $(SYSCONFDIR)/mashwatch/mashwatch.conf'" \
	         "once the $(CONFGROUP) group exists (systemd-sysusers creates it)"; \
	fi
	install -m 644 etc/mashwatch.conf $(DESTDIR)$(DATADIR)/mashwatch.conf.example
	install -m 644 doc/contract.md doc/ARCHITECTURE.md doc/operations.md $(DESTDIR)$(DATADIR)/
	@# The holiday file in /etc is the site's to edit: replaced only when it
	@# is still the copy an earlier install put there (kept in DATADIR).
	$(Q)h=$(DESTDIR)$(SYSCONFDIR)/mashwatch/bank-holidays-england-and-wales.txt; \
	shipped=$(DESTDIR)$(DATADIR)/bank-holidays-england-and-wales.txt; \
	if [ ! -e "$$h" ] || cmp -s "$$h" "$$shipped" || \
	    cmp -s "$$h" etc/bank-holidays-england-and-wales.txt; then \
	    install -m 644 etc/bank-holidays-england-and-wales.txt "$$h"; \
	else \
	    echo "note: $(SYSCONFDIR)/mashwatch/bank-holidays-england-and-wales.txt was" \
	         "edited: kept; this release's list is $(DATADIR)/bank-holidays-england-and-wales.txt"; \
	fi
	install -m 644 etc/bank-holidays-england-and-wales.txt $(DESTDIR)$(DATADIR)/
	install -m 644 etc/sql/cms.sql etc/sql/mash.sql etc/sql/ssd.sql etc/sql/ssd.md $(DESTDIR)$(DATADIR)/sql/
	install -m 644 $(MIGRATIONS) $(DESTDIR)$(DATADIR)/sql/state/
	install -m 644 $(BUILD)/doc/mashwatch.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 doc/mashwatch-report.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 doc/mashwatchd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 doc/mashwatchctl.1 $(DESTDIR)$(MANDIR)/man1/
	for u in mashwatch.service mashwatch@.service; do \
	    sed -e 's|/usr/sbin/mashwatchd|$(SBINDIR)/mashwatchd|g' \
	        -e 's|/etc/mashwatch|$(SYSCONFDIR)/mashwatch|g' systemd/$$u \
	        > $(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 systemd/mashwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/mashwatch.conf

# What install put in place, with the same variables; never the config and
# holiday file in $(SYSCONFDIR)/mashwatch (the site's), the state database
# or the report archive (doc/operations.md, "Uninstall", removes those).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mashwatchd $(DESTDIR)$(BINDIR)/mashwatchctl \
	    $(DESTDIR)$(MANDIR)/man1/mashwatchctl.1 $(DESTDIR)$(MANDIR)/man8/mashwatchd.8 \
	    $(DESTDIR)$(MANDIR)/man5/mashwatch.conf.5 $(DESTDIR)$(MANDIR)/man5/mashwatch-report.5 \
	    $(DESTDIR)$(UNITDIR)/mashwatch.service \
	    $(DESTDIR)$(UNITDIR)/mashwatch@.service \
	    $(DESTDIR)$(SYSUSERSDIR)/mashwatch.conf
	rm -rf $(DESTDIR)$(DATADIR)

# Fuzzing (tests/fuzz/README): libFuzzer targets built with Debian's clang
# against their own instrumented libmashwatch.a in build/fuzz, each run on a
# copy of its checked-in seed corpus.
FUZZ_BUILD   := build/fuzz
# mail: the message writer and escaping; header: folding and encoded
# words; address: the address parser; region: the regional benchmark's
# extracts.
FUZZ_TARGETS := config timescale holidays tzif once_json report_json mail \
                header address region
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz-lib:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" $(FUZZ_BUILD)/libmashwatch.a

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h fuzz-lib
	$(E) FUZZCC $<
	$(Q)$(FUZZ_CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_BUILD)/libmashwatch.a $(PKG_LIBS) -lm

fuzz: bootstrap
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)scripts/fuzz-run $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)scripts/fuzz-run $(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

# valgrind (scripts/valgrind-run): every unit test, then a daemon that
# starts, polls, alerts, sends, reloads and stops; zero errors and zero
# definite leaks, third-party suppressions in tests/valgrind.supp.
VALGRIND_FULL ?= 1

valgrind: bootstrap
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(PGPROBE)
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) VALGRIND_FULL=$(VALGRIND_FULL) \
	    $(PYTHON) scripts/valgrind-run $(UNIT_BINS)

valgrind-smoke: all $(UNIT_BINS)
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) VALGRIND_FULL=0 \
	    $(PYTHON) scripts/valgrind-run $(UNIT_BINS)

# Soak (scripts/soak): SOAK_MINUTES of clocks and alerts churning against
# a real PostgreSQL, the daemon's RSS and open fds printed at intervals.
SOAK_MINUTES ?= 10

soak: bootstrap
	$(Q)$(MAKE) --no-print-directory all
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) $(PYTHON) scripts/soak --minutes $(SOAK_MINUTES)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
