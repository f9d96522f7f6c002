/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A .dockerignore: which files of a build context the builder leaves out. Semantics are
 * Docker's (moby/patternmatcher): patterns are matched against the whole context-relative path;
 * "*" and "?" never cross "/", "**" crosses any number of directories, "[a-z]" is a class,
 * "\" escapes; a path is excluded when it or one of its parent directories matches, and the
 * last matching pattern wins, so "!pattern" re-includes what an earlier line excluded. */
typedef struct _PierDockerignore PierDockerignore;

/* Reads a .dockerignore file's text: one pattern a line; lines starting with "#" and blank
 * lines are skipped; surrounding whitespace, a leading "/" or "./", doubled slashes and ".."
 * steps are cleaned away. Errors (PIER_ERROR_INVALID) are ".dockerignore:LINE: message". */
PierDockerignore *pier_dockerignore_parse (const char *data, gsize length, GError **error);

/* From patterns already split into a NULL-terminated list (e.g. given on a command line). */
PierDockerignore *pier_dockerignore_new (const char *const *patterns, GError **error);

void pier_dockerignore_free (PierDockerignore *ignore);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerignore, pier_dockerignore_free)

/* TRUE when @path ("/"-separated, relative to the context root; "./" and a leading "/" are
 * accepted) is left out of the context. The root itself is never excluded. */
gboolean pier_dockerignore_matches (const PierDockerignore *ignore, const char *path);

/* TRUE when some pattern starts with "!": an excluded directory may then still hold included
 * files, so a walker must not skip the whole directory. */
gboolean pier_dockerignore_has_exclusions (const PierDockerignore *ignore);

/* The cleaned patterns in file order, "!" kept; NULL-terminated, owned by @ignore. */
const char *const *pier_dockerignore_get_patterns (const PierDockerignore *ignore);

G_END_DECLS
