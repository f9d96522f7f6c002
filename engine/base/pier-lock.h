/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An advisory lock (flock) on a file, so that writers in several processes (the window and a
 * pierctl in a terminal) take turns. Waits for the holder; the lock goes with the descriptor,
 * so a process that dies releases it. */
typedef struct _PierLock PierLock;

PierLock *pier_lock_acquire (const char *path, gboolean exclusive, GError **error);
/* NULL with PIER_ERROR_IN_USE at once when another process holds it. */
PierLock *pier_lock_try_acquire (const char *path, gboolean exclusive, GError **error);
void pier_lock_release (PierLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierLock, pier_lock_release)

G_END_DECLS
