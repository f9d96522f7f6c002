/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"

G_BEGIN_DECLS

/* What a container may be created with, checked before anything is made: Docker's rules for
 * names, host names, environment variables and limits, and text that its record (JSON) can
 * hold, so that no word of a command, variable or path is changed or lost on the way.
 * Errors (PIER_ERROR_INVALID) name the value and show its bytes. */

/* Docker's limits: a memory limit of 6 MiB or more, 0.01 to 1024 CPUs (0: no limit). */
#define PIER_CONTAINER_MEMORY_MIN (G_GUINT64_CONSTANT (6) << 20)
#define PIER_CONTAINER_MEMORY_MAX ((guint64) G_MAXINT64)
#define PIER_CONTAINER_CPUS_MIN 0.01
#define PIER_CONTAINER_CPUS_MAX 1024.0

gboolean pier_container_options_check (const PierContainerOptions *options, GError **error);

/* "NAME=value", or "NAME" alone (for the caller's own value): a name, and text. */
gboolean pier_container_check_env (const char *entry, GError **error);

G_END_DECLS
