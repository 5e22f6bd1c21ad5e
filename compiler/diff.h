/* diff: `leadc diff OLD.lead NEW.lead --data C.csv` (TOOLS.md): the impact
 * of a rule change on real data.  Both definitions run over the same
 * records (as leadvm would), and for each output they share the report
 * gives the old-by-new transition counts with example keys. */
#ifndef LEAD_DIFF_H
#define LEAD_DIFF_H

#include "leadc_cmds.h"

typedef struct DiffEvents { const char *name, *path; } DiffEvents;

int leadc_diff(const LeadcOpts *o, const char *data, const DiffEvents *ev, uint32_t nev, const char *report_format);

#endif
