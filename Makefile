# posthorn - top-level build (GNU make)
#
#   make            build everything (warnings are errors)
#   make check      install missing packages, build, run the Kyua suite
#   make run        install missing packages, build, run on 127.0.0.1:2525
#   make bench      side-by-side benchmark with Postfix and OpenSMTPD
#   make bench-smoke every stage of the benchmark once, posthorn alone
#   make soak       SOAK_SECONDS (600) of mixed traffic with restarts;
#                   every role's memory and descriptors must stay flat
#   make soak-smoke the same for 40 seconds
#   make fuzz       build the libFuzzer targets (clang) and run each for
#                   FUZZ_SECONDS; make fuzz-build only builds them
#   make install    PREFIX=/usr/local DESTDIR= [UNITDIR=] [SENDMAIL_LINKS=yes]
#
# SANITIZE=1 builds everything (programs, unit tests, the hostile smtpd)
# with AddressSanitizer and UndefinedBehaviorSanitizer into build-san
# (BUILD= chooses another directory); `make check SANITIZE=1` runs the
# whole suite on it, and a sanitizer report fails the test it came from
# (regress/kyua_run.sh and regress/integration/subr.sh).
#
# Every top-level directory's *.c files, with those of the process and
# program directories below it, build into one archive; a file named
# main.c or *_main.c holds a program's main() and stays out of the
# archives, so all logic links into the tests.  Tests are found by name:
# regress/<dir>[/<subdir>]/t_*.c (atf-c), mirroring the tree, and
# regress/integration/t_*.sh (atf-sh).

SANITIZE ?=
ifneq ($(SANITIZE),)
BUILD	?= build-san
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
endif
BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	 = $(PREFIX)/sbin
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
# the systemd unit; /usr/lib and /usr/local/lib/systemd/system are both
# in systemd's search path
UNITDIR	?= $(PREFIX)/lib/systemd/system
# yes: /usr/sbin/sendmail and friends link to PREFIX's (automatic with
# PREFIX=/usr)
SENDMAIL_LINKS ?= no

PKGS	 = libbsd-overlay libevent_core libevent_openssl openssl zlib libcares \
	   libseccomp
CFLAGS	?= -O2 -g
# SAN: instrumentation added to every object (the fuzz build sets it,
# and -Wno-error: clang's warnings are not gcc's)
SAN	?=
CFLAGS	+= -std=c11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	   -Wmissing-prototypes -Wstrict-prototypes -fno-strict-aliasing \
	   $(SAN_FLAGS) $(SAN)
CPPFLAGS += -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Icommon -I$(BUILD)/obj/common \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldb -lcrypt
ATF_LIBS = $(shell pkg-config --libs atf-c 2>/dev/null)
ATF_CFLAGS = $(shell pkg-config --cflags atf-c 2>/dev/null)

DIRS	 = common smtpd queue deliver
lib_srcs = $(filter-out %/main.c %_main.c,$(wildcard $(1)/*.c $(1)/*/*.c))
lib_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1))) \
	   $(patsubst %.y,$(BUILD)/obj/%.o,$(wildcard $(1)/*.y))
LIBS	 = $(BUILD)/libsmtpd.a $(BUILD)/libqueue.a $(BUILD)/libdeliver.a \
	   $(BUILD)/libcommon.a
LINK	 = -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS)

# smtpd(8)'s processes: each entry point is declared next to its
# definition (PROC_ENTRY, common/proc.h); naming them here makes the
# linker take them from the archives.
ROLES	 = parent_main queue_main srv_main relay_worker_main lookup_main \
	   keys_main local_agent_main
LINK_smtpd = $(foreach r,$(ROLES),-Wl,-u,$(r))

PROGS	 = $(BUILD)/bin/smtpd $(BUILD)/bin/smtpctl $(BUILD)/bin/makemap \
	   $(BUILD)/bin/sendmail
PROG_smtpd    = smtpd/main.c
PROG_sendmail = smtpd/sendmail/sendmail_main.c
PROG_smtpctl  = queue/smtpctl/smtpctl_main.c
PROG_makemap  = queue/makemap/makemap_main.c

UNIT_SRCS = $(filter-out regress/integration/%,\
	    $(wildcard regress/*/t_*.c regress/*/*/t_*.c))
UNIT_PROGS = $(patsubst regress/%.c,$(BUILD)/regress/%,$(UNIT_SRCS))
INTEG_SRCS = $(wildcard regress/integration/t_*.sh)
# the benchmark's and the soak's smoke tests measure the normal build
# (under AddressSanitizer memory is its quarantine's); the sanitizer
# suite leaves them out, as it leaves out the memory budgets
ifneq ($(SANITIZE),)
INTEG_SRCS := $(filter-out regress/integration/t_bench.sh \
	      regress/integration/t_soak.sh,$(INTEG_SRCS))
endif
INTEG_PROGS = $(patsubst regress/%.sh,$(BUILD)/regress/%,$(INTEG_SRCS))
# The power-loss model (regress/powerloss/): an LD_PRELOAD interposer
# and the tool that rebuilds the disk after a cut, for the tests only,
# never installed.  The interposer is built without the sanitizers (it
# runs inside every process of a run, before their runtime checks it);
# its unit test links it into the test program itself.
PL_DIR	 = regress/powerloss
PL_PRELOAD = $(BUILD)/$(PL_DIR)/libpowerloss.so
PL_TOOL	 = $(BUILD)/$(PL_DIR)/pltool
PL_UNIT	 = $(BUILD)/$(PL_DIR)/t_pl_preload
PL_CFLAGS = -std=c11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes \
	   -D_GNU_SOURCE -U_FORTIFY_SOURCE
HOSTILE_SRCS = $(wildcard regress/hostile/*.c)
HOSTILE	 = $(BUILD)/regress/hostile/ph_hostile
# faults injected under the daemon (LD_PRELOAD) by the integration tests
FAULTS	 = $(BUILD)/regress/faults/ph_eio.so
MANS	 = $(wildcard */*.[58] */*/*.[58])

# Fuzz targets: regress/fuzz/fuzz_NAME.c, each an LLVMFuzzerTestOneInput.
# Built with gcc and the replay driver (regress/fuzz/replay.c) for make
# check, which runs each over its corpus regress/fuzz/corpus/NAME/;
# built with clang and libFuzzer, over a tree instrumented for coverage
# and with ASan and UBSan, in FUZZ_BUILD by make fuzz.
FUZZ_SRCS = $(wildcard regress/fuzz/fuzz_*.c)
FUZZ_NAMES = $(patsubst regress/fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_REPLAY = $(patsubst %,$(BUILD)/regress/fuzz/%,$(FUZZ_NAMES))
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_CC	?= clang
FUZZ_SAN = -fsanitize=fuzzer-no-link,address,undefined \
	   -fno-sanitize-recover=undefined -Wno-error
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_BINS = $(patsubst %,$(FUZZ_BUILD)/fuzz/%,$(FUZZ_NAMES))

.PHONY: all check run install clean deps tests bench fuzz fuzz-build \
	fuzz-bins bench-smoke soak soak-smoke
.SUFFIXES:

all: $(PROGS)

deps:
	@sh regress/deps.sh

check: deps
	@$(MAKE) --no-print-directory all tests
	@PH_SANITIZE="$(SANITIZE)" sh regress/kyua_run.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@python3 regress/bench/bench.py $(BUILD)

bench-smoke: deps
	@$(MAKE) --no-print-directory all
	@python3 regress/bench/bench.py --smoke $(BUILD)

soak: deps
	@$(MAKE) --no-print-directory all
	@python3 regress/soak/soak.py $(BUILD)

soak-smoke: deps
	@$(MAKE) --no-print-directory all
	@python3 regress/soak/soak.py --smoke $(BUILD)

run: deps
	@$(MAKE) --no-print-directory all
	@sh etc/run.sh $(BUILD)

tests: $(PROGS) $(UNIT_PROGS) $(INTEG_PROGS) $(HOSTILE) $(FAULTS) \
	$(FUZZ_REPLAY) $(PL_PRELOAD) $(PL_TOOL) $(BUILD)/regress/Kyuafile

# the libFuzzer targets, from a second build of the tree with clang
fuzz-build:
	@sh regress/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    FUZZ_BUILD=$(FUZZ_BUILD) SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_FLAGS="$(FUZZ_FLAGS)" sh regress/fuzz/run.sh $(FUZZ_BUILD) \
	    $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.c $(BUILD)/obj/%.h: %.y
	@mkdir -p $(dir $@)
	bison -d -o $(BUILD)/obj/$*.c $<

$(BUILD)/obj/%.o: $(BUILD)/obj/%.c
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -MMD -MP -c -o $@ $<

# Order-only: generated parser headers exist before any common object.
GEN_HDRS = $(patsubst %.y,$(BUILD)/obj/%.h,$(wildcard common/*.y))
$(foreach d,$(DIRS),$(call lib_objs,$(d))): | $(GEN_HDRS)

define lib_rule
$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	@ar rcs $$@ $$^
endef
$(foreach d,$(DIRS),$(eval $(call lib_rule,$(d))))

define prog_rule
$(BUILD)/bin/$(1): $(BUILD)/obj/$(basename $(PROG_$(1))).o $(LIBS)
	@mkdir -p $$(dir $$@)
	@echo "LD $$@"
	@$(CC) $(CFLAGS) -o $$@ $$< $(LINK_$(1)) $(LINK)
endef
$(foreach p,smtpd smtpctl makemap sendmail,$(eval $(call prog_rule,$(p))))

# -MMD: a test is built again when a harness header it includes changes
$(BUILD)/regress/%: regress/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(ATF_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LINK) \
	    $(ATF_LIBS)

$(PL_PRELOAD): $(PL_DIR)/pl_preload.c $(PL_DIR)/pl_store.c \
    $(PL_DIR)/pl_store.h
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(PL_CFLAGS) -fPIC -shared -o $@ $(PL_DIR)/pl_preload.c \
	    $(PL_DIR)/pl_store.c -ldl

$(PL_TOOL): $(PL_DIR)/pltool.c $(PL_DIR)/pl_store.c $(PL_DIR)/pl_rebuild.c \
    $(PL_DIR)/pl_store.h $(PL_DIR)/pl_rebuild.h
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -D_GNU_SOURCE -o $@ $(filter %.c,$^)

$(PL_UNIT): $(PL_DIR)/t_pl_preload.c $(PL_DIR)/pl_preload.c \
    $(PL_DIR)/pl_store.c $(PL_DIR)/pl_rebuild.c $(PL_DIR)/pl_store.h \
    $(PL_DIR)/pl_rebuild.h
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(ATF_CFLAGS) $(CFLAGS) -D_GNU_SOURCE -U_FORTIFY_SOURCE -o $@ \
	    $(filter %.c,$^) $(ATF_LIBS) -ldl

# a fuzz target with the replay driver: runs the files it is given
$(FUZZ_REPLAY): $(BUILD)/regress/fuzz/%: regress/fuzz/%.c \
    regress/fuzz/replay.c $(LIBS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< regress/fuzz/replay.c $(LINK)

$(FUZZ_BUILD)/fuzz/%: regress/fuzz/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LINK)

# smtpd(8) with one role played by an attacker, for the trust-boundary
# tests (regress/hostile/hostile.h); never installed.
$(HOSTILE): $(HOSTILE_SRCS) regress/hostile/hostile.h $(LIBS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(HOSTILE_SRCS) $(LINK_smtpd) $(LINK)

# uninstrumented whatever SANITIZE says: it is preloaded before the
# sanitizer's run-time (the tests relax ASan's check of that order)
$(FAULTS): regress/faults/eio.c
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -fPIC \
	    -shared -o $@ regress/faults/eio.c -ldl

# An integration test runs inside its own PID, mount and network
# namespaces; the wrapper enters them and hands over to atf-sh.
$(BUILD)/regress/integration/%: regress/integration/%.sh regress/integration/subr.sh
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nPH_TOP=%s PH_BUILD=%s PH_SANITIZE=%s\n' \
	    "$(CURDIR)" "$(abspath $(BUILD))" "$(SANITIZE)" > $@
	@printf 'export PH_TOP PH_BUILD PH_SANITIZE\n' >> $@
	@printf 'exec unshare -pmnf --mount-proc atf-sh %s "$$@"\n' \
	    "$(CURDIR)/$<" >> $@
	@chmod +x $@

$(BUILD)/regress/Kyuafile: $(UNIT_SRCS) $(INTEG_SRCS) Makefile
	@sh regress/mkkyuafile.sh $(BUILD)/regress \
	    $(patsubst $(BUILD)/regress/%,%,$(UNIT_PROGS) $(INTEG_PROGS))

install: all
	UNITDIR="$(UNITDIR)" SENDMAIL_LINKS="$(SENDMAIL_LINKS)" \
	    sh etc/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
