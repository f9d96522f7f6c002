/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each container run as root gets ids of its own: root inside is an unprivileged id on the host
 * (as Podman's --userns=auto). The ranges come from the entry for the user "containers" in
 * /etc/subuid and /etc/subgid, which Pier reserves on first use when it is absent (above every
 * range already there), so that no other user's subordinate ids are ever handed out.
 *
 * The pool is the host's, so the claims on it are too: one directory for every store on the
 * host (two stores at once must never give their containers the same ids). Rootless Pier claims
 * nothing: its containers map the user's own namespace one to one. */

#define PIER_UID_RANGE_SIZE 65536
#define PIER_SUBID_USER "containers"
#define PIER_UID_CLAIMS_DIR "/var/lib/pier-id-ranges"

/* The ranges that may be handed out: the "containers" entry, less any other entry that
 * overlaps it (an administrator's usermod --add-subuids can land inside it). */
typedef struct _PierUidPool PierUidPool;

/* The reserved entry, reserving it if needed (with @subuid_path/@subgid_path NULL: /etc's). */
PierUidPool *pier_uid_pool_load (const char *subuid_path, const char *subgid_path,
                                 GError **error);
void pier_uid_pool_free (PierUidPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierUidPool, pier_uid_pool_free)

/* A claim is a file named after its range's base under the claims directory, created with
 * O_EXCL (so two processes never get the same range) and holding its keeper. It is live while
 * its file is flock()ed (by the process holding it, see PierUidClaim) or while the directory
 * its keeper names exists (a container's); any other claim is a dead claimant's, and the next
 * claim takes it over. Claims and releases take turns under a flock on the directory. */

/* Claims the first free range for @keeper_dir, an absolute path: the claim lives as long as
 * that directory, which must exist already. With @claims_fd -1 and @pool NULL (here and below),
 * the host's: PIER_UID_CLAIMS_DIR and /etc's pool. */
gboolean pier_uid_ranges_claim (int claims_fd, const PierUidPool *pool, const char *keeper_dir,
                                gboolean durable, guint32 *base, guint32 *count, GError **error);
/* The base of the range @keeper_dir holds, for a container whose record cannot say: a look
 * through every claim. FALSE when it holds none. */
gboolean pier_uid_ranges_find (int claims_fd, const char *keeper_dir, guint32 *base);
/* Gives back @base if @keeper_dir holds it. */
void pier_uid_ranges_release (int claims_fd, guint32 base, const char *keeper_dir);

/* A claim held by this process (a build's): released by pier_uid_claim_free(), or by the
 * process's death however it ends. */
typedef struct {
  guint32 base, count;
  int claims_fd; /* private */
  int fd;        /* private: the flock()ed claim */
  char *keeper;  /* private */
} PierUidClaim;

PierUidClaim *pier_uid_ranges_claim_held (int claims_fd, const PierUidPool *pool,
                                          GError **error);
void pier_uid_claim_free (PierUidClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierUidClaim, pier_uid_claim_free)

G_END_DECLS
