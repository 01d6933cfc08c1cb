#!/bin/sh
# valgrind.sh - runs sockit under valgrind memcheck, for make test-valgrind.
# An error or a definite leak makes the exit status 99 (so the test that ran
# it fails) and leaves a report in $VALGRIND_LOGS.
exec valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--log-file="${VALGRIND_LOGS:-/tmp}/vg.%p" "${SOCKIT_BIN:?}" "$@"
