# mashwatch — plain GNU make with pkg-config.  `make V=1` shows every command.
#
#   make              libmashwatch.a, mashwatchd, mashwatchctl (warnings are errors)
#   make check        bootstrap, unit tests, integration tests, the notification
#                     tests at fixed instants, then unit and integration under ASan+UBSan
#                     and clang's static analyser (make analyze)
#   make analyze      scan-build over lib/ and both programs; fails on any finding
#   make demo         bootstrap, then run the embedded demo
#   make bench        benchmarks (print figures; never assertions)
#   make install      PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/mashwatch
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
# The group that may read the config: the service user's.
CONFGROUP ?= mashwatch

BUILD    ?= build
PKGS     := libpq libevent libconfig libcurl jansson cairo fontconfig
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
ALL_CPPFLAGS = -Iinclude -D_GNU_SOURCE -pthread $(CPPFLAGS)

ifneq ($(V),1)
Q := @
E := @printf '  %-6s %s\n'
else
Q :=
E := @true
endif

# The source lists read like the architecture: lib/ is the pure engine and
# formats, daemon/ wires it to the network.
LIB_SRCS := $(wildcard lib/*.c)
DAEMON_COMMON := $(filter-out daemon/mashwatchd.c daemon/mashwatchctl.c,$(wildcard daemon/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
COMMON_OBJS := $(DAEMON_COMMON:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

# The state schema's migrations are compiled into both programs.
MIGRATIONS := $(sort $(wildcard etc/sql/state/*.sql))
COMMON_OBJS += $(BUILD)/gen/migrations.o

LIBA := $(BUILD)/libmashwatch.a
PROGS := $(BUILD)/mashwatchd $(BUILD)/mashwatchctl
# mashwatch.conf(5) takes its settings from the config table itself.
MANPAGES := $(BUILD)/doc/mashwatch.conf.5 doc/mashwatchd.8 doc/mashwatchctl.8
# Drives daemon/pg.c against a real server for tests/integration.
PGPROBE := $(BUILD)/tests/pgprobe

.PHONY: all check check-run unit integration check-clock asan demo bench install clean bootstrap
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

$(BUILD)/mashwatchd: $(BUILD)/daemon/mashwatchd.o $(COMMON_OBJS) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(BUILD)/mashwatchctl: $(BUILD)/daemon/mashwatchctl.o $(COMMON_OBJS) $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(PGPROBE): $(BUILD)/tests/pgprobe.o $(BUILD)/daemon/pg.o $(BUILD)/daemon/log.o $(LIBA)
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm -pthread

$(BUILD)/mkconfman: doc/mkconfman.c $(LIBA)
	@mkdir -p $(@D)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS) -lm -pthread

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
	$(Q)scripts/bootstrap

check: bootstrap
	$(Q)$(MAKE) --no-print-directory check-run

check-run: unit integration check-clock asan

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "  UNIT   $$t"; $$t; done

integration: all $(PGPROBE)
	$(Q)MASHWATCH_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

# The notification tests at a Monday 08:29 and 08:31, a weekday afternoon,
# a Saturday night and both nights the clocks change (libfaketime).
check-clock: all $(PGPROBE)
	$(Q)$(PYTHON) scripts/check-clock $(abspath $(BUILD)) $(PYTEST_ARGS)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 unit integration

demo: bootstrap
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
# holiday file, the SQL, the unit with this PREFIX's paths, the sysusers entry.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/mashwatch \
	    $(DESTDIR)$(DATADIR)/sql/state $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
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
	install -m 644 doc/contract.md doc/ARCHITECTURE.md $(DESTDIR)$(DATADIR)/
	install -m 644 etc/bank-holidays-england-and-wales.txt $(DESTDIR)$(SYSCONFDIR)/mashwatch/
	install -m 644 etc/sql/cms.sql etc/sql/mash.sql etc/sql/ssd.sql etc/sql/ssd.md $(DESTDIR)$(DATADIR)/sql/
	install -m 644 $(MIGRATIONS) $(DESTDIR)$(DATADIR)/sql/state/
	install -m 644 $(BUILD)/doc/mashwatch.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 doc/mashwatch-report.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 doc/mashwatchd.8 doc/mashwatchctl.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|/usr/sbin/mashwatchd|$(SBINDIR)/mashwatchd|g' \
	    -e 's|/etc/mashwatch|$(SYSCONFDIR)/mashwatch|g' systemd/mashwatch.service \
	    > $(DESTDIR)$(UNITDIR)/mashwatch.service
	chmod 644 $(DESTDIR)$(UNITDIR)/mashwatch.service
	install -m 644 systemd/mashwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/mashwatch.conf

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
