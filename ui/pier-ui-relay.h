/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What an engine call reports while it runs on a worker thread (a pull's progress, a build's
 * output), handed to the main thread in order: the worker posts items, the main context
 * gets them through @func.
 *
 * With @latest_only, an item not yet delivered is replaced by the next one (a snapshot of
 * progress: only the newest counts); else every item is delivered.
 *
 * Refcounted, safe from any thread. The widget that made it calls pier_ui_relay_close() when
 * it goes (dispose) and from then on @func is never called again. */
typedef struct _PierUiRelay PierUiRelay;

typedef void (*PierUiRelayFunc) (gpointer item, gpointer user_data);

/* Delivers on the thread-default main context of the caller. */
PierUiRelay *pier_ui_relay_new (gboolean latest_only, PierUiRelayFunc func, gpointer user_data,
                                GDestroyNotify item_free);
PierUiRelay *pier_ui_relay_ref (PierUiRelay *relay);
void pier_ui_relay_unref (PierUiRelay *relay);

/* From any thread: takes @item. */
void pier_ui_relay_post (PierUiRelay *relay, gpointer item);
/* On the main thread: delivers now what is waiting (before a result that follows it). */
void pier_ui_relay_flush (PierUiRelay *relay);
/* On the main thread: drops what is waiting; nothing is delivered any more. */
void pier_ui_relay_close (PierUiRelay *relay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierUiRelay, pier_ui_relay_unref)

G_END_DECLS
