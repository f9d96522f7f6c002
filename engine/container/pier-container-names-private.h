/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A name for a container nobody named, as Docker gives them ("brave_lighthouse"): an adjective
 * and a harbour word, not in @taken (then with a number added). */
char *pier_container_name_generate (GHashTable *taken);

G_END_DECLS
