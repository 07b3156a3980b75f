# Sourced by the shell tests: `check NAME COMMAND...` runs COMMAND and prints "ok   NAME" or
# "FAIL NAME", counting the failures in $fails.
fails=0
check() {
    name=$1
    shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
