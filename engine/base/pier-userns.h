/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE in a user namespace other than the host's (rootless Pier after pier_rootless_ensure(),
 * where a non-root user is root): ids seen here are not the host's. */
gboolean pier_userns_is_nested (void);

G_END_DECLS
