#!/bin/sh
# under.sh - runs $SOCKIT_BIN under the command in $SOCKIT_UNDER (valgrind,
# qemu-user), so that tests/run.sh can test it as SOCKIT=tests/under.sh.
# make test-valgrind and make cross-test set both.
: "${SOCKIT_BIN:?}" "${SOCKIT_UNDER:?}"
exec $SOCKIT_UNDER "$SOCKIT_BIN" "$@"
