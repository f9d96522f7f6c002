/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-container-row.h"
#include "pier-engine.h"
#include "pier-image-row.h"

G_BEGIN_DECLS

/* The engine's images and containers as the window shows them: read off the main thread, as
 * lists of row objects that change in place, kept current by following the engine's events
 * (read five times a second), so what a `pierctl` in a terminal does shows up within a second.
 * A one-second timer rereads the state of running containers, which may exit on their own.
 *
 * Properties: "loaded" (the engine answered and both lists are filled), "error" (why the
 * engine could not be read at first, or NULL), "unreachable" (why the engine stopped
 * answering, or NULL). When a read fails (or the ping every five seconds that notices a peer
 * gone quiet), the rows stay as they were and the engine is pinged again after 1, 2, 4...
 * up to 30 times "retry-base-ms" (1000), until it answers; then everything is read again.
 * Signals: "container-removed" (const char *id). */

#define PIER_TYPE_MODEL (pier_model_get_type ())
G_DECLARE_FINAL_TYPE (PierModel, pier_model, PIER, MODEL, GObject)

/* Starts reading @engine's images and containers. */
PierModel *pier_model_new (PierEngine *engine);

/* Stops: what it reads is cancelled, it no longer follows the engine; its rows stay as they
 * are. The window calls it when it leaves the model's connection, which may be too slow to
 * let the model's reads end soon. */
void pier_model_close (PierModel *self);

/* The engine every widget over this model asks. */
PierEngine *pier_model_get_engine (PierModel *self);
gboolean pier_model_get_loaded (PierModel *self);
const char *pier_model_get_error (PierModel *self);
const char *pier_model_get_unreachable (PierModel *self);

/* PierImageRow, newest first. */
GListModel *pier_model_get_images (PierModel *self);
/* PierContainerRow, newest first. */
GListModel *pier_model_get_containers (PierModel *self);
PierContainerRow *pier_model_find_container (PierModel *self, const char *id);

/* Rereads now what this process just changed (the journal would, a moment later). */
void pier_model_refresh_images (PierModel *self);
void pier_model_refresh_container (PierModel *self, const char *id);

typedef enum {
  PIER_CONTAINER_ACTION_START,
  PIER_CONTAINER_ACTION_STOP,
  PIER_CONTAINER_ACTION_RESTART,
  PIER_CONTAINER_ACTION_KILL,
  PIER_CONTAINER_ACTION_REMOVE, /* a running container is killed first */
} PierContainerAction;

/* "Start", "Stop"...: for messages ("Could not stop t1"). */
const char *pier_container_action_to_verb (PierContainerAction action);

/* Does @action to the container @id on a worker thread, then rereads it. */
void pier_model_container_action_async (PierModel *self, const char *id,
                                        PierContainerAction action, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean pier_model_container_action_finish (PierModel *self, GAsyncResult *result,
                                             GError **error);

G_END_DECLS
