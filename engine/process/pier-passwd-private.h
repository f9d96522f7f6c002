/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Names for numeric ids, from a passwd(5) or group(5) file (both keep the id in the third
 * field). Immutable once parsed and shared by reference, so a process snapshot can point at
 * names while the scanner moves on. */
typedef struct _PierIdNames PierIdNames;

/* Lines that are not NAME:X:ID:... (comments, NIS "+" entries, bad ids) are skipped. */
PierIdNames *pier_id_names_parse (const char *data, gsize len);
PierIdNames *pier_id_names_ref (PierIdNames *names);
void pier_id_names_unref (PierIdNames *names);

/* The first name the file gives @id, as getpwuid() answers; NULL when it has none. */
const char *pier_id_names_lookup (const PierIdNames *names, guint32 id);
guint pier_id_names_get_size (const PierIdNames *names);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierIdNames, pier_id_names_unref)

/* Parsed files keyed by their identity, so a 1 Hz refresh costs one stat per file and files
 * shared by many mount namespaces (the host's /etc/passwd) are parsed once. */
typedef struct _PierIdNamesCache PierIdNamesCache;

PierIdNamesCache *pier_id_names_cache_new (void);
void pier_id_names_cache_free (PierIdNamesCache *cache);

/* The names in @path, resolved under @root_dirfd as if it were "/" (a container's symlinks stay
 * in the container). Parsed again only when the file's device, inode, size, mtime or ctime
 * changed. Returns a new reference; PIER_ERROR_NOT_FOUND when the file is absent,
 * PIER_ERROR_INVALID when it is not a regular file or is unreasonably large. */
PierIdNames *pier_id_names_cache_load (PierIdNamesCache *cache, int root_dirfd, const char *path,
                                       GError **error);

/* Forgets the files that no load asked for since the previous sweep. */
void pier_id_names_cache_sweep (PierIdNamesCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierIdNamesCache, pier_id_names_cache_free)

G_END_DECLS
