/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Docker's seccomp profile format, read into PierSeccompProfile. jansson stays in this file. */
#include "pier-seccomp-profile.h"

#include "pier-engine-resources.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_PROFILE_RESOURCE "/org/pier/engine/seccomp-default.json"
#define MAX_PROFILE_SIZE (1 << 20)

static void
rule_free (PierSeccompRule *rule)
{
  g_free (rule->where);
  g_strfreev (rule->names);
  g_strfreev (rule->includes.arches);
  g_strfreev (rule->includes.caps);
  g_strfreev (rule->excludes.arches);
  g_strfreev (rule->excludes.caps);
  g_free (rule);
}

void
pier_seccomp_profile_free (PierSeccompProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->origin);
  g_free (profile->digest);
  g_strfreev (profile->architectures);
  g_clear_pointer (&profile->arch_map, g_ptr_array_unref);
  g_clear_pointer (&profile->rules, g_ptr_array_unref);
  g_free (profile);
}

typedef struct {
  const char *origin;
  GError **error;
} Parser;

static gboolean G_GNUC_PRINTF (3, 4)
fail (Parser *p, const char *where, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (p->error, PIER_ERROR, PIER_ERROR_INVALID, _("seccomp profile %s: %s%s%s"), p->origin,
               where ? where : "", where ? ": " : "", message);
  return FALSE;
}

/* A list of strings (a lone string counts as a list of one); NULL for null or absent. */
static gboolean
get_strv (Parser *p, const char *where, json_t *obj, const char *key, GStrv *out)
{
  json_t *v = json_object_get (obj, key);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  json_t *item;
  size_t i;

  *out = NULL;
  if (v == NULL || json_is_null (v))
    return TRUE;
  if (json_is_string (v))
    {
      g_strv_builder_add (b, json_string_value (v));
      *out = g_strv_builder_end (b);
      return TRUE;
    }
  if (!json_is_array (v))
    return fail (p, where, _("“%s” is not a list of strings"), key);
  json_array_foreach (v, i, item)
    {
      if (!json_is_string (item))
        return fail (p, where, _("“%s”[%zu] is not a string"), key, i);
      g_strv_builder_add (b, json_string_value (item));
    }
  *out = g_strv_builder_end (b);
  return TRUE;
}

static gboolean
get_uint (Parser *p, const char *where, json_t *obj, const char *key, guint64 max,
          gboolean *present, guint64 *out)
{
  json_t *v = json_object_get (obj, key);

  *present = v != NULL && !json_is_null (v);
  *out = 0;
  if (!*present)
    return TRUE;
  /* jansson reads integers as signed 64 bits: enough for the 32-bit values filters compare. */
  if (!json_is_integer (v) || json_integer_value (v) < 0
      || (guint64) json_integer_value (v) > max)
    return fail (p, where, _("“%s” is not a whole number from 0 to %" PRIu64), key, max);
  *out = (guint64) json_integer_value (v);
  return TRUE;
}

/* SCMP_ACT_ERRNO and SCMP_ACT_TRACE take @ret (EPERM for an errno when none is given). */
static gboolean
parse_action (Parser *p, const char *where, const char *name, gboolean has_ret, guint64 ret,
              guint32 *out)
{
  static const struct {
    const char *name;
    guint32 action;
  } simple[] = {
    { "SCMP_ACT_KILL", SCMP_ACT_KILL },
    { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
    { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
    { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
    { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  };

  if (name == NULL)
    return fail (p, where, _("no action"));
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    {
      *out = SCMP_ACT_ERRNO ((guint32) (has_ret ? ret : EPERM));
      return TRUE;
    }
  if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    {
      *out = SCMP_ACT_TRACE ((guint32) ret);
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (simple); i++)
    if (strcmp (name, simple[i].name) == 0)
      {
        *out = simple[i].action;
        return TRUE;
      }
  if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    return fail (p, where, _("action “%s” is not supported: Pier has no seccomp listener"), name);
  return fail (p, where, _("unknown action “%s”"), name);
}

static gboolean
parse_op (Parser *p, const char *where, const char *name, guint *out)
{
  static const struct {
    const char *name;
    guint op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (ops); i++)
    if (strcmp (name, ops[i].name) == 0)
      {
        *out = ops[i].op;
        return TRUE;
      }
  return fail (p, where, _("unknown comparison “%s”"), name ? name : "(none)");
}

static gboolean
parse_condition (Parser *p, const char *where, json_t *obj, const char *key,
                 PierSeccompCondition *out)
{
  json_t *v = json_object_get (obj, key);
  g_autofree char *here = g_strdup_printf ("%s.%s", where, key);
  json_t *kernel;

  if (v == NULL || json_is_null (v))
    return TRUE;
  if (!json_is_object (v))
    return fail (p, here, _("not an object"));
  if (!get_strv (p, here, v, "arches", &out->arches) || !get_strv (p, here, v, "caps", &out->caps))
    return FALSE;
  kernel = json_object_get (v, "minKernel");
  if (kernel != NULL && !json_is_null (kernel))
    {
      if (!json_is_string (kernel)
          || sscanf (json_string_value (kernel), "%u.%u", &out->min_kernel_major,
                     &out->min_kernel_minor)
                 != 2)
        return fail (p, here, _("“minKernel” is not a version such as “5.4”"));
    }
  return TRUE;
}

static gboolean
parse_args (Parser *p, const char *where, json_t *args, PierSeccompRule *rule)
{
  json_t *arg;
  size_t i;

  if (args == NULL || json_is_null (args))
    return TRUE;
  if (!json_is_array (args))
    return fail (p, where, _("“args” is not a list"));
  if (json_array_size (args) > G_N_ELEMENTS (rule->args))
    return fail (p, where, _("more than %zu argument conditions"), G_N_ELEMENTS (rule->args));
  json_array_foreach (args, i, arg)
    {
      g_autofree char *here = g_strdup_printf ("%s.args[%zu]", where, i);
      PierSeccompArg *a = &rule->args[rule->n_args];
      gboolean present;
      guint64 index;

      if (!json_is_object (arg))
        return fail (p, here, _("not an object"));
      if (!get_uint (p, here, arg, "index", 5, &present, &index)
          || !get_uint (p, here, arg, "value", G_MAXINT64, &present, &a->value)
          || !get_uint (p, here, arg, "valueTwo", G_MAXINT64, &present, &a->value_two)
          || !parse_op (p, here, json_string_value (json_object_get (arg, "op")), &a->op))
        return FALSE;
      a->index = (guint) index;
      rule->n_args++;
    }
  return TRUE;
}

static PierSeccompRule *
parse_rule (Parser *p, json_t *entry, size_t i)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  PierSeccompRule *rule = g_new0 (PierSeccompRule, 1);
  json_t *name = json_object_get (entry, "name");
  gboolean has_ret;
  guint64 ret;

  rule->where = g_strdup_printf ("syscalls[%zu]", i);
  if (!json_is_object (entry))
    {
      fail (p, rule->where, _("not an object"));
      goto out;
    }
  if (!get_strv (p, rule->where, entry, "names", &rule->names))
    goto out;
  if (name != NULL && !json_is_string (name))
    {
      fail (p, rule->where, _("“name” is not a string"));
      goto out;
    }
  if (name != NULL)
    {
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add (b, json_string_value (name));
      if (rule->names)
        g_strv_builder_addv (b, (const char **) rule->names);
      g_strfreev (rule->names);
      rule->names = g_strv_builder_end (b);
    }
  if (rule->names == NULL || rule->names[0] == NULL)
    {
      fail (p, rule->where, _("no system call named (“names”)"));
      goto out;
    }
  if (!get_uint (p, rule->where, entry, "errnoRet", G_MAXUINT16, &has_ret, &ret)
      || !parse_action (p, rule->where, json_string_value (json_object_get (entry, "action")),
                        has_ret, ret, &rule->action)
      || !parse_args (p, rule->where, json_object_get (entry, "args"), rule)
      || !parse_condition (p, rule->where, entry, "includes", &rule->includes)
      || !parse_condition (p, rule->where, entry, "excludes", &rule->excludes))
    goto out;
  return rule;

out:
  rule_free (rule);
  return NULL;
}

static gboolean
parse_flags (Parser *p, json_t *root, guint *out)
{
  static const struct {
    const char *name;
    guint flag;
  } flags[] = {
    /* The filter is loaded by a single-threaded process: synchronising threads is moot. */
    { "SECCOMP_FILTER_FLAG_TSYNC", 0 },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  };
  g_auto (GStrv) names = NULL;

  *out = 0;
  if (!get_strv (p, "flags", root, "flags", &names))
    return FALSE;
  for (char **name = names; name && *name; name++)
    {
      gsize i;
      for (i = 0; i < G_N_ELEMENTS (flags) && strcmp (*name, flags[i].name) != 0; i++)
        ;
      if (i == G_N_ELEMENTS (flags))
        return fail (p, "flags", _("“%s” is not supported"), *name);
      *out |= flags[i].flag;
    }
  return TRUE;
}

static gboolean
parse_arch_map (Parser *p, json_t *root, GPtrArray *out)
{
  json_t *map = json_object_get (root, "archMap");
  json_t *entry;
  size_t i;

  if (map == NULL || json_is_null (map))
    return TRUE;
  if (!json_is_array (map))
    return fail (p, "archMap", _("not a list"));
  json_array_foreach (map, i, entry)
    {
      g_autofree char *where = g_strdup_printf ("archMap[%zu]", i);
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_auto (GStrv) subs = NULL;
      json_t *arch = json_object_get (entry, "architecture");

      if (!json_is_string (arch))
        return fail (p, where, _("no “architecture”"));
      if (!get_strv (p, where, entry, "subArchitectures", &subs))
        return FALSE;
      g_strv_builder_add (b, json_string_value (arch));
      if (subs)
        g_strv_builder_addv (b, (const char **) subs);
      g_ptr_array_add (out, g_strv_builder_end (b));
    }
  return TRUE;
}

PierSeccompProfile *
pier_seccomp_profile_parse (const char *data, gsize len, const char *origin, GError **error)
{
  g_autoptr (PierSeccompProfile) profile = g_new0 (PierSeccompProfile, 1);
  Parser p = { .origin = origin, .error = error };
  json_error_t jerr;
  json_t *root = json_loadb (data, len, 0, &jerr);
  json_t *syscalls, *entry;
  gboolean has_ret, ok = FALSE;
  guint64 ret;
  size_t i;

  profile->origin = g_strdup (origin);
  profile->digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  profile->arch_map = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  profile->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  if (root == NULL)
    {
      g_autofree char *where = g_strdup_printf ("line %d", jerr.line);
      fail (&p, where, "%s", jerr.text);
      return NULL;
    }
  if (!json_is_object (root))
    {
      fail (&p, NULL, _("not a JSON object"));
      goto out;
    }
  if (!get_uint (&p, "defaultErrnoRet", root, "defaultErrnoRet", G_MAXUINT16, &has_ret, &ret)
      || !parse_action (&p, "defaultAction",
                        json_string_value (json_object_get (root, "defaultAction")), has_ret,
                        ret, &profile->default_action)
      || !get_strv (&p, "architectures", root, "architectures", &profile->architectures)
      || !parse_arch_map (&p, root, profile->arch_map) || !parse_flags (&p, root, &profile->flags))
    goto out;
  if (json_string_length (json_object_get (root, "listenerPath")) > 0)
    {
      fail (&p, "listenerPath", _("not supported: Pier has no seccomp listener"));
      goto out;
    }
  syscalls = json_object_get (root, "syscalls");
  if (syscalls != NULL && !json_is_null (syscalls) && !json_is_array (syscalls))
    {
      fail (&p, "syscalls", _("not a list"));
      goto out;
    }
  json_array_foreach (syscalls, i, entry)
    {
      PierSeccompRule *rule = parse_rule (&p, entry, i);
      if (rule == NULL)
        goto out;
      g_ptr_array_add (profile->rules, rule);
    }
  ok = TRUE;

out:
  json_decref (root);
  return ok ? g_steal_pointer (&profile) : NULL;
}

PierSeccompProfile *
pier_seccomp_profile_default (void)
{
  g_autoptr (GBytes) bytes = g_resource_lookup_data (pier_engine_get_resource (),
                                                     DEFAULT_PROFILE_RESOURCE,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GError) error = NULL;
  PierSeccompProfile *profile = pier_seccomp_profile_parse (data, len, "(Pier's default)", &error);

  /* It is part of the program: a build whose profile does not parse is broken. */
  if (profile == NULL)
    g_error ("%s", error->message);
  return profile;
}

PierSeccompProfile *
pier_seccomp_profile_load (const char *path, char **contents, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  PierSeccompProfile *profile;

  /* The user's own file, named by them: a pipe (`seccomp=<(...)`) is as good as a file. */
  if (!pier_fs_read_all_at (AT_FDCWD, path, MAX_PROFILE_SIZE, &data, &len, error))
    {
      g_prefix_error (error, _("seccomp profile: "));
      return NULL;
    }
  profile = pier_seccomp_profile_parse (data, len, path, error);
  if (profile != NULL && contents != NULL)
    *contents = g_steal_pointer (&data);
  return profile;
}
