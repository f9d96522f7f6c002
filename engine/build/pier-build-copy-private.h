/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-build-private.h"
#include "pier-dockerignore-private.h"
#include "pier-merged-tree.h"

#include <sys/stat.h>

G_BEGIN_DECLS

/* COPY, ADD and WORKDIR's plan: what the layer will hold, item by item, made by
 * pier-build-copy.c from the sources pier-build-copy-sources.c reads (the build context or
 * --from's tree), and staged by pier-build-copy-stage.c. */

typedef enum {
  PIER_COPY_ITEM_DIR,
  PIER_COPY_ITEM_FILE,
  PIER_COPY_ITEM_SYMLINK,
  PIER_COPY_ITEM_DATA,    /* a heredoc */
  PIER_COPY_ITEM_ARCHIVE, /* ADD of a local tar: extracted into dest */
} PierCopyItemType;

typedef struct {
  PierCopyItemType type;
  char *dest;        /* relative to the layer's root */
  guint root;        /* index in plan->roots */
  char *src;         /* relative to that root, no symlinks on the way */
  mode_t mode;
  guint32 uid, gid;
  gint64 mtime_sec, mtime_nsec;
  guint64 size;
  char *target;      /* symlink */
  GBytes *data;      /* heredoc */
  char *digest;      /* content */
} PierCopyItem;

struct _PierCopyPlan {
  GPtrArray *items;
  GArray *roots;          /* int fds: [0] the context, then the --from layers, top first */
  GPtrArray *root_dirs;   /* the --from layers' paths */
  char *dest_dir;         /* resolved, relative: created as a directory */
  gboolean dest_owned;    /* dest_dir is the destination itself (--chown's if new) */
  gboolean chown;
  guint32 uid, gid;
  char *created_by;
  PierMergedTree *from_tree;
};

typedef struct {
  PierBuild *build;
  PierCopyPlan *plan;
  PierDockerignore *exclude;  /* --exclude */
  gboolean chmod_set;
  mode_t chmod;
  const char *keyword;
  const char *dest_top;       /* where the directory being walked goes */
} PierCopyPlanner;

void pier_copy_item_free (PierCopyItem *item);
/* @a/@b, either of which may be empty. */
char *pier_copy_join (const char *a, const char *b);
/* Whether @s holds an unescaped *, ? or [. */
gboolean pier_copy_has_wildcards (const char *s);
/* One source of the context (wildcards already expanded): a file to @dest_file when given,
 * else into @dest_dir. */
gboolean pier_copy_plan_context_source (PierCopyPlanner *pl, const char *src, const char *dest_dir,
                                        const char *dest_file, GError **error);
/* Wildcards, matched a component at a time as Go's filepath.Match does ("*" never crosses
 * "/"); ignored entries never match. */
gboolean pier_copy_expand_context_wildcards (PierCopyPlanner *pl, const char *pattern,
                                             GPtrArray *out, GError **error);
/* One source of --from's tree, as pier_copy_plan_context_source() does for the context. */
gboolean pier_copy_plan_from_source (PierCopyPlanner *pl, const char *src, const char *dest_dir,
                                     const char *dest_file, GError **error);
/* Wildcards of a --from source, in its last component only. */
gboolean pier_copy_expand_from_wildcards (PierCopyPlanner *pl, const char *pattern, GPtrArray *out,
                                          GError **error);
/* The layers of --from: an earlier stage, or an image of the store. */
gboolean pier_copy_open_from (PierBuild *build, PierBuildStage *stage, const char *from,
                              PierCopyPlan *plan, GError **error);
/* Does the single source @src fill the destination as a directory: a directory, or for ADD
 * an archive to extract? */
gboolean pier_copy_source_fills_dir (PierCopyPlanner *pl, const char *src, gboolean *fills,
                                     GError **error);

G_END_DECLS
