#!/bin/sh
# Apply the quickstart definition to its five contacts; make check compares
# the result with expected.csv.
cd "$(dirname "$0")" || exit 2
exec "${LEADVM:-leadvm}" run quickstart.lead contacts.csv --as-of 2026-11-01 "$@"
