/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-history.h"
#include "pier-image-store.h"
#include "pier-network.h"

G_BEGIN_DECLS

/* The builder: a Dockerfile into a layered image, the way Docker's classic builder does it.
 * Every instruction that changes the filesystem (RUN, COPY, ADD, and WORKDIR when it creates
 * its directory) yields one layer; the others change the configuration and leave a history
 * entry marked empty_layer. RUN runs in a real container of the runtime (its own namespaces,
 * the stage's layers below a fresh sandbox layer); the sandbox layer, packed with owners mapped
 * back to the image's, is the step's layer.
 *
 * Stages are built in order up to the target (all of them without one); FROM may name an
 * earlier stage, COPY --from an earlier stage or an image. Layers are written deterministically
 * (names sorted, numeric owners, modes and modification times from the context, owners 0:0
 * unless --chown), so a COPY of the same files gives the same diff_id.
 *
 * Nothing of a build is visible until it has succeeded: its layers and blobs wait in the
 * store's work directory and are committed, with the image, its names and its cache records,
 * under the store lock at the end. A failed or cancelled build leaves nothing.
 *
 * The cache: ROOT/build-cache/records, a line per step (its key, then a small JSON record), the
 * key a SHA-256 of the previous step's key (or the base image's id), the instruction as
 * expanded, the build args it sees and, for COPY and ADD, a digest of the copied files
 * (content, modes, times). A record
 * is used only while its layer is still in the store; layers only the cache knows of go with
 * pier_store_collect_garbage (), and their records then miss. A RUN layer is reproduced only
 * through the cache (the command may not be deterministic).
 *
 * RUN, as Docker's builder: every RUN makes a layer, an empty one when the command changed
 * nothing. Unlike Docker, /tmp and /run start empty in each RUN (the runtime mounts them afresh
 * in every container, at run time as at build time); what a RUN writes there is kept in its
 * layer all the same. */

typedef struct {
  const char *context_dir;
  const char *dockerfile;       /* NULL: CONTEXT/Dockerfile, else CONTEXT/Containerfile */
  const char *const *tags;      /* names for the image; NULL or empty: none (dangling) */
  GHashTable *build_args;       /* char* → char*; may be NULL */
  const char *target;           /* stage name or number; NULL: the last */
  gboolean no_cache;
  gboolean network_set;         /* RUN's network; default bridge as root, none rootless */
  PierNetworkMode network;
} PierBuildOptions;

typedef enum {
  PIER_BUILD_EVENT_STEP,       /* a step begins: step, n_steps, text (as written) */
  PIER_BUILD_EVENT_TRIGGERS,   /* n_steps ONBUILD triggers of the base run now */
  PIER_BUILD_EVENT_RUNNING,    /* RUN started a container: id */
  PIER_BUILD_EVENT_OUTPUT,     /* what RUN's command wrote: data, len */
  PIER_BUILD_EVENT_CACHED,     /* the step comes from the cache */
  PIER_BUILD_EVENT_STEP_DONE,  /* id: the layer's diff_id, NULL for none; seconds. For FROM,
                                  text says what the base is ("image", "stage" or "scratch")
                                  and id is the image's id or the stage's cache key */
  PIER_BUILD_EVENT_DONE,       /* id: the image's id; text: the names it got, one a line */
} PierBuildEventType;

typedef struct {
  PierBuildEventType type;
  guint step;
  guint n_steps;
  const char *text;
  const char *id;
  const char *data;
  gsize len;
  double seconds;
} PierBuildEvent;

/* Called in the thread that called pier_build(). */
typedef void (*PierBuildProgressFunc) (const PierBuildEvent *event, gpointer user_data);

/* Docker's classic builder output for @event ("Step 3/4 : COPY app /app\n", " ---> Using
 * cache\n", ...), or "" for events it prints nothing for. */
char *pier_build_event_to_text (const PierBuildEvent *event);

/* Errors are "FILE:LINE: message" for a Dockerfile that does not parse, and "FILE:LINE: step
 * N/M: INSTRUCTION: what failed" for a step, e.g. "the command returned a non-zero code: 2"
 * (its output went to @progress). Cancelling (a RUN's container is killed) fails the build
 * with PIER_ERROR_CANCELLED. */
PierImage *pier_build (PierStore *store, const PierBuildOptions *options,
                       PierBuildProgressFunc progress, gpointer progress_data,
                       GCancellable *cancellable, GError **error);

G_END_DECLS
