#pragma once

/* The builder's parts, shared by pier-build*.c and the container changes (commit). */

#include "pier-build.h"
#include "pier-dockerfile.h"
#include "pier-dockerignore.h"
#include "pier-layer-pack.h"
#include "pier-merged-tree.h"
#include "pier-pending-layer.h"
#include "pier-uid-ranges.h"

#include <sys/stat.h>

G_BEGIN_DECLS

/* ---- layers ---- */

/* A layer of a stage: in the store already (a base image's, a cache hit), or made by this
 * build and waiting in the work directory (pending) until the build commits. */
typedef struct {
  PierDescriptor *descriptor;
  char *diff_id;
  char *dir;                 /* its unpacked tree, for lower_dirs and merged reads */
  PierPendingBlob *pending;  /* NULL once in the store */
} PierBuildLayer;

void pier_build_layer_free (PierBuildLayer *layer);

/* A layer of the store (present or not: a hit checks). */
PierBuildLayer *pier_build_layer_new_stored (PierStore *store, const PierDescriptor *descriptor,
                                             const char *diff_id);

/* Packs the tree under @dirfd (pier_layer_pack with @options) into a pending blob, unpacking it
 * into the work directory on the way, so that a sandbox layer becomes a layer of the store's
 * own form (owners shifted back, whiteouts as the store keeps them). */
PierPendingBlob *pier_build_pack_to_pending (PierStore *store, int dirfd,
                                             const PierPackOptions *options,
                                             GCancellable *cancellable, GError **error);

/* A layer from a tree the builder wrote itself, WORK_NAME/diff under the store's work fd:
 * packed into a blob; the tree stays where it is and becomes the layer's directory. */
PierBuildLayer *pier_build_layer_new_staged (PierStore *store, const char *work_name,
                                             GCancellable *cancellable, GError **error);

/* A layer from a pending blob (pier_build_pack_to_pending), which it takes. */
PierBuildLayer *pier_build_layer_new_pending (PierStore *store, PierPendingBlob *pending,
                                              GError **error);

/* The store's work directory as a path (lower_dirs need paths). */
char *pier_build_work_path (PierStore *store, GError **error);

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

/* One of a configuration's lists, indexed while instructions change it, so that each ENV,
 * EXPOSE, VOLUME or ONBUILD costs the same however many came before (Dockerfiles of
 * thousands of them exist). */
typedef struct {
  GHashTable *index;         /* key → position; NULL until the first change */
  guint len, alloc;          /* entries and allocated slots of the list */
} PierStrvIndex;

/* What applying instructions to one configuration keeps between them. */
typedef struct {
  gboolean cmd_set;          /* CMD set here (ENTRYPOINT clears only an inherited one) */
  PierStrvIndex env, exposed_ports, volumes, on_build;
} PierConfigEdit;

void pier_config_edit_clear (PierConfigEdit *edit);

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

/* ---- instructions: text, history, configuration ---- */

/* @insn (expanded) as a Dockerfile line that rebuilds it: heredocs included, values quoted
 * where needed. @arg_values: for ARG, the value each name ends up with (NULL: none). */
char *pier_build_instruction_text (const PierInstruction *insn, const char *const *arg_values);

/* Docker's classic created_by for a step that changes only the configuration:
 * "/bin/sh -c #(nop)  CMD [\"sh\"]". @config: after the step. */
char *pier_build_nop_created_by (const PierInstruction *insn, const char *text,
                                 const PierImageConfig *config);

/* Applies ENV LABEL EXPOSE VOLUME USER WORKDIR CMD ENTRYPOINT SHELL STOPSIGNAL HEALTHCHECK
 * ONBUILD MAINTAINER (ARG changes nothing) to @config. @edit: the same one for every
 * instruction applied to @config (zeroed at first; cmd_set TRUE to keep an inherited CMD from
 * ENTRYPOINT), cleared once done; nothing else may change @config's lists meanwhile. */
gboolean pier_build_apply_config (PierImageConfig *config, const PierInstruction *insn,
                                  PierConfigEdit *edit, GError **error);

/* A history entry. */
PierHistoryEntry *pier_build_history_entry (const char *created, const char *created_by,
                                            const char *comment, const char *author,
                                            gboolean empty_layer);

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
