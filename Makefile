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
# lib/tiny/ stands in, in the static build, for the parts of libc that cost
# most there: malloc, the resolver, getpwnam/getgrnam (README: "Embedded images").
TINYSRCS = $(wildcard lib/tiny/*.c)
HDRS = lib/sockit.h applets/applets.def
APPLETS = $(patsubst applets/%.c,%,$(wildcard applets/*.c))

all: sockit

# The flags of the last build: a change (make PORTABLE=1 test after make, or
# CC=clang) rebuilds sockit instead of testing the old binary.
BUILD_FLAGS = $(CC) $(STDFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)
.build-flags: FORCE
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@
FORCE:

sockit: $(SRCS) $(HDRS) .build-flags
	$(CC) $(STDFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $(SRCS) $(LDFLAGS)

# A build with AddressSanitizer and UBSan, for the test suite (CI runs it).
sockit-asan: $(SRCS) $(HDRS)
	$(CC) $(STDFLAGS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(SRCS)

test: sockit
	bash tests/run.sh

test-asan: sockit-asan
	SOCKIT=$(CURDIR)/sockit-asan bash tests/run.sh

# The static build's own resolver and user lookup (lib/tiny/, but not its
# malloc, which would hide ASan's) with the sanitizers, over the files that
# resolve names and look up users.
TINY_ASAN_SRCS = $(filter-out lib/tiny/malloc.c,$(TINYSRCS))
TINY_ASAN_TESTS = tests/resolve.test tests/tcp-send.test tests/tcp-serve.test
sockit-tiny-asan: $(SRCS) $(TINYSRCS) $(HDRS)
	$(CC) $(STDFLAGS) -DSOCKIT_TINY -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ $(SRCS) $(TINY_ASAN_SRCS)
test-asan-tiny: sockit-tiny-asan
	SOCKIT=$(CURDIR)/sockit-tiny-asan bash tests/run.sh $(TINY_ASAN_TESTS)

# valgrind memcheck over tests/memcheck.test, a pass over every applet's main
# paths with time to spare (the other files time things too finely for it).
VALGRIND_TESTS = tests/memcheck.test
# An error or a definite leak makes the run exit 99 (so its test fails) and
# leaves a report in tests/tmp/vg.
VALGRIND = valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--log-file=$(CURDIR)/tests/tmp/vg/vg.%p
# Its own build, with DWARF 4 (valgrind 3.19 cannot read clang 14's DWARF 5).
sockit-vg: $(SRCS) $(HDRS)
	$(CC) $(STDFLAGS) $(CPPFLAGS) -O1 -gdwarf-4 -o $@ $(SRCS)
test-valgrind: sockit-vg
	rm -rf tests/tmp/vg && mkdir -p tests/tmp/vg
	SOCKIT=$(CURDIR)/tests/under.sh SOCKIT_BIN=$(CURDIR)/sockit-vg SOCKIT_UNDER="$(VALGRIND)" \
		bash tests/run.sh $(VALGRIND_TESTS)
	@if [ -n "$$(find tests/tmp/vg -type f -size +0)" ]; then \
		cat tests/tmp/vg/*; echo "valgrind reports"; exit 1; fi
	@echo "no valgrind reports"

# A cross build (Debian: gcc-aarch64-linux-gnu, qemu-user) and the suite's
# portable files run under qemu-user against it. CROSS=arm-linux-gnueabihf-
# QEMU_ARCH=arm works the same way.
CROSS ?= aarch64-linux-gnu-
QEMU_ARCH ?= aarch64
CROSS_TESTS = tests/tcp-send.test tests/udp-send.test tests/udp-listen.test tests/memcheck.test
cross: $(SRCS) $(HDRS)
	$(CROSS)gcc $(STDFLAGS) -O2 -o sockit-cross $(SRCS)
cross-test: cross
	SOCKIT=$(CURDIR)/tests/under.sh SOCKIT_BIN=$(CURDIR)/sockit-cross \
		SOCKIT_UNDER="qemu-$(QEMU_ARCH) -L /usr/$(CROSS:-=)" bash tests/run.sh $(CROSS_TESTS)

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

# A static binary: musl-gcc where it is installed, the default compiler
# otherwise; sized for embedded images (README: "Size").
MUSLCC = $(shell command -v musl-gcc 2>/dev/null)
SIZEFLAGS = -Os -fno-pie -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -Wl,--gc-sections -Wl,--build-id=none
# One R+X segment and no RELRO page: each separate segment is padded to a page
# in the file (10 KiB here). Code and rodata then share pages; a small
# common-page-size lets the data start mid-page in the file. Not position
# independent (-fno-pie above: 0.7 KiB) and link-time optimized (1.1 KiB).
STATICLDFLAGS = -no-pie -flto -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16
STATICCC = $(if $(MUSLCC),$(MUSLCC),$(CC))
STRIP ?= strip
static: $(SRCS) $(TINYSRCS) $(HDRS)
	$(STATICCC) $(STDFLAGS) -DSOCKIT_TINY $(SIZEFLAGS) $(STATICLDFLAGS) -static -o sockit-static \
		$(SRCS) $(TINYSRCS)
	$(STRIP) -R .comment sockit-static

# The static binary's budget in bytes, and what each object costs in it:
# 64 KiB for the four first applets, raised by what each later piece measured:
# the Unix applets 12,488 bytes (unix-serve, unix-send, lib/unix.c and the
# engines moved to lib/), forwarding and the PROXY protocol 9,560 (--to,
# lib/forward.c, lib/proxyproto.c, --accept-proxy, --print's own pipe), the
# proxy client, -p and port lists 9,216 (lib/socks.c, tcp-send, client.c),
# supervisors 3,328 (lib/super.c: PORT -, --notify-fd, NOTIFY_SOCKET).
SIZE_BUDGET ?= 100128
size: static
	@for f in $(SRCS) $(TINYSRCS); do $(STATICCC) $(STDFLAGS) -DSOCKIT_TINY $(SIZEFLAGS) -c -o /tmp/sockit-size.o $$f && \
		size /tmp/sockit-size.o | awk -v f=$$f 'NR == 2 { printf "%-22s %6d text %6d data %6d bss\n", f, $$1, $$2, $$3 }'; done
	@rm -f /tmp/sockit-size.o
	@s=$$(wc -c <sockit-static); echo "sockit-static: $$s bytes, budget $(SIZE_BUDGET)"; \
		[ $$s -le $(SIZE_BUDGET) ] || { echo "sockit-static is over its budget"; exit 1; }

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
	rm -f sockit sockit-asan sockit-tiny-asan sockit-static sockit-cross sockit-vg .build-flags bench/loadgen bench/refecho bench/refrelay bench/refsplice
	rm -rf tests/fuzz/bin

.PHONY: FORCE all test test-asan test-asan-tiny test-valgrind lint install install-links static size cross cross-test clean fuzz fuzz-build fuzz-replay

# Benchmarks against real peers (bench/README.md): not part of make test.
bench/loadgen: bench/loadgen.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/loadgen.c
bench/refecho: bench/refecho.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/refecho.c
bench/refsplice: bench/refsplice.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/refsplice.c
bench/refrelay: bench/refrelay.c
	$(CC) -O2 -Wall -Wextra -o $@ bench/refrelay.c
bench: sockit bench/loadgen bench/refecho bench/refsplice
	bash bench/run.sh
bench-unix: sockit bench/loadgen bench/refecho
	bash bench/unix.sh
bench-forward: sockit bench/loadgen bench/refecho bench/refrelay
	bash bench/forward.sh
.PHONY: bench bench-unix bench-forward
