/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl images, inspect, history, tag, rmi. */
#include "pier-cli.h"
#include "pier-cli-format.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int
images_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean quiet = FALSE;
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Only show image ids"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (PierTable) table = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "", N_("List images"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 0, "[-q] [--format json]", error) ||
      !pier_format_check (format, error) ||
      (images = pier_engine_list_images (pier_cli_get_engine (cli), &broken, NULL, error)) == NULL)
    return 1;
  for (guint i = 0; i < broken->len; i++)
    {
      PierImageInfo *image = broken->pdata[i];
      g_autofree char *what = image->names[0] != NULL
                                  ? pier_reference_familiar (image->names[0])
                                  : g_strdup (image->id);
      fprintf (stderr, _("pierctl images: warning: left out image %s (%s), which cannot be read: "
                         "%s; `pierctl rmi -f %s` removes it\n"), what, image->id, image->broken,
               what);
    }
  if (quiet)
    {
      for (guint i = 0; i < images->len; i++)
        {
          g_autofree char *short_id = pier_digest_short (((PierImageInfo *) images->pdata[i])->id);
          printf ("%s\n", short_id);
        }
      return 0;
    }
  if (g_strcmp0 (format, "json") == 0)
    {
      g_auto (PierJsonWriter) w = { NULL };
      json_t *list = json_array ();
      for (guint i = 0; i < images->len; i++)
        {
          PierImageInfo *image = images->pdata[i];
          json_t *obj = json_object ();
          json_t *names = json_array ();
          for (char **n = image->names; *n; n++)
            pier_json_append (&w, names,
                              pier_json_text_take (&w, "RepoTags", pier_reference_familiar (*n)));
          pier_json_set_text (&w, obj, "Id", image->id);
          pier_json_set_text (&w, obj, "Digest", image->digest);
          pier_json_set (&w, obj, "RepoTags", names);
          pier_json_set (&w, obj, "Created", json_integer (image->created));
          pier_json_set_text (&w, obj, "CreatedAt", image->created_text ? image->created_text : "");
          pier_json_set (&w, obj, "Size", json_integer (image->size));
          pier_json_set (&w, obj, "Containers", json_integer (image->n_containers));
          pier_json_append (&w, list, obj);
        }
      return pier_format_print_json (&w, list, error) ? 0 : 1;
    }
  table = pier_table_new ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", NULL);
  for (guint i = 0; i < images->len; i++)
    {
      PierImageInfo *image = images->pdata[i];
      g_autofree char *short_id = pier_digest_short (image->id);
      g_autofree char *created = pier_format_ago (image->created);
      g_autofree char *size = pier_format_size (image->size);
      guint n_names = g_strv_length (image->names);
      guint rows = MAX (n_names, 1);

      for (guint n = 0; n < rows; n++)
        {
          g_autofree char *repository = NULL;
          g_autofree char *tag = NULL;
          pier_reference_split_familiar (n < n_names ? image->names[n] : NULL,
                                         &repository, &tag);
          pier_table_add_row (table, repository, tag, short_id, created, size, NULL);
        }
    }
  pier_table_print (table);
  return 0;
}

/* The lookup found nothing by that name, or it names nothing (as opposed to failing). */
static gboolean
is_not_found (const GError *error)
{
  return g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND) ||
         g_error_matches (error, PIER_ERROR, PIER_ERROR_INVALID);
}

static int
inspect_run (PierCli *cli, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (GString) out = g_string_new ("[\n");
  PierEngine *engine = pier_cli_get_engine (cli);

  if (!pier_cli_parse (cli, &argc, &argv, "NAME|ID...", N_("Show the details of containers and images"), entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "NAME|ID...", error))
    return 1;
  /* Containers first, as docker inspect looks them up; a broken one too, to say why. */
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) container_error = NULL;
      g_autoptr (GError) image_error = NULL;
      g_autofree char *json = pier_engine_inspect_container (engine, argv[i], TRUE, NULL,
                                                             &container_error);
      g_auto (GStrv) lines = NULL;

      /* Whatever kept it from being a container, it may still be an image. */
      if (json == NULL &&
               (json = pier_engine_inspect_image (engine, argv[i], NULL, &image_error)) == NULL)
        {
          if (is_not_found (image_error))
            g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("no such object: %s"), argv[i]);
          else
            g_propagate_error (error, g_steal_pointer (&image_error));
        }
      if (json == NULL)
        return 1;
      lines = g_strsplit (json, "\n", -1);
      for (char **l = lines; *l; l++)
        g_string_append_printf (out, "    %s%s", *l, l[1] ? "\n" : "");
      g_string_append (out, i + 1 < argc ? ",\n" : "\n");
    }
  g_string_append (out, "]");
  printf ("%s\n", out->str);
  return 0;
}

static int
history_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean no_trunc = FALSE, dockerfile = FALSE, quiet = FALSE;
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, N_("Do not shorten the output"), NULL },
    { "dockerfile", 0, 0, G_OPTION_ARG_NONE, &dockerfile, N_("Print the history as a Dockerfile"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Only show ids"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (PierTable) table = NULL;
  g_auto (PierJsonWriter) w = { NULL };
  PierEngine *engine = pier_cli_get_engine (cli);
  json_t *list = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE", N_("Show the history of an image"), entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "[--no-trunc] [--dockerfile] IMAGE", error) ||
      !pier_format_check (format, error))
    return 1;
  if (dockerfile)
    {
      g_autofree char *text = pier_engine_image_history_dockerfile (engine, argv[1], NULL, error);
      if (text == NULL)
        return 1;
      fputs (text, stdout);
      return 0;
    }
  if ((items = pier_engine_image_history (engine, argv[1], NULL, error)) == NULL)
    return 1;
  table = pier_table_new ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT", NULL);
  if (g_strcmp0 (format, "json") == 0)
    list = json_array ();
  for (guint i = 0; i < items->len; i++)
    {
      PierHistoryItem *e = items->pdata[i];
      g_autofree char *id = NULL;
      g_autofree char *created = pier_format_ago (e->created_unix);
      g_autofree char *size_text = NULL;
      g_autofree char *created_by = NULL;
      g_autofree char *comment = NULL;

      if (e->id != NULL)
        id = no_trunc ? g_strdup (e->id) : pier_digest_short (e->id);
      else
        id = g_strdup ("<missing>");
      if (quiet)
        {
          printf ("%s\n", id);
          continue;
        }
      if (list != NULL)
        {
          json_t *obj = json_object ();
          pier_json_set_text (&w, obj, "id", id);
          pier_json_set_text (&w, obj, "created", e->created ? e->created : "");
          pier_json_set_text (&w, obj, "createdBy", e->created_by ? e->created_by : "");
          pier_json_set (&w, obj, "size", json_integer (e->size));
          pier_json_set_text (&w, obj, "comment", e->comment ? e->comment : "");
          pier_json_append (&w, list, obj);
          continue;
        }
      size_text = pier_format_size (e->size);
      created_by = no_trunc ? g_strdup (e->created_by ? e->created_by : "")
                            : pier_format_truncate (e->created_by, 45);
      comment = g_strdup (e->comment ? e->comment : "");
      pier_table_add_row (table, id, created, created_by, size_text, comment, NULL);
    }
  if (list != NULL)
    return pier_format_print_json (&w, list, error) ? 0 : 1;
  if (!quiet)
    pier_table_print (table);
  return 0;
}

static int
tag_run (PierCli *cli, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };

  if (!pier_cli_parse (cli, &argc, &argv, "SOURCE TARGET", N_("Give an image another name"),
                       entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 2, 2, "SOURCE TARGET", error) ||
      !pier_engine_tag_image (pier_cli_get_engine (cli), argv[1], argv[2], NULL, error))
    return 1;
  return 0;
}

static int
rmi_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
      N_("Remove an image with several names, or only the names of one that containers use"),
      NULL },
    { NULL }
  };
  int status = 0;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE...", N_("Remove images"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-f] IMAGE...", error))
    return 1;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (PierImageRemoval) report = pier_engine_remove_image (pier_cli_get_engine (cli),
                                                                      argv[i], force, NULL,
                                                                      &local_error);
      if (report == NULL)
        {
          /* Later images are still removed, as docker rmi does; the exit says one failed. */
          pier_cli_print_error (cli, local_error);
          status = 1;
          continue;
        }
      /* Docker's words, which scripts read the names and ids from: as written. */
      for (char **u = report->untagged; *u; u++)
        printf ("Untagged: %s\n", *u);
      for (char **d = report->deleted; *d; d++)
        printf ("Deleted: %s\n", *d);
    }
  return status;
}

const PierCliVerb pier_cli_image_verbs[] = {
  { "images", images_run, N_("List images") },
  { "inspect", inspect_run, N_("Show the details of containers and images") },
  { "history", history_run, N_("Show an image's history, or read it back as a Dockerfile") },
  { "tag", tag_run, N_("Give an image another name") },
  { "rmi", rmi_run, N_("Remove images") },
  { NULL }
};
