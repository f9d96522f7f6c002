/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pier's content addresses are "sha256:" followed by 64 lowercase hex digits. */
#define PIER_DIGEST_PREFIX "sha256:"
#define PIER_DIGEST_HEX_LEN 64
#define PIER_DIGEST_LEN (sizeof PIER_DIGEST_PREFIX - 1 + PIER_DIGEST_HEX_LEN)

typedef struct _PierHasher PierHasher;

/* Incremental SHA-256: GLib's for up to 64 KiB, which spares small reads loading libcrypto;
 * OpenSSL's beyond, several times faster than GChecksum's on hardware with SHA extensions
 * (hashing is on the path of every blob read and write). */
PierHasher *pier_hasher_new (void);
void pier_hasher_update (PierHasher *hasher, const void *data, gsize len);
/* Returns "sha256:<hex>"; the hasher may not be updated afterwards. */
char *pier_hasher_finish (PierHasher *hasher);
void pier_hasher_free (PierHasher *hasher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierHasher, pier_hasher_free)

char *pier_digest_data (const void *data, gsize len);

gboolean pier_digest_is_valid (const char *digest);
gboolean pier_digest_validate (const char *digest, GError **error);
/* The hex part of a valid digest (a pointer into @digest). */
const char *pier_digest_hex (const char *digest);
/* Docker's short id: the first 12 hex digits. */
char *pier_digest_short (const char *digest);

G_END_DECLS
