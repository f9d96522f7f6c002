/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A seccomp profile in Docker's JSON format (what `docker run --security-opt seccomp=FILE`
 * takes, and Podman's too), parsed into plain structs; pier-seccomp.h compiles one. Pier's
 * default profile is one such file, compiled into the engine (seccomp-default.json).
 *
 * Understood: defaultAction, defaultErrnoRet, architectures, archMap, flags, and syscalls[]
 * with name/names, action, errnoRet, args[] (index, value, valueTwo, op), includes/excludes
 * (arches, caps, minKernel) and comment. Unknown keys are ignored, as Docker ignores them;
 * what cannot be done (SCMP_ACT_NOTIFY, which needs a listener) is an error naming the entry. */

typedef struct {
  guint index;     /* 0..5 */
  guint op;        /* enum scmp_compare */
  guint64 value;   /* for SCMP_CMP_MASKED_EQ: the mask */
  guint64 value_two; /* for SCMP_CMP_MASKED_EQ: what the masked argument must equal */
} PierSeccompArg;

typedef struct {
  GStrv arches;    /* Docker's names: "amd64", "x86", "arm64"... */
  GStrv caps;      /* "CAP_SYS_ADMIN"... */
  guint min_kernel_major, min_kernel_minor; /* 0.0: any */
} PierSeccompCondition;

typedef struct {
  char *where;     /* "syscalls[3]", for messages */
  GStrv names;
  guint32 action;  /* libseccomp's SCMP_ACT_*, errno or trace value included */
  PierSeccompArg args[6];
  guint n_args;
  PierSeccompCondition includes; /* all of them must hold */
  PierSeccompCondition excludes; /* any one of them leaves the entry out */
} PierSeccompRule;

typedef struct {
  char *origin;          /* a file's path, or "(Pier's default)" */
  char *digest;          /* SHA-256 of the text it was read from */
  guint32 default_action;
  GStrv architectures;   /* "SCMP_ARCH_X86_64"...; NULL: from arch_map, else the native one */
  GPtrArray *arch_map;   /* GStrv each: an architecture, then its sub-architectures */
  guint flags;           /* SECCOMP_FILTER_FLAG_* */
  GPtrArray *rules;      /* PierSeccompRule* */
} PierSeccompProfile;

void pier_seccomp_profile_free (PierSeccompProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSeccompProfile, pier_seccomp_profile_free)

/* Errors name @origin and the entry: "seccomp profile /p.json: syscalls[2]: unknown action
 * “SCMP_ACT_FOO”". */
PierSeccompProfile *pier_seccomp_profile_parse (const char *data, gsize len, const char *origin,
                                                GError **error);

/* Pier's own. */
PierSeccompProfile *pier_seccomp_profile_default (void);

/* Reads and parses the profile file at @path (at most 1 MiB, a regular file). */
PierSeccompProfile *pier_seccomp_profile_load (const char *path, char **contents,
                                               GError **error);

G_END_DECLS
