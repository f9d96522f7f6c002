/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A profile compiled into a BPF program with libseccomp, and runc's ENOSYS prologue in front. */
#include "pier-seccomp.h"

#include "pier-caps.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Docker's names of the architectures, which the profiles' includes and excludes use. */
static const struct {
  guint32 token;
  const char *names[3];
} arch_names[] = {
  { SCMP_ARCH_X86_64, { "amd64", "x86_64" } },
  { SCMP_ARCH_X86, { "x86", "386", "i386" } },
  { SCMP_ARCH_X32, { "x32" } },
  { SCMP_ARCH_AARCH64, { "arm64", "aarch64" } },
  { SCMP_ARCH_ARM, { "arm" } },
  { SCMP_ARCH_PPC64LE, { "ppc64le" } },
  { SCMP_ARCH_S390X, { "s390x" } },
  { SCMP_ARCH_S390, { "s390" } },
  { SCMP_ARCH_RISCV64, { "riscv64" } },
};

void
pier_seccomp_program_free (PierSeccompProgram *program)
{
  if (program == NULL)
    return;
  g_free (program->insns);
  g_free (program);
}

typedef struct {
  guint32 native;
  guint64 caps;
  guint kernel_major, kernel_minor;
} Target;

static gboolean
is_native (const Target *t, const char *const *arches)
{
  for (gsize i = 0; i < G_N_ELEMENTS (arch_names); i++)
    if (arch_names[i].token == t->native)
      for (gsize n = 0; n < G_N_ELEMENTS (arch_names[i].names) && arch_names[i].names[n]; n++)
        if (g_strv_contains (arches, arch_names[i].names[n]))
          return TRUE;
  return FALSE;
}

static gboolean
holds_cap (const Target *t, const char *name)
{
  int cap = pier_caps_from_name (name);

  return cap >= 0 && (t->caps & (G_GUINT64_CONSTANT (1) << cap));
}

static gboolean
kernel_at_least (const Target *t, const PierSeccompCondition *c)
{
  return t->kernel_major > c->min_kernel_major
         || (t->kernel_major == c->min_kernel_major && t->kernel_minor >= c->min_kernel_minor);
}

/* Docker's rule: every include must hold, and no exclude. */
static gboolean
rule_applies (const Target *t, const PierSeccompRule *rule)
{
  const PierSeccompCondition *in = &rule->includes, *ex = &rule->excludes;

  if (in->arches && !is_native (t, (const char *const *) in->arches))
    return FALSE;
  for (char **cap = in->caps; cap && *cap; cap++)
    if (!holds_cap (t, *cap))
      return FALSE;
  if ((in->min_kernel_major || in->min_kernel_minor) && !kernel_at_least (t, in))
    return FALSE;
  if (ex->arches && is_native (t, (const char *const *) ex->arches))
    return FALSE;
  for (char **cap = ex->caps; cap && *cap; cap++)
    if (holds_cap (t, *cap))
      return FALSE;
  if ((ex->min_kernel_major || ex->min_kernel_minor) && kernel_at_least (t, ex))
    return FALSE;
  return TRUE;
}

static guint32
arch_token (const PierSeccompProfile *profile, const char *name, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (g_str_has_prefix (name, "SCMP_ARCH_")
                                                ? name + strlen ("SCMP_ARCH_")
                                                : name,
                                            -1);
  guint32 token = seccomp_arch_resolve_name (lower);

  if (token == 0)
    g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("seccomp profile %s: unknown architecture “%s”"), profile->origin, name);
  return token;
}

/* The architectures the filter covers: those listed, else the native one's entry of the map,
 * else the native one alone. */
static GArray *
filter_arches (const PierSeccompProfile *profile, guint32 native, GError **error)
{
  g_autoptr (GArray) arches = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *const *names = (const char *const *) profile->architectures;

  for (guint i = 0; names == NULL && i < profile->arch_map->len; i++)
    {
      const char *const *entry = profile->arch_map->pdata[i];
      g_autoptr (GError) local_error = NULL;
      if (arch_token (profile, entry[0], &local_error) == native)
        names = entry;
    }
  g_array_append_val (arches, native);
  for (gsize i = 0; names && names[i]; i++)
    {
      guint32 token = arch_token (profile, names[i], error);
      if (token == 0)
        return NULL;
      if (token != native)
        g_array_append_val (arches, token);
    }
  return g_steal_pointer (&arches);
}

static gboolean
args_share_an_index (const PierSeccompRule *rule)
{
  for (guint i = 0; i < rule->n_args; i++)
    for (guint j = i + 1; j < rule->n_args; j++)
      if (rule->args[i].index == rule->args[j].index)
        return TRUE;
  return FALSE;
}

static gboolean
add_rule (scmp_filter_ctx ctx, const PierSeccompProfile *profile, const PierSeccompRule *rule,
          const char *name, int nr, GError **error)
{
  struct scmp_arg_cmp cmps[G_N_ELEMENTS (rule->args)];
  int rc = 0;

  for (guint i = 0; i < rule->n_args; i++)
    cmps[i] = (struct scmp_arg_cmp){ .arg = rule->args[i].index,
                                     .op = (enum scmp_compare) rule->args[i].op,
                                     .datum_a = rule->args[i].value,
                                     .datum_b = rule->args[i].value_two };
  /* libseccomp takes one comparison per argument in a rule: several on one argument mean any
   * of them (runc's reading), so each becomes a rule of its own. */
  if (args_share_an_index (rule))
    for (guint i = 0; i < rule->n_args && rc == 0; i++)
      rc = seccomp_rule_add_array (ctx, rule->action, nr, 1, &cmps[i]);
  else
    rc = seccomp_rule_add_array (ctx, rule->action, nr, rule->n_args, cmps);
  if (rc < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("seccomp profile %s: %s: the rule for %s: %s"), profile->origin, rule->where,
                   name, g_strerror (-rc));
      return FALSE;
    }
  return TRUE;
}

/* libseccomp writes the program to a descriptor only. */
static gboolean
export_program (scmp_filter_ctx ctx, GByteArray *out, GError **error)
{
  pier_autofd int fd = memfd_create ("pier-seccomp", MFD_CLOEXEC);
  g_autofree char *data = NULL;
  gsize len;
  int rc;

  if (fd < 0)
    return pier_set_errno (error, errno, _("creating a buffer for the seccomp program"));
  rc = seccomp_export_bpf (ctx, fd);
  if (rc < 0)
    return pier_set_errno (error, -rc, _("compiling the seccomp profile"));
  if (lseek (fd, 0, SEEK_SET) < 0
      || !pier_fs_read_fd (fd, BPF_MAXINSNS * sizeof (struct sock_filter), &data, &len, error))
    return pier_set_errno (error, errno, _("reading the seccomp program back"));
  g_byte_array_append (out, (const guint8 *) data, (guint) len);
  return TRUE;
}

/* The range of numbers, as the kernel reports them, that are an architecture's system calls:
 * x32's share x86_64's audit architecture and are told apart by a bit of their number. */
typedef struct {
  guint32 audit_arch, nr_low, nr_high, max;
} Range;

static Range
range_of (guint32 token, int max)
{
  const guint32 x32_bit = 0x40000000;

  if (token == SCMP_ARCH_X32)
    return (Range){ AUDIT_ARCH_X86_64, x32_bit, G_MAXUINT32, (guint32) max };
  if (token == SCMP_ARCH_X86_64)
    return (Range){ AUDIT_ARCH_X86_64, 0, x32_bit - 1, (guint32) max };
  return (Range){ token, 0, G_MAXUINT32, (guint32) max };
}

/* Per range: is it this architecture, is the number in its range, is it above the newest the
 * profile names; then ENOSYS, else on to the libseccomp program. */
static void
prepend_enosys (GByteArray *program, const Range *ranges, guint n)
{
  g_autoptr (GArray) insns = g_array_new (FALSE, FALSE, sizeof (struct sock_filter));

  for (guint i = 0; i < n; i++)
    {
      const guint8 to_enosys = (guint8) (6 * (n - i) - 5);
      struct sock_filter entry[] = {
        BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
        BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, ranges[i].audit_arch, 0, 4),
        BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
        BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, ranges[i].nr_low, 0, 2),
        BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, ranges[i].nr_high, 1, 0),
        BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, ranges[i].max, to_enosys, 0),
      };
      g_array_append_vals (insns, entry, G_N_ELEMENTS (entry));
    }
  {
    struct sock_filter tail[] = {
      BPF_JUMP (BPF_JMP | BPF_JA, 1, 0, 0),
      BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    };
    g_array_append_vals (insns, tail, G_N_ELEMENTS (tail));
  }
  g_byte_array_prepend (program, (const guint8 *) insns->data,
                        insns->len * sizeof (struct sock_filter));
}

static void
read_kernel_version (Target *t)
{
  struct utsname u;

  if (uname (&u) < 0 || sscanf (u.release, "%u.%u", &t->kernel_major, &t->kernel_minor) != 2)
    t->kernel_major = t->kernel_minor = 0;
}

static void
release_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx != NULL)
    seccomp_release (*ctx);
}

PierSeccompProgram *
pier_seccomp_compile (const PierSeccompProfile *profile, guint64 caps, GError **error)
{
  Target t = { .native = seccomp_arch_native (), .caps = caps };
  __attribute__ ((cleanup (release_ctx))) scmp_filter_ctx ctx = NULL;
  g_autoptr (GArray) arches = NULL;
  g_autoptr (GByteArray) program = g_byte_array_new ();
  g_autofree int *max = NULL;
  PierSeccompProgram *out;

  read_kernel_version (&t);
  arches = filter_arches (profile, t.native, error);
  if (arches == NULL)
    return NULL;
  ctx = seccomp_init (profile->default_action);
  if (ctx == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("seccomp profile %s: the default action is not one libseccomp takes"),
                   profile->origin);
      return NULL;
    }
  for (guint i = 1; i < arches->len; i++)
    {
      int rc = seccomp_arch_add (ctx, g_array_index (arches, guint32, i));
      if (rc < 0 && rc != -EEXIST)
        {
          pier_set_errno (error, -rc, _("seccomp profile %s: adding an architecture"),
                          profile->origin);
          return NULL;
        }
    }
  /* A binary search on the number rather than a walk through hundreds of comparisons. */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  max = g_new (int, arches->len);
  for (guint a = 0; a < arches->len; a++)
    max[a] = -1;
  for (guint i = 0; i < profile->rules->len; i++)
    {
      const PierSeccompRule *rule = profile->rules->pdata[i];

      if (!rule_applies (&t, rule))
        continue;
      for (char **name = rule->names; *name; name++)
        {
          int nr = seccomp_syscall_resolve_name (*name);

          for (guint a = 0; a < arches->len; a++)
            max[a] = MAX (max[a], seccomp_syscall_resolve_name_arch (
                                      g_array_index (arches, guint32, a), *name));
          /* Unknown to libseccomp (newer than it, or another architecture's): skipped, as
           * Docker skips it. The default already applies to what equals it. */
          if (nr == __NR_SCMP_ERROR || rule->action == profile->default_action)
            continue;
          if (!add_rule (ctx, profile, rule, *name, nr, error))
            return NULL;
        }
    }

  if (!export_program (ctx, program, error))
    return NULL;
  if (profile->default_action != SCMP_ACT_ALLOW && profile->default_action != SCMP_ACT_LOG)
    {
      g_autofree Range *ranges = g_new (Range, arches->len);
      guint n = 0;

      for (guint a = 0; a < arches->len; a++)
        if (max[a] >= 0)
          ranges[n++] = range_of (g_array_index (arches, guint32, a), max[a]);
      prepend_enosys (program, ranges, n);
    }
  if (program->len / sizeof (struct sock_filter) > BPF_MAXINSNS)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("seccomp profile %s: the program is longer than the kernel's %d "
                     "instructions"), profile->origin, BPF_MAXINSNS);
      return NULL;
    }
  out = g_new0 (PierSeccompProgram, 1);
  out->len = (guint16) (program->len / sizeof (struct sock_filter));
  out->flags = profile->flags;
  out->insns = (struct sock_filter *) g_byte_array_free (g_steal_pointer (&program), FALSE);
  return out;
}

static char *
cache_key (const PierSeccompProfile *profile, guint64 caps)
{
  const struct scmp_version *v = seccomp_version ();
  struct utsname u;
  struct stat self;
  g_autofree char *text = NULL;

  /* This executable's identity stands for the compiler's own code: a rebuilt or upgraded Pier
   * never takes an older one's program. */
  if (uname (&u) < 0 || stat ("/proc/self/exe", &self) < 0)
    return NULL;
  text = g_strdup_printf ("%s %" G_GINT64_MODIFIER "x %s %s %u.%u.%u %" G_GUINT64_FORMAT
                          " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                          profile->digest, caps, u.release, u.machine, v->major, v->minor,
                          v->micro, (guint64) self.st_dev, (guint64) self.st_ino,
                          (gint64) self.st_size, (gint64) self.st_mtime);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

PierSeccompProgram *
pier_seccomp_compile_cached (const PierSeccompProfile *profile, guint64 caps,
                             const char *cache_dir, GError **error)
{
  g_autofree char *key = cache_key (profile, caps);
  g_autofree char *data = NULL;
  pier_autofd int dir = -1;
  PierSeccompProgram *program;
  gsize len = 0;

  if (key != NULL && pier_fs_mkdir_p (cache_dir, 0700, NULL))
    dir = pier_fs_open_dir_at (AT_FDCWD, cache_dir, NULL);
  if (dir >= 0
      && pier_fs_read_all_at (dir, key, BPF_MAXINSNS * sizeof (struct sock_filter), &data, &len,
                              NULL)
      && len > 0 && len % sizeof (struct sock_filter) == 0)
    {
      program = g_new0 (PierSeccompProgram, 1);
      program->len = (guint16) (len / sizeof (struct sock_filter));
      program->flags = profile->flags;
      program->insns = (struct sock_filter *) g_steal_pointer (&data);
      g_debug ("seccomp profile %s: the compiled program cached in %s/%s", profile->digest,
               cache_dir, key);
      return program;
    }
  g_debug ("seccomp profile %s: compiling it (not in the cache %s)", profile->digest, cache_dir);
  program = pier_seccomp_compile (profile, caps, error);
  if (program != NULL && dir >= 0)
    pier_fs_replace_at (dir, key, program->insns, program->len * sizeof (struct sock_filter),
                        0600, FALSE, NULL);
  return program;
}
