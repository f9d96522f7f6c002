/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"

G_BEGIN_DECLS

/* Shared by the container files (records, listing, life); not for front ends. */

/* ROOT/containers/<id>/RUN_HOLD_NAME exists while a `run` owns the container, which holds an
 * flock on it (see pier_store_run_container()): present but not locked, that run died. */
#define PIER_CONTAINER_RUN_HOLD "run.lock"

/* The record of @id: NULL with PIER_ERROR_NOT_FOUND when there is none (a container half made
 * or half removed is none); a broken container when it cannot be read. */
PierContainer *pier_container_read_record (PierStore *store, const char *id, GError **error);
/* The monitor's state into @container; a state that cannot be read makes it broken. */
void pier_container_update_state (PierStore *store, PierContainer *container);

/* The container id holding the claim @name of @kind (".names"), or NULL. */
char *pier_container_claim_holder (PierStore *store, const char *kind, const char *name);

/* Creates a container as pier_store_create_container(); with @held, owned by this process
 * through PierContainer.run_hold_fd from before its record exists. */
PierContainer *pier_container_create (PierStore *store, const PierContainerOptions *options,
                                      gboolean held, GError **error);

G_END_DECLS
