/* pierctl images, inspect, history, tag, rmi. */
#include "pier-cli.h"
#include "pier-cli-format.h"

#include "pier-container-inspect.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-history.h"
#include "pier-image-inspect.h"
#include "pier-image-store.h"
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
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only show image ids", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "Output format: table or json", "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GHashTable) in_use = NULL;
  g_autoptr (PierTable) table = NULL;
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "", "List images", entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 0, "[-q] [--format json]", error) ||
      !pier_format_check (format, error) || (store = pier_cli_get_store (cli, error)) == NULL ||
      (images = pier_store_list_images_full (store, &broken, error)) == NULL)
    return 1;
  for (guint i = 0; i < broken->len; i++)
    {
      PierImage *image = broken->pdata[i];
      g_autofree char *what = image->names->len > 0
                                  ? pier_reference_familiar (image->names->pdata[0])
                                  : g_strdup (image->id);
      fprintf (stderr, "pierctl images: warning: left out image %s (%s), which cannot be read: %s; "
               "`pierctl rmi -f %s` removes it\n", what, image->id, image->broken, what);
    }
  in_use = pier_store_images_in_use (store);
  if (quiet)
    {
      for (guint i = 0; i < images->len; i++)
        {
          g_autofree char *short_id = pier_digest_short (((PierImage *) images->pdata[i])->id);
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
          PierImage *image = images->pdata[i];
          json_t *obj = json_object ();
          json_t *names = json_array ();
          for (guint n = 0; n < image->names->len; n++)
            pier_json_append (&w, names,
                              pier_json_text_take (&w, "RepoTags",
                                                   pier_reference_familiar (image->names->pdata[n])));
          pier_json_set_text (&w, obj, "Id", image->id);
          pier_json_set_text (&w, obj, "Digest", image->manifest_digest);
          pier_json_set (&w, obj, "RepoTags", names);
          pier_json_set (&w, obj, "Created", json_integer (pier_image_get_created (image)));
          pier_json_set_text (&w, obj, "CreatedAt", image->config->created ? image->config->created : "");
          pier_json_set (&w, obj, "Size", json_integer (pier_image_get_size (store, image)));
          pier_json_set (&w, obj, "Containers",
                         json_integer (g_hash_table_contains (in_use, image->id) ? 1 : 0));
          pier_json_append (&w, list, obj);
        }
      return pier_format_print_json (&w, list, error) ? 0 : 1;
    }
  table = pier_table_new ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", NULL);
  for (guint i = 0; i < images->len; i++)
    {
      PierImage *image = images->pdata[i];
      g_autofree char *short_id = pier_digest_short (image->id);
      g_autofree char *created = pier_format_ago (pier_image_get_created (image));
      g_autofree char *size = pier_format_size (pier_image_get_size (store, image));
      guint rows = MAX (image->names->len, 1);

      for (guint n = 0; n < rows; n++)
        {
          g_autofree char *repository = NULL;
          g_autofree char *tag = NULL;
          pier_reference_split_familiar (n < image->names->len ? image->names->pdata[n] : NULL,
                                         &repository, &tag);
          pier_table_add_row (table, repository, tag, short_id, created, size, NULL);
        }
    }
  pier_table_print (table);
  return 0;
}

static int
inspect_run (PierCli *cli, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr (GString) out = g_string_new ("[\n");
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "NAME|ID...", "Show the details of containers and images", entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "NAME|ID...", error) ||
      (store = pier_cli_get_store (cli, error)) == NULL)
    return 1;
  /* Containers first, as docker inspect looks them up; a broken one too, to say why. */
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (PierContainer) container = pier_store_find_any_container (store, argv[i], NULL);
      g_autoptr (PierImage) image = NULL;
      g_autofree char *json = NULL;
      g_auto (GStrv) lines = NULL;

      if (container != NULL)
        json = pier_container_inspect_json (store, container, error);
      else if ((image = pier_store_find_image (store, argv[i], NULL)) != NULL)
        json = pier_image_inspect_json (store, image, error);
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, "no such object: %s", argv[i]);
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
    { "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, "Do not shorten the output", NULL },
    { "dockerfile", 0, 0, G_OPTION_ARG_NONE, &dockerfile, "Print the history as a Dockerfile", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Only show ids", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "Output format: table or json", "FORMAT" },
    { NULL }
  };
  g_autoptr (PierImage) image = NULL;
  g_autoptr (PierTable) table = NULL;
  g_auto (PierJsonWriter) w = { NULL };
  json_t *list = NULL;
  PierStore *store;
  guint layer;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE", "Show the history of an image", entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "[--no-trunc] [--dockerfile] IMAGE", error) ||
      !pier_format_check (format, error) || (store = pier_cli_get_store (cli, error)) == NULL ||
      (image = pier_store_find_image (store, argv[1], error)) == NULL)
    return 1;
  if (dockerfile)
    {
      g_autofree char *text = pier_history_to_dockerfile (image->config);
      fputs (text, stdout);
      return 0;
    }
  table = pier_table_new ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT", NULL);
  if (g_strcmp0 (format, "json") == 0)
    list = json_array ();
  /* Newest first; non-empty entries own the layers from the top down. */
  layer = image->manifest->layers->len;
  for (guint i = image->config->history->len; i > 0; i--)
    {
      PierHistoryEntry *e = image->config->history->pdata[i - 1];
      guint64 size = 0;
      g_autofree char *id = NULL;
      g_autofree char *created = pier_format_ago (pier_oci_timestamp_to_unix (e->created));
      g_autofree char *size_text = NULL;
      g_autofree char *created_by = NULL;
      g_autofree char *comment = NULL;

      if (!e->empty_layer && layer > 0)
        {
          gint64 known;
          layer--;
          known = pier_store_get_layer_size (store, image->config->diff_ids->pdata[layer]);
          size = known >= 0 ? (guint64) known
                            : (guint64) ((PierDescriptor *) image->manifest->layers->pdata[layer])->size;
        }
      if (i == image->config->history->len)
        id = no_trunc ? g_strdup (image->id) : pier_digest_short (image->id);
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
          pier_json_set (&w, obj, "size", json_integer (size));
          pier_json_set_text (&w, obj, "comment", e->comment ? e->comment : "");
          pier_json_append (&w, list, obj);
          continue;
        }
      size_text = pier_format_size (size);
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
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "SOURCE TARGET", "Give an image another name",
                       entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 2, 2, "SOURCE TARGET", error) ||
      (store = pier_cli_get_store (cli, error)) == NULL ||
      !pier_store_tag_image (store, argv[1], argv[2], error))
    return 1;
  return 0;
}

static int
rmi_run (PierCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Remove an image with several names, or only "
      "the names of one that containers use", NULL },
    { NULL }
  };
  PierStore *store;
  int status = 0;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE...", "Remove images", entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-f] IMAGE...", error) ||
      (store = pier_cli_get_store (cli, error)) == NULL)
    return 1;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (PierRemoveReport) report = pier_store_remove_image (store, argv[i], force,
                                                                     &local_error);
      if (report == NULL)
        {
          /* Later images are still removed, as docker rmi does; the exit says one failed. */
          fprintf (stderr, "pierctl rmi: %s\n", local_error->message);
          status = 1;
          continue;
        }
      for (guint u = 0; u < report->untagged->len; u++)
        printf ("Untagged: %s\n", (char *) report->untagged->pdata[u]);
      for (guint d = 0; d < report->deleted->len; d++)
        printf ("Deleted: %s\n", (char *) report->deleted->pdata[d]);
    }
  return status;
}

const PierCliVerb pier_cli_image_verbs[] = {
  { "images", images_run, "List images" },
  { "inspect", inspect_run, "Show the details of containers and images" },
  { "history", history_run, "Show an image's history, or read it back as a Dockerfile" },
  { "tag", tag_run, "Give an image another name" },
  { "rmi", rmi_run, "Remove images" },
  { NULL }
};
