/* SPDX-License-Identifier: GPL-3.0-or-later */
/* COPY, ADD and WORKDIR: layers the builder writes itself, from the build context (what
 * .dockerignore leaves of it), from heredocs, or from another stage or image read as a merged
 * tree. The layer is staged in the work directory exactly as it will be stored: files with
 * their modes and modification times, owned 0:0 unless --chown, the directories on the way
 * with the metadata the image already gives them, new ones with the stage's fixed time. */
#include "pier-build-copy-private.h"

#include "pier-container-user.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pier_copy_plan_free (PierCopyPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->items);
  for (guint i = 0; i < plan->roots->len; i++)
    close (g_array_index (plan->roots, int, i));
  g_array_unref (plan->roots);
  g_ptr_array_unref (plan->root_dirs);
  g_free (plan->dest_dir);
  g_free (plan->created_by);
  pier_merged_tree_free (plan->from_tree);
  g_free (plan);
}

const char *
pier_copy_plan_get_created_by (PierCopyPlan *plan)
{
  return plan->created_by;
}

/* Cleans a source path lexically; FALSE when ".." would leave the root. */
static gboolean
clean_path (const char *path, char **out)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();

  for (char **p = parts; *p; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        {
          if (kept->len == 0)
            return FALSE;
          g_ptr_array_remove_index (kept, kept->len - 1);
          continue;
        }
      g_ptr_array_add (kept, *p);
    }
  g_ptr_array_add (kept, NULL);
  *out = g_strjoinv ("/", (char **) kept->pdata);
  return TRUE;
}

/* ---- owners and modes ---- */

static gboolean
parse_chown (PierBuildStage *stage, const char *spec, guint32 *uid, guint32 *gid,
             GError **error)
{
  g_auto (GStrv) lowers = pier_build_stage_lower_dirs (stage);
  g_autoptr (PierContainerUser) user = NULL;
  guint64 number;

  /* A bare number is uid and gid both, as Docker documents. */
  if (strchr (spec, ':') == NULL && g_ascii_string_to_unsigned (spec, 10, 0, G_MAXUINT32, &number, NULL))
    {
      *uid = *gid = number;
      return TRUE;
    }
  user = pier_container_user_resolve (spec, (const char *const *) lowers, error);
  if (user == NULL)
    {
      g_prefix_error (error, _("--chown=%s: "), spec);
      return FALSE;
    }
  *uid = user->uid;
  *gid = user->gid;
  return TRUE;
}

static gboolean
parse_chmod (const char *text, mode_t *mode, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 8, 0, 07777, &value, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("--chmod=%s: give the mode in octal, such as 755 or 0644"), text);
      return FALSE;
    }
  *mode = value;
  return TRUE;
}

/* ---- the plan ---- */

static void
digest_items (PierCopyPlan *plan, PierHasher *hasher)
{
  for (guint i = 0; i < plan->items->len; i++)
    {
      PierCopyItem *it = plan->items->pdata[i];
      g_autofree char *line = g_strdup_printf (
          "%d %s %o %u %u %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %s %s", it->type, it->dest,
          it->mode, it->uid, it->gid, it->mtime_sec, it->size, it->target ? it->target : "-",
          it->digest ? it->digest : "-");
      pier_hasher_update (hasher, line, strlen (line) + 1);
    }
}

static gboolean
is_url (const char *src)
{
  return g_str_has_prefix (src, "http://") || g_str_has_prefix (src, "https://")
         || g_str_has_prefix (src, "git@") || g_str_has_prefix (src, "git://");
}

PierCopyPlan *
pier_build_copy_plan (PierBuild *build, PierBuildStage *stage, const PierInstruction *raw,
                      const PierInstruction *insn, GError **error)
{
  g_autoptr (PierCopyPlan) plan = g_new0 (PierCopyPlan, 1);
  g_autoptr (PierMergedTree) tree = NULL;
  g_autoptr (PierDockerignore) exclude = NULL;
  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) heredocs = g_ptr_array_new ();
  g_autoptr (PierHasher) hasher = pier_hasher_new ();
  g_autoptr (GString) created_by = g_string_new ("/bin/sh -c #(nop) ");
  PierCopyPlanner pl = { build, plan, NULL, FALSE, 0, insn->keyword, "" };
  const char *from = pier_instruction_get_flag (insn, "from");
  const char *chown = pier_instruction_get_flag (insn, "chown");
  const char *chmod = pier_instruction_get_flag (insn, "chmod");
  const char *dest_arg;
  g_autofree char *dest_abs = NULL;
  g_autofree char *dest_file = NULL;
  g_autofree char *digest = NULL;
  gboolean dest_is_dir;
  guint n_heredoc = 0;
  int context_fd;

  plan->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_copy_item_free);
  plan->roots = g_array_new (FALSE, FALSE, sizeof (int));
  plan->root_dirs = g_ptr_array_new_with_free_func (g_free);
  context_fd = dup (build->context_fd);
  g_array_append_val (plan->roots, context_fd);

  for (const char *const *f = (const char *const[]){ "parents", "checksum", "keep-git-dir", NULL }; *f; f++)
    if (pier_instruction_has_flag (insn, *f))
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, _("--%s is not supported"), *f);
        return NULL;
      }
  if (insn->n_args < 2)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("needs a source and a destination"));
      return NULL;
    }
  if (chown != NULL)
    {
      plan->chown = TRUE;
      if (!parse_chown (stage, chown, &plan->uid, &plan->gid, error))
        return NULL;
    }
  if (chmod != NULL && !parse_chmod (chmod, &pl.chmod, error))
    return NULL;
  pl.chmod_set = chmod != NULL;
  if (insn->n_flags > 0)
    {
      g_autoptr (GPtrArray) patterns = g_ptr_array_new ();
      for (guint i = 0; i < insn->n_flags; i++)
        if (strcmp (insn->flags[i].name, "exclude") == 0 && insn->flags[i].value != NULL)
          g_ptr_array_add (patterns, insn->flags[i].value);
      g_ptr_array_add (patterns, NULL);
      if (patterns->len > 1
          && (exclude = pier_dockerignore_new ((const char *const *) patterns->pdata, error)) == NULL)
        return NULL;
      pl.exclude = exclude;
    }
  if (from != NULL && !pier_copy_open_from (build, stage, from, plan, error))
    return NULL;

  /* Sources: heredocs by position, wildcards expanded, the rest as given. */
  for (guint i = 0; i + 1 < insn->n_args; i++)
    {
      if (i < raw->n_args && g_str_has_prefix (raw->args[i], "<<") && n_heredoc < insn->n_heredocs)
        {
          g_ptr_array_add (heredocs, &insn->heredocs[n_heredoc++]);
          continue;
        }
      if (is_url (insn->args[i]))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("%s of a URL (%s) is not supported: download it into the build context, "
                         "or with RUN"), strcmp (insn->keyword, "add") == 0 ? "ADD" : "COPY",
                       insn->args[i]);
          return NULL;
        }
      {
        g_autofree char *clean = NULL;
        if (!clean_path (insn->args[i], &clean))
          {
            g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE,
                         _("“%s” is outside the build context"), insn->args[i]);
            return NULL;
          }
        if (pier_copy_has_wildcards (clean))
          {
            guint before = sources->len;
            if (!(from ? pier_copy_expand_from_wildcards (&pl, clean, sources, error)
                       : pier_copy_expand_context_wildcards (&pl, clean, sources, error)))
              return NULL;
            if (sources->len == before)
              {
                g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                             _("no source files match “%s”"), insn->args[i]);
                return NULL;
              }
          }
        else
          g_ptr_array_add (sources, g_steal_pointer (&clean));
      }
    }

  /* The destination, relative to WORKDIR, resolved in the stage's tree. */
  dest_arg = insn->args[insn->n_args - 1];
  dest_abs = g_canonicalize_filename (dest_arg, stage->config->config.working_dir
                                                    && *stage->config->config.working_dir
                                                    ? stage->config->config.working_dir : "/");
  dest_is_dir = g_str_has_suffix (dest_arg, "/") || g_str_has_suffix (dest_arg, "/.")
                || strcmp (dest_arg, ".") == 0;
  if (sources->len + heredocs->len > 1 && !dest_is_dir)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("with more than one source, the destination must be a directory ending in "
                     "/ (“%s”)"), dest_arg);
      return NULL;
    }
  tree = pier_build_stage_tree (build, stage, error);
  if (tree == NULL)
    return NULL;
  if (!dest_is_dir)
    {
      PierMergedEntry entry;
      if (pier_merged_tree_lookup (tree, dest_abs, TRUE, &entry, NULL))
        {
          dest_is_dir = S_ISDIR (entry.st.st_mode);
          pier_merged_entry_clear (&entry);
        }
    }
  if (!dest_is_dir && sources->len == 1)
    {
      gboolean fills;
      if (!pier_copy_source_fills_dir (&pl, sources->pdata[0], &fills, error))
        return NULL;
      dest_is_dir = fills;
    }
  if (dest_is_dir)
    {
      plan->dest_dir = pier_merged_tree_resolve (tree, dest_abs, error);
      plan->dest_owned = TRUE;
    }
  else
    {
      g_autofree char *parent = g_path_get_dirname (dest_abs);
      g_autofree char *base = g_path_get_basename (dest_abs);
      plan->dest_dir = pier_merged_tree_resolve (tree, parent, error);
      if (plan->dest_dir != NULL)
        dest_file = pier_copy_join (plan->dest_dir, base);
    }
  if (plan->dest_dir == NULL)
    return NULL;
  for (guint i = 0; i < sources->len; i++)
    if (!(from ? pier_copy_plan_from_source (&pl, sources->pdata[i], plan->dest_dir, dest_file,
                                             error)
               : pier_copy_plan_context_source (&pl, sources->pdata[i], plan->dest_dir, dest_file,
                                                error)))
      return NULL;
  for (guint i = 0; i < heredocs->len; i++)
    {
      PierCopyItem *item = g_new0 (PierCopyItem, 1);
      PierHeredoc *doc = heredocs->pdata[i];
      item->type = PIER_COPY_ITEM_DATA;
      item->dest = dest_file ? g_strdup (dest_file) : pier_copy_join (plan->dest_dir, doc->name);
      item->size = strlen (doc->content);
      item->data = g_bytes_new (doc->content, item->size);
      item->mode = pl.chmod_set ? pl.chmod : 0644;
      item->uid = plan->chown ? plan->uid : 0;
      item->gid = plan->chown ? plan->gid : 0;
      item->mtime_sec = stage->base_time;
      item->digest = pier_digest_data (doc->content, item->size);
      g_ptr_array_add (plan->items, item);
    }

  /* created_by as the classic builder writes it: what was copied, by digest. */
  {
    g_autofree char *keyword = g_ascii_strup (insn->keyword, -1);
    g_autofree char *dest_line = g_strdup_printf ("dest %s", plan->dest_dir);
    const char *kind = sources->len + heredocs->len > 1 ? "multi"
                       : dest_file != NULL || heredocs->len == 1 ? "file"
                                                                   : "dir";

    digest_items (plan, hasher);
    pier_hasher_update (hasher, dest_line, strlen (dest_line) + 1);
    digest = pier_hasher_finish (hasher);
    g_string_append (created_by, keyword);
    for (guint i = 0; i < insn->n_flags; i++)
      {
        g_string_append_printf (created_by, " --%s", insn->flags[i].name);
        if (insn->flags[i].value != NULL)
          g_string_append_printf (created_by, "=%s", insn->flags[i].value);
      }
    g_string_append_printf (created_by, " %s:%s in %s ", kind, pier_digest_hex (digest), dest_arg);
    plan->created_by = g_strdup (created_by->str);
  }
  return g_steal_pointer (&plan);
}
