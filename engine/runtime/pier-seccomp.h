/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-seccomp-profile.h"

#include <linux/filter.h>

G_BEGIN_DECLS

/* A seccomp profile compiled (by libseccomp) into the BPF program a container's processes get,
 * before they are cloned: between clone and exec the child only hands the ready program to
 * seccomp(2), after no_new_privs.
 *
 * The program covers the native architecture and its compatibility ones (on x86_64: i386 and
 * x32), so that a 32-bit system call cannot go around it. Entries are kept or left out for the
 * capabilities the process keeps (includes/excludes caps), the native architecture and the
 * running kernel, as Docker does; names libseccomp does not know are skipped, also as Docker
 * does, so one profile serves several kernels. When the default action refuses, a system call
 * numbered above every one the profile names (newer than the profile) gets ENOSYS, as runc
 * gives it: the C library then falls back to what it used before that call existed. */

typedef struct {
  struct sock_filter *insns;
  guint16 len;
  guint flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
} PierSeccompProgram;

void pier_seccomp_program_free (PierSeccompProgram *program);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSeccompProgram, pier_seccomp_program_free)

/* For a process that keeps the capabilities @caps (a mask of 1 << CAP_*). */
PierSeccompProgram *pier_seccomp_compile (const PierSeccompProfile *profile, guint64 caps,
                                          GError **error);

/* The same through programs kept in @cache_dir (made 0700 if missing; a directory only its
 * owner writes, such as the runtime root), each under a digest of all it depends on: the
 * profile's text, @caps, the kernel's release, the architecture, libseccomp's version and the
 * executable compiling it.
 * Compiling takes tens of milliseconds, a start or an exec should not; a cache that cannot be
 * used only costs that time. */
PierSeccompProgram *pier_seccomp_compile_cached (const PierSeccompProfile *profile, guint64 caps,
                                                 const char *cache_dir, GError **error);

G_END_DECLS
