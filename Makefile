# sockit - no configure step. make; make test; make install PREFIX=/usr DESTDIR=...
CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= -Werror
STDFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -pedantic $(WERROR)
LDFLAGS ?=
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
# Where the per-applet links go (make install-links).
LINKDIR ?= $(BINDIR)

# make PORTABLE=1: poll instead of epoll, accept instead of accept4.
ifdef PORTABLE
CPPFLAGS += -DSOCKIT_PORTABLE
endif

SRCS = main.c $(wildcard applets/*.c) $(wildcard lib/*.c)
HDRS = lib/sockit.h applets/applets.def
APPLETS = $(patsubst applets/%.c,%,$(wildcard applets/*.c))

all: sockit

sockit: $(SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

# A build with AddressSanitizer and UBSan, for the test suite (CI runs it).
sockit-asan: $(SRCS) $(HDRS)
	$(CC) $(STDFLAGS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(SRCS)

test: sockit
	bash tests/run.sh

test-asan: sockit-asan
	SOCKIT=$(CURDIR)/sockit-asan bash tests/run.sh

# valgrind memcheck over tests/memcheck.test, a pass over every applet's main
# paths with time to spare (the other files time things too finely for it).
VALGRIND_TESTS = tests/memcheck.test
test-valgrind: sockit
	rm -rf tests/tmp/vg && mkdir -p tests/tmp/vg
	SOCKIT=$(CURDIR)/tests/valgrind.sh SOCKIT_BIN=$(CURDIR)/sockit \
		VALGRIND_LOGS=$(CURDIR)/tests/tmp/vg bash tests/run.sh $(VALGRIND_TESTS)
	@if [ -n "$$(find tests/tmp/vg -type f -size +0)" ]; then \
		cat tests/tmp/vg/*; echo "valgrind reports"; exit 1; fi
	@echo "no valgrind reports"

lint:
	mandoc -Tlint -Wwarning man/sockit.1

install: sockit
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp sockit $(DESTDIR)$(BINDIR)/sockit
	chmod 755 $(DESTDIR)$(BINDIR)/sockit
	cp man/sockit.1 $(DESTDIR)$(MANDIR)/sockit.1
	chmod 644 $(DESTDIR)$(MANDIR)/sockit.1

install-links:
	mkdir -p $(DESTDIR)$(LINKDIR)
	for a in $(APPLETS); do ln -sf sockit $(DESTDIR)$(LINKDIR)/$$a; done

# A static binary: musl-gcc where it is installed, the default compiler otherwise.
MUSLCC = $(shell command -v musl-gcc 2>/dev/null)
static: $(SRCS) $(HDRS)
	$(if $(MUSLCC),$(MUSLCC),$(CC)) $(STDFLAGS) -Os -static -o sockit-static $(SRCS)
	strip sockit-static

# libFuzzer harnesses (clang), one per parser: tests/fuzz/NAME.c. `make fuzz`
# runs each for FUZZ_SECS; `make fuzz-replay` runs each over its committed
# seed corpus, tests/fuzz/corpus/NAME/ (CI does).
FUZZCC ?= clang
FUZZ_SECS ?= 60
FUZZERS = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
LIBSRCS = $(wildcard lib/*.c)
fuzz-build: $(LIBSRCS) $(HDRS) tests/fuzz/fuzz.h
	mkdir -p tests/fuzz/bin
	for f in $(FUZZERS); do \
		$(FUZZCC) -g -O1 -std=c99 -D_POSIX_C_SOURCE=200809L -DSOCKIT_FUZZ -Wall -Wextra \
			-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			-o tests/fuzz/bin/$$f tests/fuzz/$$f.c $(LIBSRCS) || exit 1; \
	done
fuzz: fuzz-build
	for f in $(FUZZERS); do \
		mkdir -p tests/fuzz/bin/$$f.new tests/fuzz/corpus/$$f; \
		tests/fuzz/bin/$$f -max_total_time=$(FUZZ_SECS) -close_fd_mask=3 \
			tests/fuzz/bin/$$f.new tests/fuzz/corpus/$$f || exit 1; \
	done
fuzz-replay: fuzz-build
	for f in $(FUZZERS); do \
		tests/fuzz/bin/$$f -close_fd_mask=3 tests/fuzz/corpus/$$f/* || exit 1; \
	done

clean:
	rm -f sockit sockit-asan sockit-static bench/loadgen bench/refecho
	rm -rf tests/fuzz/bin

.PHONY: all test test-asan test-valgrind lint install install-links static clean fuzz fuzz-build fuzz-replay

# Benchmarks against real peers (bench/README.md): not part of make test.
bench/loadgen: bench/loadgen.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/loadgen.c
bench/refecho: bench/refecho.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/refecho.c
bench: sockit bench/loadgen bench/refecho
	bash bench/run.sh
.PHONY: bench
