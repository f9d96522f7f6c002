/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What confines a container beyond its namespaces: capabilities, seccomp profile, pids limit,
 * from the options of its create (checked there) to the spec of each start. */
#include "pier-container.h"

#include "pier-caps.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-seccomp.h"

#include <string.h>

#define UNCONFINED "unconfined"

static GStrv
normalize_caps (const char *const *names, const char *flag, GError **error)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();

  if (names == NULL || names[0] == NULL)
    return NULL;
  for (gsize i = 0; names[i]; i++)
    {
      g_autofree char *name = pier_caps_normalize (names[i], flag, error);
      if (name == NULL)
        return NULL;
      g_strv_builder_add (out, name);
    }
  return g_strv_builder_end (out);
}

/* Docker's "seccomp=VALUE" (or the older "seccomp:VALUE"); "no-new-privileges" in its forms is
 * what Pier always does. */
static gboolean
parse_security_opt (PierContainer *c, const char *opt, PierSeccompProfile **profile,
                    GError **error)
{
  static const char *const nnp[] = { "no-new-privileges", "no-new-privileges=true",
                                     "no-new-privileges:true" };

  for (gsize i = 0; i < G_N_ELEMENTS (nnp); i++)
    if (strcmp (opt, nnp[i]) == 0)
      return TRUE;
  if ((g_str_has_prefix (opt, "seccomp=") || g_str_has_prefix (opt, "seccomp:"))
      && opt[strlen ("seccomp=")] != '\0')
    {
      const char *value = opt + strlen ("seccomp=");

      g_clear_pointer (&c->seccomp_name, g_free);
      g_clear_pointer (&c->seccomp_profile, g_free);
      g_clear_pointer (profile, pier_seccomp_profile_free);
      if (strcmp (value, UNCONFINED) == 0)
        {
          c->seccomp_name = g_strdup (UNCONFINED);
          return TRUE;
        }
      c->seccomp_name = g_canonicalize_filename (value, NULL);
      *profile = pier_seccomp_profile_load (value, &c->seccomp_profile, error);
      return *profile != NULL;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
               _("--security-opt “%s” is not supported: Pier takes seccomp=FILE.json, "
                 "seccomp=unconfined and no-new-privileges"),
               opt);
  return FALSE;
}

gboolean
pier_container_set_confinement (PierContainer *c, const PierContainerOptions *o, GError **error)
{
  g_autoptr (PierSeccompProfile) profile = NULL;
  g_autoptr (PierSeccompProgram) program = NULL;
  g_autoptr (GError) local_error = NULL;

  c->cap_add = normalize_caps (o->cap_add, "--cap-add", &local_error);
  if (local_error == NULL)
    c->cap_drop = normalize_caps (o->cap_drop, "--cap-drop", &local_error);
  for (gsize i = 0; local_error == NULL && o->security_opt && o->security_opt[i]; i++)
    parse_security_opt (c, o->security_opt[i], &profile, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (profile == NULL)
    return TRUE;
  /* Compiled once now, for the capabilities it will run with: what fails, fails the create. */
  program = pier_seccomp_compile (profile, pier_container_get_caps (c), error);
  return program != NULL;
}

void
pier_container_confine_spec (const PierContainer *c, PierSandboxSpec *spec)
{
  spec->caps = pier_container_get_caps (c);
  spec->pids_limit = c->pids_limit;
  spec->seccomp_unconfined = g_strcmp0 (c->seccomp_name, UNCONFINED) == 0;
  g_free (spec->seccomp_profile);
  g_free (spec->seccomp_profile_name);
  spec->seccomp_profile = g_strdup (c->seccomp_profile);
  spec->seccomp_profile_name = g_strdup (c->seccomp_profile ? c->seccomp_name : NULL);
}

guint64
pier_container_get_caps (const PierContainer *c)
{
  return pier_caps_compute ((const char *const *) c->cap_add,
                            (const char *const *) c->cap_drop);
}

guint64
pier_container_get_pids_limit (const PierContainer *c)
{
  if (c->pids_limit < 0)
    return 0;
  return c->pids_limit > 0 ? (guint64) c->pids_limit : PIER_SANDBOX_DEFAULT_PIDS_LIMIT;
}

const char *
pier_container_get_seccomp_name (const PierContainer *c)
{
  return c->seccomp_name ? c->seccomp_name : "default";
}
