/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine.h"

G_BEGIN_DECLS

/* Bytes of the archive moved so far; called from the copying thread. */
typedef void (*PierCopyProgressFunc) (guint64 bytes, gpointer user_data);

/* Copies @image from @source to @target (two connections, say): @source's save, as a
 * docker-archive, streamed into @target's load, with no file of the whole image in between.
 * Returns what the load printed ("Loaded image: NAME"). All or nothing on @target, as its load
 * is; when the save fails, its error is the one returned. Blocks: run it off a main thread. */
GPtrArray *pier_engine_copy_image (PierEngine *source, const char *image, PierEngine *target,
                                   PierCopyProgressFunc progress, gpointer progress_data,
                                   GCancellable *cancellable, GError **error);

G_END_DECLS
