/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The builder's parts, shared by pier-build*.c alone. */

#include "pier-build-config.h"
#include "pier-build-layer.h"
#include "pier-build.h"
#include "pier-dockerfile.h"
#include "pier-dockerignore-private.h"
#include "pier-layer-pack.h"
#include "pier-merged-tree.h"
#include "pier-pending-layer.h"
#include "pier-uid-ranges.h"

#include <sys/stat.h>

G_BEGIN_DECLS

/* ---- the build ---- */

typedef struct {
  PierStore *store;
  PierBuildOptions options;
  PierDockerfile *df;
  char *dockerfile_name;     /* for messages */
  int context_fd;
  PierDockerignore *ignore;  /* may be NULL */
  PierBuildProgressFunc progress;
  gpointer progress_data;
  GCancellable *cancellable;
  GPtrArray *layers;         /* PierBuildLayer*: every layer a stage holds, owned here */
  GPtrArray *records;        /* PierBuildRecord*: cache records to write on success */
  struct _PierBuildCache *cache;
  struct _PierFileHashes *hashes;
  GPtrArray *stages;         /* PierBuildStage* */
  PierDockerfileScope *scope;
  guint step;
  guint n_steps;
  gboolean rootless;
  PierNetworkMode network;
  guint32 uid_base, uid_count; /* the build containers' ids; count 0 until first needed */
  PierUidClaim *range;         /* their claim, held while the build runs */
} PierBuild;

typedef struct {
  char *name;                /* AS name, or NULL */
  guint index;
  PierImageConfig *config;
  GPtrArray *layers;         /* PierBuildLayer*, bottom first, borrowed from the build */
  char *key;                 /* the cache key of the state so far */
  char *base_name;           /* the image FROM named (for history readback), NULL: scratch */
  guint base_history;        /* history entries that came with the base */
  gint64 base_time;          /* the base image's creation: the time of directories a step
                                makes (a fixed time, so that layers are reproducible) */
  GPtrArray *arg_names;      /* ARGs declared in the stage */
  PierConfigEdit edit;       /* over config, step after step */
  PierDockerfileScope *scope; /* the build's */
} PierBuildStage;

/* Lower dirs of @stage, top first, NULL-terminated. */
GStrv pier_build_stage_lower_dirs (PierBuildStage *stage);
PierMergedTree *pier_build_stage_tree (PierBuild *build, PierBuildStage *stage, GError **error);

void pier_build_emit (PierBuild *build, PierBuildEventType type, const char *text,
                      const char *id, const char *data, gsize len, double seconds);

/* ---- cache ---- */

typedef struct {
  char *key;
  char *created;
  PierDescriptor *layer;  /* NULL for a step without a layer */
  char *diff_id;
} PierBuildRecord;

void pier_build_record_free (PierBuildRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierBuildRecord, pier_build_record_free)

char *pier_build_cache_key (const char *parent, const char *created_by, const char *comment);
/* The records as they were when the build started. */
typedef struct _PierBuildCache PierBuildCache;
PierBuildCache *pier_build_cache_load (PierStore *store);
void pier_build_cache_free (PierBuildCache *cache);
/* The record for @key, when it is there and its layer (if any) still is: blob and unpacked
 * tree. */
PierBuildRecord *pier_build_cache_lookup (PierBuildCache *cache, PierStore *store,
                                          const char *key);
/* Writes @records (PierBuildRecord), under the store lock. */
gboolean pier_build_cache_write (PierStore *store, GPtrArray *records, GError **error);

/* Content hashes of files, remembered by device, inode, size and change times, so that a
 * cached COPY of many megabytes costs a stat per file. */
typedef struct _PierFileHashes PierFileHashes;
PierFileHashes *pier_file_hashes_load (PierStore *store);
/* The SHA-256 of the regular file @name under @dirfd (@st its lstat). */
char *pier_file_hashes_get (PierFileHashes *hashes, int dirfd, const char *name,
                            const struct stat *st, GError **error);
void pier_file_hashes_save (PierFileHashes *hashes, PierStore *store);
void pier_file_hashes_free (PierFileHashes *hashes);

/* ---- the Dockerfile and the context (pier-build-context.c) ---- */

/* Parses the Dockerfile into build->df and its .dockerignore into build->ignore: from the
 * context, resolved inside it, or the file -f names outside it with FILE.dockerignore beside
 * it. */
gboolean pier_build_read_dockerfile (PierBuild *build, GError **error);

/* ---- steps ---- */

/* COPY and ADD, in two halves: the plan finds the sources (context or --from), the
 * destination and a digest of everything copied, which goes into created_by and so into the
 * cache key; executing it writes the layer. */
typedef struct _PierCopyPlan PierCopyPlan;
PierCopyPlan *pier_build_copy_plan (PierBuild *build, PierBuildStage *stage,
                                    const PierInstruction *raw, const PierInstruction *insn,
                                    GError **error);
const char *pier_copy_plan_get_created_by (PierCopyPlan *plan);
PierBuildLayer *pier_build_copy_execute (PierBuild *build, PierBuildStage *stage,
                                         PierCopyPlan *plan, GError **error);
void pier_copy_plan_free (PierCopyPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierCopyPlan, pier_copy_plan_free)

/* WORKDIR's layer: the directory @path (absolute, resolved) and its missing parents. */
PierBuildLayer *pier_build_mkdir_layer (PierBuild *build, PierBuildStage *stage,
                                        const char *path, GError **error);

/* RUN: created_by with the build args the command sees ("|1 V=2 /bin/sh -c make"). */
char *pier_build_run_created_by (PierBuildStage *stage, const PierInstruction *insn);
/* Runs the command in a container of the stage; its sandbox layer becomes the result. */
PierBuildLayer *pier_build_run (PierBuild *build, PierBuildStage *stage,
                                const PierInstruction *insn, GError **error);

G_END_DECLS
