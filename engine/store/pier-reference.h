/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PIER_DEFAULT_DOMAIN "docker.io"
#define PIER_DEFAULT_TAG "latest"

/* An image reference with Docker's rules: "busybox" is docker.io/library/busybox:latest. */
typedef struct {
  char *domain;  /* "docker.io", "localhost:5000", "quay.io" */
  char *path;    /* "library/busybox", "user/app" */
  char *tag;     /* NULL when only a digest was given */
  char *digest;  /* "sha256:…" or NULL */
} PierReference;

/* Parses and normalises @text; a missing tag (and digest) becomes "latest". */
PierReference *pier_reference_parse (const char *text, GError **error);
void pier_reference_free (PierReference *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierReference, pier_reference_free)

/* "docker.io/library/busybox:latest" (the form stored in the index). */
char *pier_reference_to_string (const PierReference *ref);
/* "docker.io/library/busybox" */
char *pier_reference_name (const PierReference *ref);

/* The short form people type and Docker prints: "docker.io/library/busybox:latest" →
 * "busybox:latest", "docker.io/user/app:1" → "user/app:1"; others unchanged. */
char *pier_reference_familiar (const char *normalized);
/* Splits a familiar "name:tag" into repository and tag ("<none>" parts as Docker prints). */
void pier_reference_split_familiar (const char *normalized, char **repository, char **tag);

/* TRUE when @text can only be an image id or a prefix of one (hex, or sha256:hex). */
gboolean pier_reference_looks_like_id (const char *text);

G_END_DECLS
