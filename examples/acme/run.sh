#!/bin/sh
# Apply the Acme definition to the example contacts and their activity;
# make check compares the result with expected.csv.
cd "$(dirname "$0")" || exit 2
exec "${LEADVM:-leadvm}" run acme.lead contacts.csv --events activity=activity.csv --as-of 2026-11-01 "$@"
