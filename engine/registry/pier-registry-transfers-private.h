/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-registry-client.h"

G_BEGIN_DECLS

/* The blob transfers of one pull or push: jobs run on a bounded number of threads while the
 * calling thread waits and reports progress; the first failure cancels the rest. */
typedef struct _PierRegistryTransfers PierRegistryTransfers;

typedef gboolean (*PierRegistryJob) (PierRegistryTransfers *transfers, guint blob,
                                     gpointer job_data, GCancellable *cancellable,
                                     GError **error);

PierRegistryTransfers *pier_registry_transfers_new (const char *reference, guint max_parallel,
                                                    PierRegistryProgressFunc progress,
                                                    gpointer progress_data,
                                                    GCancellable *cancellable);
void pier_registry_transfers_free (PierRegistryTransfers *transfers);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryTransfers, pier_registry_transfers_free)

/* Lists a blob for the progress reports; returns its number. */
guint pier_registry_transfers_add (PierRegistryTransfers *transfers, const char *digest,
                                   guint64 size, gboolean is_config);
/* Reports at once (from the calling thread). */
void pier_registry_transfers_set_stage (PierRegistryTransfers *transfers,
                                        PierRegistryStage stage);
/* From any thread. */
void pier_registry_transfers_set_state (PierRegistryTransfers *transfers, guint blob,
                                        PierRegistryBlobState state, const char *mounted_from);
void pier_registry_transfers_add_bytes (PierRegistryTransfers *transfers, guint blob,
                                        guint64 n);

void pier_registry_transfers_queue (PierRegistryTransfers *transfers, guint blob,
                                    PierRegistryJob job, gpointer job_data);
/* Runs the queued jobs and returns when all have ended: TRUE when all succeeded; otherwise
 * the first failure (cancellation when the caller's cancellable fired). */
gboolean pier_registry_transfers_run (PierRegistryTransfers *transfers, GError **error);

G_END_DECLS
