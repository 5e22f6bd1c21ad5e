#!/bin/sh
# Apply the Northwind definition to the raw CRM export (a ';' delimiter,
# detected from the header line); make check compares the result with
# expected.csv. Add --summary to see the data-quality counts.
cd "$(dirname "$0")" || exit 2
exec "${LEADVM:-leadvm}" run northwind.lead crm_export.csv --as-of 2026-11-01 "$@"
