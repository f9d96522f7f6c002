/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine-types.h"
#include "pier-process-snapshot.h"

G_BEGIN_DECLS

/* @p as a PierProcessInfo, in @container (a name, for host listings; may be NULL). */
PierProcessInfo *pier_process_info_from_scan (const PierProcess *p, const char *container);
/* An empty list of PierProcessInfo. */
GPtrArray *pier_process_info_list_new (void);
/* @s with copies of its processes, its leader among them. */
PierSessionInfo *pier_session_info_from_scan (const PierProcessSession *s);

G_END_DECLS
