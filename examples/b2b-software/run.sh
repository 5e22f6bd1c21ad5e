#!/bin/sh
# Apply the Streamline definition to the example trial users, their product
# usage and sales development's touches; make check compares the result with
# expected.csv.
cd "$(dirname "$0")" || exit 2
exec "${LEADVM:-leadvm}" run streamline.lead users.csv \
    --events usage=usage.csv --events touches=touches.csv --as-of 2026-11-01 "$@"
