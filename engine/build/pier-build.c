/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The builder's driver: stages, steps, the cache, progress, and the commit at the end. */
#include "pier-build-private.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-reference.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

/* ---- events ---- */

char *
pier_build_event_to_text (const PierBuildEvent *event)
{
  switch (event->type)
    {
    case PIER_BUILD_EVENT_STEP:
      if (event->step == 0)
        return g_strdup_printf ("Trigger : %s\n", event->text);
      return g_strdup_printf ("Step %u/%u : %s\n", event->step, event->n_steps, event->text);
    case PIER_BUILD_EVENT_TRIGGERS:
      return g_strdup_printf ("# Executing %u build trigger%s\n", event->n_steps,
                              event->n_steps == 1 ? "" : "s");
    case PIER_BUILD_EVENT_RUNNING:
      return g_strdup_printf (" ---> Running in %s\n", event->id);
    case PIER_BUILD_EVENT_OUTPUT:
      return g_strndup (event->data, event->len);
    case PIER_BUILD_EVENT_CACHED:
      return g_strdup (" ---> Using cache\n");
    case PIER_BUILD_EVENT_STEP_DONE:
      if (event->text != NULL && event->id == NULL)
        return g_strdup_printf (" ---> %s\n", event->text);
      if (event->text != NULL)
        {
          g_autofree char *short_id = pier_digest_short (event->id);
          return g_strdup_printf (" ---> %s\n", short_id);
        }
      if (event->id != NULL)
        {
          g_autofree char *short_id = pier_digest_short (event->id);
          return g_strdup_printf (" ---> layer %s  %.2fs\n", short_id, event->seconds);
        }
      return g_strdup_printf (" ---> no layer  %.2fs\n", event->seconds);
    case PIER_BUILD_EVENT_DONE:
      {
        g_autofree char *short_id = pier_digest_short (event->id);
        GString *out = g_string_new (NULL);
        g_auto (GStrv) names = g_strsplit (event->text ? event->text : "", "\n", -1);
        g_string_append_printf (out, "Successfully built %s\n", short_id);
        for (char **n = names; *n; n++)
          if (**n != '\0')
            g_string_append_printf (out, "Successfully tagged %s\n", *n);
        return g_string_free (out, FALSE);
      }
    default:
      return g_strdup ("");
    }
}

/* ---- stages ---- */

static void
stage_free (PierBuildStage *stage)
{
  g_free (stage->name);
  pier_image_config_free (stage->config);
  g_ptr_array_unref (stage->layers);
  g_free (stage->key);
  g_free (stage->base_name);
  g_ptr_array_unref (stage->arg_names);
  pier_config_edit_clear (&stage->edit);
  g_free (stage);
}

static void
build_clear (PierBuild *build)
{
  g_clear_pointer (&build->df, pier_dockerfile_free);
  g_clear_pointer (&build->dockerfile_name, g_free);
  pier_close_fd_ptr (&build->context_fd);
  g_clear_pointer (&build->ignore, pier_dockerignore_free);
  g_clear_pointer (&build->stages, g_ptr_array_unref);
  /* Uncommitted layers go with their pending blobs: nothing of a failed build stays. */
  g_clear_pointer (&build->layers, g_ptr_array_unref);
  g_clear_pointer (&build->records, g_ptr_array_unref);
  g_clear_pointer (&build->cache, pier_build_cache_free);
  g_clear_pointer (&build->hashes, pier_file_hashes_free);
  g_clear_pointer (&build->range, pier_uid_claim_free);
}

static const char *
host_architecture (void)
{
  struct utsname u;
  static char arch[16];

  if (uname (&u) < 0)
    return "amd64";
  if (strcmp (u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp (u.machine, "aarch64") == 0)
    return "arm64";
  g_strlcpy (arch, u.machine, sizeof arch);
  return arch;
}

/* A step's failure, in the words the issue asks for: FILE:LINE: step N/M: INSTRUCTION: why. */
static gboolean
step_error (PierBuild *build, const PierInstruction *insn, GError **error)
{
  if (build->step > 0)
    g_prefix_error (error, _("%s:%u: step %u/%u: %s: "), build->dockerfile_name, insn->line,
                    build->step, build->n_steps, insn->original);
  else
    g_prefix_error (error, _("%s:%u: ONBUILD trigger %s: "), build->dockerfile_name, insn->line,
                    insn->original);
  return FALSE;
}

static PierBuildLayer *
add_layer (PierBuild *build, PierBuildLayer *layer)
{
  g_ptr_array_add (build->layers, layer);
  return layer;
}

static void
stage_push_layer (PierBuildStage *stage, PierBuildLayer *layer)
{
  g_ptr_array_add (stage->layers, layer);
  g_ptr_array_add (stage->config->diff_ids, g_strdup (layer->diff_id));
}

/* The base image's environment, for the scope to expand and give RUN; ENV steps after it
 * the scope applies itself. */
static void
scope_sync_env (PierBuildStage *stage)
{
  for (char **e = stage->config->config.env; e && *e; e++)
    {
      const char *eq = strchr (*e, '=');
      g_autofree char *name = eq ? g_strndup (*e, eq - *e) : g_strdup (*e);
      pier_dockerfile_scope_set_env (stage->scope, name, eq ? eq + 1 : "");
    }
}

/* Build arguments go where the Dockerfile's own text does, into the image's JSON. */
static gboolean
check_build_args (const PierBuildOptions *options, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (options->build_args == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, options->build_args);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *what = g_strdup_printf ("the build argument %s", (char *) key);
      if (!pier_json_validate_text ("a build argument's name", key, error) ||
          !pier_json_validate_text (what, value, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- FROM ---- */

static gboolean
start_stage (PierBuild *build, PierBuildStage *stage, const PierInstruction *insn,
             GError **error)
{
  const char *base = insn->n_args > 0 ? insn->args[0] : "scratch";
  const PierDockerfileStage *earlier = pier_dockerfile_find_stage (build->df, base);

  if (earlier != NULL && earlier->index < stage->index)
    {
      PierBuildStage *from = build->stages->pdata[earlier->index];
      stage->config = pier_image_config_copy (from->config, error);
      if (stage->config == NULL)
        return FALSE;
      for (guint i = 0; i < from->layers->len; i++)
        g_ptr_array_add (stage->layers, from->layers->pdata[i]);
      stage->key = g_strdup (from->key);
      stage->base_name = g_strdup (from->base_name);
      stage->base_history = from->base_history;
      stage->base_time = from->base_time;
      pier_build_emit (build, PIER_BUILD_EVENT_STEP_DONE, "stage", from->key, NULL, 0, 0);
    }
  else if (g_ascii_strcasecmp (base, "scratch") == 0)
    {
      stage->config = pier_image_config_new ();
      g_free (stage->config->architecture);
      stage->config->architecture = g_strdup (host_architecture ());
      stage->key = pier_build_cache_key (NULL, "FROM", "scratch");
      pier_build_emit (build, PIER_BUILD_EVENT_STEP_DONE, "scratch", NULL, NULL, 0, 0);
    }
  else
    {
      g_autoptr (PierImage) image = pier_store_find_image (build->store, base, error);
      if (image == NULL)
        {
          if (g_error_matches (*error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
            g_prefix_error (error, _("pull it first (pierctl pull %s): "), base);
          return FALSE;
        }
      for (guint i = 0; i < image->manifest->layers->len; i++)
        {
          PierDescriptor *desc = image->manifest->layers->pdata[i];
          const char *diff_id = image->config->diff_ids->pdata[i];
          g_autofree char *path = pier_store_ensure_layer (build->store, desc->digest, diff_id,
                                                           build->cancellable, error);
          if (path == NULL)
            return FALSE;
          g_ptr_array_add (stage->layers,
                           add_layer (build, pier_build_layer_new_stored (build->store, desc, diff_id)));
        }
      stage->config = pier_image_config_copy (image->config, error);
      if (stage->config == NULL)
        return FALSE;
      stage->key = pier_build_cache_key (NULL, "FROM", image->id);
      stage->base_name = g_strdup (base);
      stage->base_history = image->config->history->len;
      stage->base_time = MAX (pier_image_get_created (image), 0);
      pier_build_emit (build, PIER_BUILD_EVENT_STEP_DONE, "image", image->id, NULL, 0, 0);
    }
  scope_sync_env (stage);
  return TRUE;
}

/* ---- steps ---- */

static gboolean run_instruction (PierBuild *build, PierBuildStage *stage,
                                 const PierDockerfile *df, const PierInstruction *raw,
                                 GError **error);

/* ONBUILD triggers of the base run right after FROM, and do not pass on. */
static gboolean
run_triggers (PierBuild *build, PierBuildStage *stage, const PierInstruction *from,
              GError **error)
{
  g_auto (GStrv) triggers = g_steal_pointer (&stage->config->config.on_build);
  guint step = build->step;
  guint n = triggers ? g_strv_length (triggers) : 0;

  if (n == 0)
    return TRUE;
  {
    PierBuildEvent event = { PIER_BUILD_EVENT_TRIGGERS, step, n, NULL, NULL, NULL, 0, 0 };
    if (build->progress)
      build->progress (&event, build->progress_data);
  }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("FROM scratch\n%s\n", triggers[i]);
      g_autoptr (GError) local = NULL;
      g_autoptr (PierDockerfile) df = pier_dockerfile_parse (text, strlen (text), "ONBUILD",
                                                             PIER_DOCKERFILE_PARSE_DEFAULT, &local);
      gboolean ok;

      if (df == NULL || df->n_instructions != 2)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("%s:%u: the base image's ONBUILD trigger “%s” is not valid%s%s"),
                       build->dockerfile_name, from->line, triggers[i], local ? ": " : "",
                       local ? local->message : "");
          return FALSE;
        }
      build->step = 0;
      ok = run_instruction (build, stage, df, df->instructions[1], error);
      build->step = step;
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* The cache record for @key, unless --no-cache. */
static PierBuildRecord *
cache_hit (PierBuild *build, const char *key, gboolean wants_layer)
{
  PierBuildRecord *record;

  if (build->options.no_cache)
    {
      g_debug ("build cache not read (--no-cache) for step %s", key);
      return NULL;
    }
  record = pier_build_cache_lookup (build->cache, build->store, key);
  if (record != NULL && (record->layer != NULL) != wants_layer)
    g_clear_pointer (&record, pier_build_record_free);
  g_debug ("build cache %s for step %s", record != NULL ? "hit" : "miss", key);
  return record;
}

static gboolean
run_instruction (PierBuild *build, PierBuildStage *stage, const PierDockerfile *df,
                 const PierInstruction *raw, GError **error)
{
  g_autoptr (PierInstruction) insn = NULL;
  g_autoptr (PierBuildRecord) hit = NULL;
  g_autoptr (PierCopyPlan) plan = NULL;
  g_autofree char *text = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *created_by = NULL;
  g_autofree char *key = NULL;
  g_autofree char *created = NULL;
  g_autofree char *workdir = NULL;
  PierBuildLayer *layer = NULL;
  gboolean wants_layer = FALSE;
  const char *k = raw->keyword;
  gint64 start = g_get_monotonic_time ();

  pier_build_emit (build, PIER_BUILD_EVENT_STEP, raw->original, NULL, NULL, 0, 0);
  insn = pier_dockerfile_scope_step (build->scope, df, raw, error);
  if (insn == NULL)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (build->cancellable, error))
    return FALSE;

  if (strcmp (k, "arg") == 0)
    {
      g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < insn->n_args; i++)
        {
          g_autofree char *name = NULL;
          g_autofree char *declared = NULL;
          const char *value = NULL;
          pier_dockerfile_split_arg (insn->args[i], &name, &declared);
          g_ptr_array_add (values, pier_dockerfile_scope_lookup (name, &value, build->scope)
                                       ? g_strdup (value) : NULL);
          g_ptr_array_add (stage->arg_names, g_steal_pointer (&name));
        }
      g_ptr_array_add (values, NULL);
      text = pier_build_instruction_text (insn, (const char *const *) values->pdata);
    }
  else
    text = pier_build_instruction_text (insn, NULL);
  comment = g_strconcat (PIER_HISTORY_COMMENT_PREFIX, text, NULL);

  if (strcmp (k, "copy") == 0 || strcmp (k, "add") == 0)
    {
      plan = pier_build_copy_plan (build, stage, raw, insn, error);
      if (plan == NULL)
        return step_error (build, raw, error);
      created_by = g_strdup (pier_copy_plan_get_created_by (plan));
      wants_layer = TRUE;
    }
  else if (strcmp (k, "run") == 0)
    {
      if (stage->layers->len == 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the stage has no files yet (FROM scratch): %s; COPY or ADD a static "
                         "program into it first and RUN that in the exec form (RUN [\"/prog\", "
                         "\"arg\"])"),
                       insn->json_form ? "there is no program to run"
                                       : "the shell form needs /bin/sh, which it does not have");
          return step_error (build, raw, error);
        }
      created_by = pier_build_run_created_by (stage, insn);
      wants_layer = TRUE;
    }
  else
    {
      if (!pier_build_apply_config (stage->config, insn, &stage->edit, error))
        return step_error (build, raw, error);
      created_by = pier_build_nop_created_by (insn, text, stage->config);
      if (strcmp (k, "workdir") == 0)
        {
          g_autoptr (PierMergedTree) tree = pier_build_stage_tree (build, stage, error);
          PierMergedEntry entry;
          if (tree == NULL)
            return step_error (build, raw, error);
          if (pier_merged_tree_lookup (tree, stage->config->config.working_dir, TRUE, &entry, NULL))
            {
              gboolean is_dir = S_ISDIR (entry.st.st_mode);
              pier_merged_entry_clear (&entry);
              if (!is_dir)
                {
                  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s is not a directory"),
                               stage->config->config.working_dir);
                  return step_error (build, raw, error);
                }
            }
          else
            {
              workdir = pier_merged_tree_resolve (tree, stage->config->config.working_dir, error);
              if (workdir == NULL)
                return step_error (build, raw, error);
              wants_layer = TRUE;
            }
        }
    }

  key = pier_build_cache_key (stage->key, created_by, comment);
  hit = cache_hit (build, key, wants_layer);
  if (hit != NULL)
    {
      pier_build_emit (build, PIER_BUILD_EVENT_CACHED, NULL, NULL, NULL, 0, 0);
      if (hit->layer != NULL)
        layer = add_layer (build, pier_build_layer_new_stored (build->store, hit->layer, hit->diff_id));
      created = g_strdup (hit->created);
    }
  else
    {
      if (plan != NULL)
        layer = pier_build_copy_execute (build, stage, plan, error);
      else if (strcmp (k, "run") == 0)
        layer = pier_build_run (build, stage, insn, error);
      else if (workdir != NULL)
        layer = pier_build_mkdir_layer (build, stage, workdir, error);
      if (wants_layer && layer == NULL)
        return step_error (build, raw, error);
      if (layer != NULL)
        add_layer (build, layer);
      created = pier_oci_timestamp_now ();
      {
        PierBuildRecord *record = g_new0 (PierBuildRecord, 1);
        record->key = g_strdup (key);
        record->created = g_strdup (created);
        if (layer != NULL)
          {
            record->layer = pier_descriptor_copy (layer->descriptor);
            record->diff_id = g_strdup (layer->diff_id);
          }
        g_ptr_array_add (build->records, record);
      }
    }
  if (layer != NULL)
    stage_push_layer (stage, layer);
  g_ptr_array_add (stage->config->history,
                   pier_build_history_entry (created, created_by, comment, NULL, layer == NULL));
  g_free (stage->config->created);
  stage->config->created = g_strdup (created);
  g_free (stage->key);
  stage->key = g_steal_pointer (&key);
  pier_build_emit (build, PIER_BUILD_EVENT_STEP_DONE, NULL, layer ? layer->diff_id : NULL, NULL,
                   0, (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

static gboolean
build_stage (PierBuild *build, guint index, GError **error)
{
  const PierDockerfileStage *ds = &build->df->stages[index];
  PierBuildStage *stage = g_new0 (PierBuildStage, 1);
  const PierInstruction *from = build->df->instructions[ds->from];
  g_autoptr (PierInstruction) expanded = NULL;

  stage->index = index;
  stage->name = g_strdup (ds->name);
  stage->layers = g_ptr_array_new ();
  stage->arg_names = g_ptr_array_new_with_free_func (g_free);
  stage->scope = build->scope;
  g_ptr_array_add (build->stages, stage);

  build->step++;
  pier_build_emit (build, PIER_BUILD_EVENT_STEP, from->original, NULL, NULL, 0, 0);
  expanded = pier_dockerfile_scope_step (build->scope, build->df, from, error);
  if (expanded == NULL || !start_stage (build, stage, expanded, error))
    return step_error (build, from, error);
  if (!run_triggers (build, stage, from, error))
    return FALSE;
  for (guint i = ds->from + 1; i < ds->from + ds->n_instructions; i++)
    {
      build->step++;
      if (!run_instruction (build, stage, build->df, build->df->instructions[i], error))
        return FALSE;
    }
  return TRUE;
}

static GPtrArray *
normalise_tags (const char *const *tags, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (const char *const *t = tags; t && *t; t++)
    {
      g_autoptr (PierReference) ref = pier_reference_parse (*t, error);
      if (ref == NULL)
        {
          g_prefix_error (error, "-t %s: ", *t);
          return NULL;
        }
      if (ref->digest != NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("-t %s: a build names its image with a tag, not a digest"), *t);
          return NULL;
        }
      g_ptr_array_add (names, pier_reference_to_string (ref));
    }
  return g_steal_pointer (&names);
}

/* ---- the end: everything into the store at once ---- */

static void
set_base_labels (PierBuildStage *stage)
{
  PierRunConfig *rc = &stage->config->config;

  if (rc->labels != NULL)
    {
      g_hash_table_remove (rc->labels, PIER_LABEL_BASE_IMAGE);
      g_hash_table_remove (rc->labels, PIER_LABEL_BASE_HISTORY);
    }
  if (stage->base_name != NULL)
    {
      g_autofree char *count = g_strdup_printf ("%u", stage->base_history);
      pier_run_config_set_label (rc, PIER_LABEL_BASE_IMAGE, stage->base_name);
      pier_run_config_set_label (rc, PIER_LABEL_BASE_HISTORY, count);
    }
}

static PierImage *
commit_build (PierBuild *build, PierBuildStage *final, GPtrArray *names, GError **error)
{
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (GPtrArray) descriptors = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  g_autoptr (PierImage) image = NULL;

  set_base_labels (final);
  if (final->config->created == NULL)
    final->config->created = pier_oci_timestamp_now ();
  lock = pier_store_lock (build->store, build->cancellable, error);
  if (lock == NULL)
    return NULL;
  for (guint i = 0; i < build->layers->len; i++)
    {
      PierBuildLayer *layer = build->layers->pdata[i];
      if (layer->pending == NULL)
        continue;
      if (!pier_pending_blob_commit (build->store, layer->pending, error))
        return NULL;
      g_clear_pointer (&layer->pending, pier_pending_blob_free);
    }
  /* A layer the cache or the base gave may have been collected meanwhile (rmi of another
   * image): the image would be broken, so the build fails instead. */
  for (guint i = 0; i < final->layers->len; i++)
    {
      PierBuildLayer *layer = final->layers->pdata[i];
      if (!pier_blob_store_has (pier_store_get_blobs (build->store), layer->descriptor->digest)
          || !pier_store_has_layer (build->store, layer->diff_id))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       _("layer %s was removed from the store while the build ran; build again"),
                       layer->diff_id);
          return NULL;
        }
      g_ptr_array_add (descriptors, pier_descriptor_copy (layer->descriptor));
    }
  if (!pier_build_cache_write (build->store, build->records, error))
    return NULL;
  g_ptr_array_add (names, NULL);
  image = pier_store_add_image (build->store, final->config, descriptors,
                                (const char *const *) names->pdata, TRUE, error);
  g_ptr_array_remove_index (names, names->len - 1);
  if (image == NULL)
    return NULL;
  return g_steal_pointer (&image);
}

PierImage *
pier_build (PierStore *store, const PierBuildOptions *options, PierBuildProgressFunc progress,
            gpointer progress_data, GCancellable *cancellable, GError **error)
{
  PierBuild build = { 0 };
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (PierDockerfileScope) scope = NULL;
  PierImage *image = NULL;
  const PierDockerfileStage *target;
  guint first_from;

  build.store = store;
  build.options = *options;
  build.progress = progress;
  build.progress_data = progress_data;
  build.cancellable = cancellable;
  build.context_fd = -1;
  build.rootless = pier_store_is_rootless (store);
  build.network = options->network_set ? options->network
                  : build.rootless ? PIER_NETWORK_NONE : PIER_NETWORK_BRIDGE;
  build.layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_build_layer_free);
  build.records = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_build_record_free);
  build.stages = g_ptr_array_new_with_free_func ((GDestroyNotify) stage_free);

  if (build.rootless && build.network == PIER_NETWORK_BRIDGE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("--network bridge needs root; rootless builds have none or host"));
      goto out;
    }
  if ((names = normalise_tags (options->tags, error)) == NULL || !check_build_args (options, error))
    goto out;
  if (options->context_dir == NULL
      || (build.context_fd = pier_fs_open_dir_at (AT_FDCWD, options->context_dir, error)) < 0)
    {
      if (options->context_dir == NULL)
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no build context given"));
      else
        g_prefix_error (error, _("the build context: "));
      goto out;
    }
  if (!pier_build_read_dockerfile (&build, error))
    goto out;
  target = options->target ? pier_dockerfile_find_stage (build.df, options->target)
                           : &build.df->stages[build.df->n_stages - 1];
  if (target == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("%s: no stage named “%s”"),
                   build.dockerfile_name, options->target);
      goto out;
    }
  for (guint i = 0; i <= target->index; i++)
    build.n_steps += build.df->stages[i].n_instructions;
  /* The store lock is taken at the end; the work directory, which takes it once, first. */
  if (pier_store_get_work_fd (store, error) < 0)
    goto out;

  scope = pier_dockerfile_scope_new (options->build_args);
  pier_dockerfile_scope_set_predefined (scope, "TARGETOS", "linux");
  pier_dockerfile_scope_set_predefined (scope, "TARGETARCH", host_architecture ());
  pier_dockerfile_scope_set_predefined (scope, "BUILDOS", "linux");
  pier_dockerfile_scope_set_predefined (scope, "BUILDARCH", host_architecture ());
  {
    g_autofree char *platform = g_strdup_printf ("linux/%s", host_architecture ());
    pier_dockerfile_scope_set_predefined (scope, "TARGETPLATFORM", platform);
    pier_dockerfile_scope_set_predefined (scope, "BUILDPLATFORM", platform);
  }
  build.scope = scope;
  build.cache = pier_build_cache_load (store);
  build.hashes = pier_file_hashes_load (store);

  /* ARGs before the first FROM are global. */
  first_from = build.df->stages[0].from;
  for (guint i = 0; i < first_from; i++)
    {
      g_autoptr (PierInstruction) global = pier_dockerfile_scope_step (scope, build.df,
                                                                       build.df->instructions[i],
                                                                       error);
      if (global == NULL)
        goto out;
    }
  for (guint i = 0; i <= target->index; i++)
    if (!build_stage (&build, i, error))
      goto out;
  image = commit_build (&build, build.stages->pdata[target->index], names, error);
  if (image != NULL)
    {
      GString *familiar = g_string_new (NULL);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *f = pier_reference_familiar (names->pdata[i]);
          g_string_append_printf (familiar, "%s\n", f);
        }
      pier_file_hashes_save (build.hashes, store);
      pier_build_emit (&build, PIER_BUILD_EVENT_DONE, familiar->str, image->id, NULL, 0, 0);
      g_string_free (familiar, TRUE);
    }

out:
  /* However far it got, a cancelled build says so in one way. */
  if (image == NULL && g_cancellable_is_cancelled (cancellable))
    {
      g_clear_error (error);
      g_set_error (error, PIER_ERROR, PIER_ERROR_CANCELLED, _("the build was cancelled"));
    }
  build_clear (&build);
  return image;
}
